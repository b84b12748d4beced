#!/bin/sh
test_description='a full list refuses a made-up newcomer without looking every statement'\''s issuer up among thousands of peers (review)'
. "$(dirname "$0")/lib-isconf.sh"

KEY=key-of-the-mesh-0123456789
. "$SHARNESS_TEST_SRCDIR/lib-keepers.sh"	# stat_of, stat_above, holds

# cpu: the daemon's CPU time so far, in clock ticks.
cpu() {
	awk '{ print $14 + $15 }' "/proc/$(cat "$(host_home b)/isconfd.pid")/stat"
}

test_expect_success 'setup: b knows 10,000 peers and keeps 40 holds at most' '
	awk "BEGIN { for (i = 0; i < 10000; i++)
	    printf \"h%05d generic 0 0 -\\n\", i }" >fleet.txt &&
	keyed_mesh b:2 &&
	stop_host b &&
	{
		echo "ISCONF_STMTLIST_MAX=40; export ISCONF_STMTLIST_MAX" &&
		printf "ISCONF_FLEET_INJECT=\"%s\"; export ISCONF_FLEET_INJECT\n" \
		    "$PWD/fleet.txt"
	} >>"$(host_dir b)/env" &&
	isconf_on b -q start &&
	openssl genpkey -algorithm ed25519 -out forger.pem 2>/dev/null &&
	accepted0=$(stat_of 2 accepted) &&
	holds 1 40 1 &&
	wait_for 30 stat_above 2 accepted $((accepted0 + 39))
'

# Each refused newcomer ranked all 40 statements, each by a walk of the
# 10,000 peers (peer_find): 1.8 s of CPU for these 480, 0.07 s now.
test_expect_success 'a made-up newcomer to the full list is refused cheaply' '
	full0=$(stat_of 2 list_full) &&
	cpu0=$(cpu) &&
	holds 41 41 480 &&
	wait_for 30 stat_above 2 list_full $((${full0:-0} + 479)) &&
	cpu1=$(cpu) &&
	echo "CPU: $((cpu1 - cpu0)) ticks of $(getconf CLK_TCK) a second" &&
	test $((cpu1 - cpu0)) -lt $(getconf CLK_TCK)
'

test_done
