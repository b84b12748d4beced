#!/bin/sh
# The simulation part of make bench (bench/sim.c): propagation to 1,000
# and 10,000 hosts at 1% and 10% loss with the chosen fan-out and, for
# comparison, the fan-outs the choice was made against; then lock
# contests (2 and 10 origins, hosts down, both views: the columns are
# winners and decision time, how long after it 99.9% and all of the
# live hosts knew the lock (ms), and
# lock messages per host / the most one bystander received); then a
# partition of 30% of the hosts during a lock contest and a ci; then
# membership (sim_members.c): how long until 1,000 and 10,000 hosts each
# know every host, and the membership bytes per host per minute; then
# canary waves (sim_waves.c, below).  Prints
# table rows on stdout
# and writes the JSON lines to $1.
set -e
SIM=$BUILD/bench/sim
JSON=$1
: >"$JSON"
row() { printf '%-44s %14s %14s %8s\n' "$1" "$2" "$3" "$4"; }
field() { sed -n "s/.*\"$1\": \([^,}]*\).*/\1/p"; }
for n in 1000 10000; do
	for loss in 0.01 0.10; do
		for f in default 4 16; do
			if [ $f = default ]; then
				out=$("$SIM" prop $n $loss)
			else
				[ $n = 10000 ] || continue
				out=$(SIM_FANOUT_NEWS=$f "$SIM" prop $n $loss)
			fi
			echo "$out" >>"$JSON"
			fan=$(echo "$out" | field fanout_news)
			row "sim $n hosts, loss $loss, fan-out $fan: 99.9%" \
			    "$(echo "$out" | field p999_ms) ms" \
			    "all $(echo "$out" | field all_ms) ms" \
			    "$(echo "$out" | field pulls_per_host)p"
			[ $f != default ] || row "  idle bytes/s per host (target <= 1024)" \
			    "$(echo "$out" | field idle_bytes_per_host_s)" "-" "-"
		done
	done
done
# Lock: 2 origins, each host knowing the peers it learned from hellos
# (view g) or the whole fleet (view f, membership spread), with and
# without IS_LOCK_QUORUM, no host or 5% of them down; then 10 origins.
lockrow() {
	out=$("$SIM" lock $1 0.01 $2 $3 1 $4 $5) || true
	echo "$out" >>"$JSON"
	row "sim lock $1, view $6, $2 or., q$3, down $4" \
	    "$(echo "$out" | field winners)w $(echo "$out" | field all_decided_after_ms) ms" \
	    "+$(echo "$out" | field known_p999_ms)/$(echo "$out" | field known_all_ms)" \
	    "$(echo "$out" | field messages_per_host)/$(echo "$out" | field most_to_a_bystander)"
}
for n in 1000 10000; do
	for v in 0 1; do
		view=g; [ $v = 0 ] || view=f
		for q in 0 1; do
			for down in 0 0.05; do
				lockrow $n 2 $q $down $v $view
			done
		done
	done
	for q in 0 1; do
		lockrow $n 10 $q 0.05 1 f
	done
done
for n in 1000 10000; do
	for q in 0 1; do
		out=$("$SIM" part $n 0.01 $q) || true
		echo "$out" >>"$JSON"
		row "sim partition, $n hosts, q$q: winners" \
		    "$(echo "$out" | field winners)" \
		    "heal+$(echo "$out" | field all_after_heal_ms) ms" \
		    "-"
	done
done
for n in 1000 10000; do
	out=$("$SIM" members $n 0.01) || true
	echo "$out" >>"$JSON"
	row "sim members, $n hosts, loss 0.01: 99%" \
	    "$(echo "$out" | field s_99) s" \
	    "all $(echo "$out" | field s_all) s" \
	    "$(echo "$out" | field member_bytes_per_host_min)B/min"
done
# Canary waves (sim_waves.c): one transaction through three waves (1%,
# 10%, the rest of the hosts).  Columns: when the first host of each
# wave started it and when every host of each had finished (s after
# the ci, -1: not within the run), and the wants (receipt requests)
# per host; up from cron every 30 minutes at a random phase per host,
# from cron at the same moment on every host (cron-sync, as the shipped
# cron line runs it) or on arrival; IS_WAVE_MIN 1 and 50%.  Then a
# transaction that fails on every host and one that fails on one
# canary only: the hosts of each wave that applied it, and how many of
# the later hosts that stopped hold the failed canary's receipt.
arr() { sed -n "s/.*\"$1\": \[\([^]]*\)\].*/\1/p" | sed 's/, /\//g'; }
for n in 1000 10000; do
	for min in 1 50%; do
		for t in cron cron-sync arrival; do
			out=$("$SIM" waves $n $t $min good)
			echo "$out" >>"$JSON"
			row "sim waves $n, $t, min $min: start" \
			    "$(echo "$out" | arr first_start_s)" \
			    "done $(echo "$out" | arr all_done_s)" \
			    "$(echo "$out" | field wants_per_host)w"
		done
	done
	for t in cron arrival; do
		for case in "1 bad" "1 one" "100% one"; do
			set -- $case
			# (13 s, and cron's run shows the same)
			[ "$n$t$1" != "10000arrival100%" ] || continue
			out=$("$SIM" waves $n $t $1 $2) || true
			echo "$out" >>"$JSON"
			row "sim waves $n, $t, min $1, fails: $2" \
			    "applied $(echo "$out" | arr applied_bad)" \
			    "held $(echo "$out" | field of_them_hold_failure)" \
			    "-"
		done
	done
done
