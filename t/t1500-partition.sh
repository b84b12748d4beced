#!/bin/sh
test_description='a partition lets both sides commit; after healing every host records the fork and up stops before it'
. "$(dirname "$0")/lib-isconf.sh"
. "$ISCONF_TESTS/lib-netns.sh"

test_expect_success NETNS 'three hosts in namespaces' '
	at_exit=netns_cleanup &&
	ns_three a 1 b 2 c 3
'

test_expect_success NETNS 'partition {a} | {b, c}: both sides commit' '
	partition 1 down &&
	commit_on a "side-a" &&
	commit_on b "side-b" &&
	wait_head c 6 &&
	test "$(status_field a head)" = 6 &&
	test "$(status_field b head)" = 6 &&
	test "$(isconf_on a log | tail -1 | cut -f6)" = side-a &&
	test "$(isconf_on c log | tail -1 | cut -f6)" = side-b
'

test_expect_success NETNS 'after healing every host records the fork' '
	partition 1 up &&
	for h in a b c; do
		wait_for 20 status_has $h ^FORK: || return 1
	done &&
	echo "FORK:     at entry 4: ours HASH by a, theirs HASH by b (kept as branch generic.fork-HASH)" >expect &&
	status_on a >out &&
	sed -n "/^FORK:/{s/[0-9a-f]\{12\}/HASH/g;p}" out >actual &&
	test_cmp expect actual
'

test_expect_success NETNS 'nothing is dropped: both sides are kept' '
	isconf_on a log generic | grep -q side-a &&
	fb=$(isconf_on a status --json | perl -MJSON::PP -e "print JSON::PP->new->decode(join q(), <STDIN>)->{fork}{branch}") &&
	isconf_on a log "$fb" | grep -q side-b &&
	isconf_on b log generic | grep -q side-b
'

test_expect_success NETNS 'up stops before the fork with a message naming both' '
	expect_code 1 isconf_on c up &&
	echo "isconf: error: generic forked at entry 4: this host has HASH (by b), a has HASH (kept as branch generic.fork-HASH); up stops before the fork until it is resolved: isconf resolve generic HASH (or HASH), on any host" >expect &&
	sed -e "s/[0-9a-f]\{12\}/HASH/g" err >actual &&
	test_cmp expect actual &&
	test "$(status_field c applied)" = 3 &&
	expect_code 1 isconf_on a up &&
	echo "isconf: error: generic forked at entry 4: this host has HASH (by a), b has HASH (kept as branch generic.fork-HASH); up stops before the fork until it is resolved: isconf resolve generic HASH (or HASH), on any host" >expect &&
	sed -e "s/[0-9a-f]\{12\}/HASH/g" err >actual &&
	test_cmp expect actual
'

test_expect_success NETNS 'IS_LOCK_QUORUM: the minority side of a partition cannot lock' '
	for h in a:1 b:2 c:3; do
		n=${h#*:} h=${h%%:*} &&
		isconf_on $h -q stop &&
		echo "IS_LOCK_QUORUM=1; export IS_LOCK_QUORUM" >>"$(host_dir $h)/env" &&
		ns_restart $h $n || return 1
	done &&
	for h in a b c; do wait_for 10 peers_known $h 2 || return 1; done &&
	partition 1 down &&
	expect_code 220 isconf_on a lock "minority" &&
	echo "isconf: error: no quorum for the lock on generic: 1 of 3 hosts agreed (IS_LOCK_QUORUM is set)" >expect &&
	test_cmp expect err &&
	isconf_on b lock "majority" >out &&
	echo "isconf: locked generic: majority" >expect &&
	test_cmp expect out &&
	isconf_on b -q unlock &&
	partition 1 up
'

test_done
