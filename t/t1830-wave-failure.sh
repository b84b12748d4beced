#!/bin/sh
test_description='canary waves: one canary failure stops a later host that holds another canary success, and is news (issue 25)'
. "$(dirname "$0")/lib-isconf.sh"

# Two canaries: c1 applies the transaction, c2 fails it (an exec that
# fails only where bad-here exists).  e1 is of the later wave and runs
# up; r1 checks in and never runs up, so never asks anyone for a
# receipt.  c2 gossips once a minute: its hellos cannot carry its
# failure to the others within the test, only up's asks and the news.
cat >main.cf <<-\EOF
DEFAULT:
    IS_WAVES = canary rest
c1 c2:
    IS_WAVE = canary
EOF
TEST_MAINCF=$PWD/main.cf
C2=$(host_dir c2)/root
R1=$(host_dir r1)/root

holds() {
	isconf_on "$1" hosts >view &&
	grep "^$2 .*$3" view
}

test_expect_success 'setup: two canaries, c2 gossiping rarely, two later hosts' '
	mesh c1:1 c2:2 e1:3 r1:4 &&
	isconf_on c2 -q stop &&
	echo "IS_GOSSIP_MS=60000; export IS_GOSSIP_MS" >>"$(host_dir c2)/env" &&
	isconf_on c2 -q start &&
	for h in c1 c2 e1 r1; do wait_for 10 peers_known $h 3 || return 1; done
'

# Entries 1 lock, 2 exec (fails on c2), 3 ci.
test_expect_success 'a transaction that fails on c2 only' '
	: >"$C2/bad-here" &&
	isconf_on r1 -q lock "fails on c2" &&
	(cd "$R1" && isconf_on r1 -q exec test ! -f bad-here) &&
	isconf_on r1 -q ci &&
	for h in c1 c2 e1 r1; do wait_head $h 3 || return 1; done
'

test_expect_success 'c1 applies it; the later hosts hold its receipt' '
	isconf_on c1 -q up &&
	test "$(status_field c1 applied)" = 3 &&
	wait_for 10 holds e1 c1 "up to date" &&
	wait_for 10 holds r1 c1 "up to date"
'

test_expect_success 'c2 fails it; e1, holding c1 success, still does not start it' '
	expect_code 1 isconf_on c2 up &&
	expect_code 223 isconf_on e1 up &&
	echo "isconf: error: waiting for wave canary: 1 of 2 hosts applied the transaction at 1; c2 failed on entry 2 with status 1" >expect &&
	head -1 err >actual &&
	test_cmp expect actual &&
	test "$(status_field e1 applied)" = 0
'

test_expect_success 'the failure reached r1, which asked nobody: news' '
	wait_for 5 holds r1 c2 "FAILED at 2 (1)" &&
	grep "waves: up failed on entry 2; told all 3 peers" "$(host_dir c2)/isconfd.log"
'

test_done
