#!/bin/sh
test_description='trusted_keys: a stream with a host whose key is not listed is refused, even one relaying a trusted origin'\''s entries (issue 20 item 15: documented in isconfd(8))'
. "$(dirname "$0")/lib-isconf.sh"

test_expect_success 'setup: origin a checks in, relay b has it, a stops' '
	mesh a:1 b:2 &&
	isconf_on a -q lock "relayed" &&
	(cd "$(host_dir a)/root" && isconf_on a -q exec true) &&
	isconf_on a -q ci &&
	head=$(status_field a head) &&
	wait_head b $head &&
	isconf_on a key >a.key &&
	isconf_on b key >b.key &&
	stop_host a
'

test_expect_success 'c trusts only the origin: b'\''s stream is refused, c gets nothing' '
	make_host c 3 IS_GOSSIP_MS=500 &&
	echo 127.0.0.2 >"$(host_dir c)/home/conf/nets" &&
	cp a.key "$(host_dir c)/home/conf/trusted_keys" &&
	isconf_on c -q start &&
	wait_for 10 grep "refused a stream from 127.0.0.2: its host key is not trusted" "$(host_dir c)/isconfd.log" &&
	test "$(status_field c head)" = 0
'

test_expect_success 'listing the relay too: c gets the origin'\''s entries through it' '
	cat b.key >>"$(host_dir c)/home/conf/trusted_keys" &&
	wait_head c $(status_field b head)
'

test_done
