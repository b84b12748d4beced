#!/bin/sh
# Issue 23's forwarding cost: N daemons on 127.0.6.x (nets: every
# other host), hosts 1 and 2 keepers (KEEPERS=0: none, the baseline),
# gossip at IS_GOSSIP_MS (default 1000).  After SETTLE_S (20) s of
# discovery, host 3 checks in CI (5) versions of a small file, one
# every 2 s; over that and WIN_S (20) s more: the UDP bytes all hosts
# send, a second per host, and the statements they accepted and
# dropped as older than the one kept (the keepers' holdings, mostly).
#   holdings.sh BUILD [N]  ->  "bytes_s_per_host accepted stale"
set -e
BUILD=$1 N=${2:-30}
ISCONF=$BUILD/isconf
HERE=$(cd "$(dirname "$0")" && pwd)
W=$(mktemp -d /tmp/isconf-holdings.XXXXXX)
trap 'for i in $(seq $N); do host $i "$ISCONF" -q stop 2>/dev/null || true; done; rm -rf "$W"' EXIT

. "$HERE/lib.sh"
host() {
	_i=$1
	shift
	_k=
	case $_i in 1|2) [ "${KEEPERS:-1}" = 0 ] || _k=1 ;; esac
	bench_host h 127.0.6 63727 $_i IS_GOSSIP_MS=${IS_GOSSIP_MS:-1000} \
	    IS_CACHE_KEEP=$_k "$@"
}
total() {
	for i in $(seq $N); do
		curl -s "http://127.0.6.$i:63728/metrics" | grep "^$1" || true
	done | awk '{ s += $NF } END { printf "%d\n", s }'
}
now() { date +%s.%N; }

for i in $(seq $N); do
	mkdir -p "$W/$i/home/conf" "$W/$i/root"
	for j in $(seq $N); do [ $j = $i ] || echo 127.0.6.$j; done \
	    >"$W/$i/home/conf/nets"
	host $i "$ISCONF" -q start
done
sleep ${SETTLE_S:-20}
total isconf_bytes_total >/dev/null	# load libmicrohttpd everywhere
b0=$(total 'isconf_bytes_total{direction="out"}')
a0=$(total 'isconf_statements_total{result="accepted"}')
s0=$(total 'isconf_statements_total{result="stale"}')
t0=$(now)
cd "$W/3/root"
for v in $(seq ${CI:-5}); do
	echo "version $v" >f
	host 3 "$ISCONF" -q lock "v$v"
	host 3 "$ISCONF" -q snap "$W/3/root/f"
	host 3 "$ISCONF" -q ci
	sleep 2
done
sleep ${WIN_S:-20}
t1=$(now)
b1=$(total 'isconf_bytes_total{direction="out"}')
a1=$(total 'isconf_statements_total{result="accepted"}')
s1=$(total 'isconf_statements_total{result="stale"}')
echo "$b0 $b1 $t0 $t1 $N $a0 $a1 $s0 $s1" | awk '{
	printf "%.0f %d %d\n", ($2 - $1) / ($4 - $3) / $5, $7 - $6, $9 - $8 }'
