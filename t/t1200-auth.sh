#!/bin/sh
test_description='authentication: hmac_keys (rollout, reload, a broken reload), trusted_keys, domains'
. "$(dirname "$0")/lib-isconf.sh"

keys() {
	printf "%s\n" "$@" >"$(host_dir $KEYHOST)/home/conf/hmac_keys"
}
set_keys() {
	KEYHOST=$1; shift; keys "$@"
}
commit_on() {
	isconf_on $1 -q up &&
	isconf_on $1 -q lock "$2" &&
	(cd "$(host_dir $1)/root" && isconf_on $1 -q exec true) &&
	isconf_on $1 -q ci
}

test_expect_success 'setup: a and b with different keys' '
	make_host a 1 IS_GOSSIP_MS=300 && make_host b 2 IS_GOSSIP_MS=300 &&
	echo 127.0.0.2 >"$(host_dir a)/home/conf/nets" &&
	echo 127.0.0.1 >"$(host_dir b)/home/conf/nets" &&
	set_keys a key-of-a-0123456789 &&
	set_keys b key-of-b-0123456789 &&
	isconf_on a -q start && isconf_on b -q start
'

test_expect_success 'hosts with different hmac_keys do not exchange anything' '
	commit_on a "a alone" &&
	sleep 1.5 &&
	test "$(status_field b head)" = 0 &&
	echo 0 >expect &&
	status_field b peers >actual &&
	test_cmp expect actual
'

test_expect_success 'step 1 of the rollout: the new key plus +ANY+ everywhere' '
	set_keys a newkey-0123456789 +ANY+ &&
	set_keys b newkey-0123456789 +ANY+ &&
	wait_head b 3
'

test_expect_success 'step 2: +ANY+ removed, the key checked; still in contact' '
	set_keys a newkey-0123456789 key-of-a-0123456789 &&
	set_keys b newkey-0123456789 key-of-b-0123456789 &&
	sleep 1.2 &&
	commit_on a "after step 2" &&
	wait_head b 6
'

test_expect_success 'step 3: old keys retired; still in contact' '
	set_keys a newkey-0123456789 &&
	set_keys b newkey-0123456789 &&
	sleep 1.2 &&
	commit_on a "after step 3" &&
	wait_head b 9
'

test_expect_success 'a key file change takes effect without a restart' '
	pid=$(host_pid b) &&
	set_keys b some-other-key-0123 &&
	sleep 1.2 &&
	commit_on a "b cut off" &&
	sleep 1.5 &&
	test "$(status_field b head)" = 9 &&
	test "$(host_pid b)" = "$pid" &&
	set_keys b newkey-0123456789 &&
	wait_head b 12
'

test_expect_success 'the drops were counted, and b kept serving' '
	isconf_on b status --json >st.json &&
	json_eval st.json "\$j->{dropped}{auth} > 0"
'

test_expect_success 'trusted_keys refuses entries signed by an untrusted host' '
	isconf_on b key >"$(host_dir b)/home/conf/trusted_keys" &&
	commit_on a "untrusted" &&
	sleep 2 &&
	test "$(status_field b head)" = 12 &&
	isconf_on a key >>"$(host_dir b)/home/conf/trusted_keys" &&
	wait_head b 15
'

test_expect_success 'a host of another domain is ignored, even with the same keys' '
	TEST_DOMAIN=other.example make_host x 5 IS_GOSSIP_MS=300 &&
	echo 127.0.0.1 >"$(host_dir x)/home/conf/nets" &&
	set_keys x newkey-0123456789 &&
	echo 127.0.0.5 >>"$(host_dir a)/home/conf/nets" &&
	isconf_on x -q start &&
	commit_on x "other domain" &&
	commit_on a "same domain" &&
	sleep 1.5 &&
	test "$(status_field x head)" = 3 &&
	wait_head b 18 &&
	isconf_on a status --json >st.json &&
	json_eval st.json "\$j->{dropped}{domain} > 0" &&
	isconf_on a log >out && ! grep "other domain" out &&
	echo 1 >expect &&
	status_field a peers >actual &&
	test_cmp expect actual
'

test_expect_success 'SIGHUP with a broken hmac_keys: refused, the old key stays in force' '
	set_keys b newkey-0123456789 "bad key" &&
	kill -HUP $(host_pid b) &&
	wait_for 10 grep -F "reload refused, keeping the old configuration: $(host_dir b)/home/conf/hmac_keys:2: key has a space" "$(host_dir b)/isconfd.log" &&
	wait_for 10 grep -F "keeping the old HMAC keys: $(host_dir b)/home/conf/hmac_keys:2:" "$(host_dir b)/isconfd.log" &&
	commit_on a "after the broken reload" &&
	wait_head b 21
'

test_expect_success 'and a peer signing with another key is still rejected' '
	set_keys a other-key-0123456789 &&
	sleep 1.2 &&
	commit_on a "with another key" &&
	sleep 1.5 &&
	test "$(status_field b head)" = 21
'

test_expect_success 'an hmac_keys emptied (being written) leaves the keys in force' '
	set_keys a newkey-0123456789 &&
	wait_head b 24 &&
	: >"$(host_dir b)/home/conf/hmac_keys" &&
	wait_for 10 grep -F "keeping the old HMAC keys: $(host_dir b)/home/conf/hmac_keys: no key in it (being written?)" "$(host_dir b)/isconfd.log" &&
	commit_on a "after an empty hmac_keys" &&
	wait_head b 27
'

test_done
