#!/bin/sh
test_description='a full list of statements (holds, holdings) keeps its established issuers: made-up names cannot push out or lock out real hosts'\'' (review)'
. "$(dirname "$0")/lib-isconf.sh"

KEY=key-of-the-mesh-0123456789
. "$SHARNESS_TEST_SRCDIR/lib-keepers.sh"	# stat_of, stat_above, holds

test_expect_success 'setup: a, b, c; b keeps 4 statements of a kind at most' '
	keyed_mesh a:1 b:2 c:3 &&
	stop_host b &&
	echo "ISCONF_STMTLIST_MAX=4; export ISCONF_STMTLIST_MAX" \
	    >>"$(host_dir b)/env" &&
	isconf_on b -q start &&
	wait_for 10 peers_known b 2 &&
	openssl genpkey -algorithm ed25519 -out forger.pem 2>/dev/null
'

test_expect_success 'made-up names fill the list; beyond it they are refused as list_full' '
	accepted0=$(stat_of 2 accepted) &&
	holds 1 6 1 &&
	wait_for 10 stat_above 2 list_full 1 &&
	test "$(stat_of 2 accepted)" = $((${accepted0:-0} + 4)) &&
	grep "none worth less" "$(host_dir b)/isconfd.log"
'

# Before, the full list refused it: b went on with up under a's hold.
test_expect_success 'a peer'\''s hold still reaches a full list, in place of a made-up one' '
	isconf_on a -q hold "real hold" &&
	wait_for 10 status_has b "^hold: *HELD by .*@a since .*: real hold" &&
	grep "holds: more than 4 statements kept; a hold of made-up-[0-9] on elsewhere dropped for a hold of a" \
	    "$(host_dir b)/isconfd.log"
'

test_expect_success 'a made-up newcomer does not push out an established statement' '
	full0=$(stat_of 2 list_full) &&
	isconf_on a -q release &&
	wait_for 10 eval "! status_has b \"^hold:\"" &&
	holds 7 9 1 &&
	wait_for 10 stat_above 2 list_full $((full0 + 2)) &&
	! status_has b "^hold:"
'

test_expect_success 'with trusted_keys, a trusted host'\''s statement takes an untrusted one'\''s place' '
	cat "$(host_home a)/conf/host.pub" "$(host_home b)/conf/host.pub" \
	    "$(host_home c)/conf/host.pub" >"$(host_home b)/conf/trusted_keys" &&
	isconf_on c -q hold "trusted hold" &&
	wait_for 10 status_has b "^hold: *HELD by .*@c since .*: trusted hold" &&
	stop_host b && isconf_on b -q start &&
	status_has b "^hold: *HELD by .*@c since .*: trusted hold"
'

test_done
