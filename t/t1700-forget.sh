#!/bin/sh
test_description='a peer unheard of for IS_PEER_FORGET_S is forgotten, and locks stop waiting for it'
. "$(dirname "$0")/lib-isconf.sh"

test_expect_success 'setup: a forgets after 2 s, b is its peer' '
	make_host a 1 IS_GOSSIP_MS=200 IS_PEER_FORGET_S=2 &&
	make_host b 2 IS_GOSSIP_MS=200 &&
	echo 127.0.0.2 >"$(host_dir a)/home/conf/nets" &&
	echo 127.0.0.1 >"$(host_dir b)/home/conf/nets" &&
	isconf_on a -q start && isconf_on b -q start &&
	wait_for 10 peers_known a 1 && wait_for 10 peers_known b 1
'

test_expect_success 'b goes away for good: a forgets it, and says so' '
	stop_host b &&
	wait_for 10 peers_known a 0 &&
	echo "isconfd: peer b: not heard from for 2 s, forgotten" >expect &&
	sed -n "s/^20[0-9T:-]* \[[0-9]*\] \(isconfd: peer b: \)/\1/p" "$(host_dir a)/isconfd.log" >actual &&
	test_cmp expect actual
'

test_expect_success 'a lock no longer waits for the forgotten host' '
	isconf_on a -q lock "alone" &&
	! grep -q "did not answer" "$(host_dir a)/isconfd.log" &&
	isconf_on a -q unlock
'

test_expect_success 'b comes back: it is a peer again' '
	isconf_on b -q start &&
	wait_for 10 peers_known a 1
'

test_done
