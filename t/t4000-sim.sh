#!/bin/sh
test_description='the mesh rules in the simulator: a ci reaches every host, a lock has one winner, canary waves hold'
. "$(dirname "$0")/lib-isconf.sh"

SIM="$ISCONF_BUILD/bench/sim"
field() { sed -n "s/.*\"$1\": \([^,}]*\).*/\1/p"; }

test_expect_success 'a ci reaches all of 1,000 hosts, 99.9% within 2 s at 1% loss' '
	for seed in 1 2 3; do
		"$SIM" prop 1000 0.01 8 $seed >p.json &&
		test "$(field never <p.json)" = 0 &&
		awk "BEGIN { exit !($(field p999_ms <p.json) <= 2000) }" &&
		awk "BEGIN { exit !($(field idle_bytes_per_host_s <p.json) <= 1024) }" ||
		return 1
	done
'

test_expect_success 'and at 10% loss, every host still gets it' '
	"$SIM" prop 1000 0.10 8 4 >p.json &&
	test "$(field never <p.json)" = 0
'

test_expect_success 'lock contests between 2, 5 and 10 origins: exactly one winner' '
	for seed in 1 2 3 4 5 6; do
		for m in 2 5 10; do
			"$SIM" lock 1000 0.05 $m 0 $seed >l.json ||
			{ cat l.json; return 1; }
		done
	done
'

test_expect_success 'strict mode (IS_LOCK_QUORUM): never two winners' '
	for seed in 1 2 3 4 5 6; do
		"$SIM" lock 1000 0.10 10 1 $seed >l.json
		w=$(field winners <l.json) &&
		test "$w" -le 1 || { cat l.json; return 1; }
	done
'

# Claims started within microseconds split 1,000 voters; the earliest
# claim must still collect a majority (busy voters asked again).
test_expect_success 'strict mode, every host knowing the fleet: exactly one winner among 10 origins' '
	for seed in 1 2 3 4 5; do
		for down in 0 0.05; do
			"$SIM" lock 1000 0.01 10 1 $seed $down 1 >l.json
			test "$(field winners <l.json)" = 1 ||
			{ cat l.json; return 1; }
		done
	done
'

test_expect_success 'every host knowing the fleet, 5% of it down: one winner, the lock known everywhere, a few datagrams per bystander' '
	for seed in 1 2 3; do
		for m in 2 10; do
			"$SIM" lock 1000 0.05 $m 0 $seed 0.05 1 >l.json ||
			{ cat l.json; return 1; }
			test "$(field known_all_ms <l.json)" != -1.0 &&
			test "$(field most_to_a_bystander <l.json)" -le $((4 * m + 2)) ||
			{ cat l.json; return 1; }
			"$SIM" lock 1000 0.05 $m 1 $seed 0.05 1 >l.json
			test "$(field winners <l.json)" -le 1 ||
			{ cat l.json; return 1; }
		done
	done
'

test_expect_success 'a partition: strict mode gives the lock to the majority side only, and the cut-off hosts catch up after the heal' '
	for seed in 1 2 3; do
		"$SIM" part 1000 0.01 1 $seed >pt.json ||
		{ cat pt.json; return 1; }
		test "$(field winners <pt.json)" = 1 &&
		test "$(field majority_origin_won <pt.json)" = 1 &&
		awk "BEGIN { exit !($(field all_after_heal_ms <pt.json) >= 0) }" ||
		return 1
	done
'

# Canary waves (bench/sim_waves.c, the daemon's waves_gate on 1,000
# hosts): a good transaction goes wave after wave (a wave's first host
# starts once a host of the wave before finished: 30 s of applying at
# least), a bad one stays on the canaries.
arr() { sed -n "s/.*\"$1\": \[\([^]]*\)\].*/\1/p"; }
test_expect_success 'waves: a good transaction reaches every host, the waves in order' '
	for t in cron cron-sync arrival; do
		for min in 1 50%; do
			"$SIM" waves 1000 $t $min good >w.json &&
			echo "$(arr first_start_s <w.json)" "$(arr all_done_s <w.json)" |
			awk -F"[ ,]+" "{ exit !(\$2 >= \$1 + 30 && \$3 >= \$2 + 30 &&
			    \$4 > 0 && \$5 > 0 && \$6 > 0) }" ||
			{ cat w.json; return 1; }
		done
	done
'

test_expect_success 'waves: a transaction failing everywhere is applied by canaries only' '
	for t in cron arrival; do
		"$SIM" waves 1000 $t 1 bad >w.json &&
		test "$(arr applied_bad <w.json)" = "10, 0, 0" ||
		{ cat w.json; return 1; }
	done
'

test_expect_success 'waves: with IS_WAVE_MIN 100%, one failing canary keeps every later host out' '
	for t in cron arrival; do
		"$SIM" waves 1000 $t 100% one >w.json &&
		test "$(arr applied_bad <w.json)" = "10, 0, 0" ||
		{ cat w.json; return 1; }
	done
'

# IS_WAVE_MIN 1 and one canary failing (bench/README "Canary waves"):
# the failure is news, so every later host that has not started holds
# it and none starts after it; those that started on another canary's
# success before the failing one's up ended applied it.
test_expect_success 'waves: with IS_WAVE_MIN 1, no later host starts once one canary failed' '
	for t in cron arrival; do
		"$SIM" waves 1000 $t 1 one >w.json &&
		test "$(arr applied_bad <w.json | cut -d, -f1)" = 10 &&
		test "$(field later_started_after_failure <w.json)" = 0 &&
		test "$(field later_hosts_stopped <w.json)" = \
		    "$(field of_them_hold_failure <w.json)" ||
		{ cat w.json; return 1; }
	done
'

# Chunk distribution (bench/simdist.c, the daemon's rules_have_next and
# rules_fetch_*): small enough for the suite; make bench has the 1 GiB
# figures.  Every host completes, with 10% leaving mid-transfer too,
# and the origin sends at most 3 copies.
test_expect_success 'distribution with announcements: every remaining host completes, the origin sends at most 3 copies' '
	DIST="$ISCONF_BUILD/bench/simdist" &&
	for args in "300 64 1" "300 64 1 0 10 300" "300 64 1 4"; do
		"$DIST" $args >d.json &&
		test "$(field have <d.json)" = 1 &&
		test "$(field completed <d.json)" = \
		    "$(field remaining_hosts <d.json)" &&
		awk "BEGIN { exit !($(field origin_sent_x <d.json) <= 3) }" ||
		{ cat d.json; return 1; }
	done
'

test_done
