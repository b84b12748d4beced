#!/bin/sh
# Issue 18's costs: N daemons on 127.0.4.x (nets: 3 random others and
# host 1, as propagate.sh), gossip at its defaults.  Over IDLE_S (30)
# idle seconds: the CPU they use (% of one core, all N together) and
# the UDP bytes each sends and receives a second; then one ci on host 1
# and `up` on every host (their receipts change: statements are signed
# and verified then), and over that window and WIN_S (10) seconds
# after: signatures made and verified a second per host.  Run it with
# the build before statements too (BUILD of that tree): the idle
# figures are compared, the signature counters are 0 there.
#   stmt.sh BUILD N  ->  "idle_cpu_pct idle_bytes_s_per_host
#       busy_s signed_per_s_host verified_per_s_host accepted_total
#       verified_while_idle" (after SETTLE_S (45) s of discovery)
set -e
BUILD=$1 N=$2
ISCONF=$BUILD/isconf
HERE=$(cd "$(dirname "$0")" && pwd)
W=$(mktemp -d /tmp/isconf-stmt.XXXXXX)
trap 'for i in $(seq $N); do host $i "$ISCONF" -q stop 2>/dev/null || true; done; rm -rf "$W"' EXIT

. "$HERE/lib.sh"
host() { bench_host s 127.0.4 65527 "$@"; }
# total METRIC [LABELS]: the sum over all hosts of a /metrics line.
total() {
	for i in $(seq $N); do
		curl -s "http://127.0.4.$i:65528/metrics" | grep "^$1" || true
	done | awk '{ s += $NF } END { printf "%d\n", s }'
}
cpu_ticks() { for p in $pids; do awk '{print $14 + $15}' /proc/$p/stat; done |
    awk '{s += $1} END {print s}'; }
now() { date +%s.%N; }

for i in $(seq $N); do
	mkdir -p "$W/$i/home/conf" "$W/$i/root"
	{ [ $i != 1 ] && echo 127.0.4.1
	  for j in $(shuf -i 1-$N -n 3); do [ $j != $i ] && echo 127.0.4.$j; done
	} >"$W/$i/home/conf/nets" || true
	host $i "$ISCONF" -q start
done
pids=$(for i in $(seq $N); do cat "$W/$i/home/isconfd.pid"; done)
sleep ${SETTLE_S:-45}	# discovery, and every host's first receipts
total isconf_bytes_total >/dev/null	# load libmicrohttpd everywhere
b0=$(total isconf_bytes_total); c0=$(cpu_ticks)
i0=$(total 'isconf_statements_total{result="verified"}')
sleep ${IDLE_S:-30}
c1=$(cpu_ticks); b1=$(total isconf_bytes_total)
i1=$(total 'isconf_statements_total{result="verified"}')
cpu=$(echo "($c1 - $c0) * 100 / $(getconf CLK_TCK) / ${IDLE_S:-30}" | bc -l)
bps=$(echo "($b1 - $b0) / ${IDLE_S:-30} / $N" | bc -l)

s0=$(total 'isconf_statements_total{result="signed"}')
v0=$(total 'isconf_statements_total{result="verified"}')
t0=$(now)
(cd "$W/1/root" && host 1 "$ISCONF" -q lock bench && host 1 "$ISCONF" -q exec true &&
    host 1 "$ISCONF" -q ci)
for i in $(seq $N); do
	n=0
	until [ "$(head_of $i)" = 3 ]; do
		n=$((n + 1)); [ $n -lt 400 ] || { echo "s$i: no head 3" >&2; exit 1; }
		sleep 0.05
	done
	host $i "$ISCONF" -q up >/dev/null 2>&1 || true
done
sleep ${WIN_S:-10}
t1=$(now)
s1=$(total 'isconf_statements_total{result="signed"}')
v1=$(total 'isconf_statements_total{result="verified"}')
a1=$(total 'isconf_statements_total{result="accepted"}')
echo "$cpu $bps $t0 $t1 $s0 $s1 $v0 $v1 $a1 $N $((i1 - i0))" | awk '{
	d = $4 - $3
	printf "%.2f %.1f %.1f %.3f %.3f %d %d\n", $1, $2, d,
	    ($6 - $5) / d / $10, ($8 - $7) / d / $10, $9, $11 }'
