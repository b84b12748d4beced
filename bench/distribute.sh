#!/bin/sh
# Figure 5 of make bench: a MB-MiB snapped file fetched by one peer
# alone from the origin, then by P peers at once (every host knowing
# every other); the bytes the origin served against those the peers
# served each other.  Hosts live on 127.0.2.x.  The lone peer
# prefetches (its transfer is timed apart from its install); the group
# does not, so that every fetch starts when its `up` does.
#   distribute.sh BUILD MB P
#   -> "one_s group_s origin_bytes peer_bytes file_bytes one_mb_s
#       fetch_s fetch_mb_s group_cpu_s" (one_*: the lone peer's whole
#       up; fetch_*: its transfer alone; group_cpu_s: CPU seconds the
#       daemons used while the group ran)
set -e
BUILD=$1 MB=$2 P=$3
ISCONF=$BUILD/isconf
W=$(mktemp -d /tmp/isconf-dist.XXXXXX)
LAST=$((P + 2))
trap 'for i in $(seq $LAST); do host $i "$ISCONF" -q stop 2>/dev/null || true; done; rm -rf "$W"' EXIT

. "$(dirname "$0")/lib.sh"
host() { _h=$1; shift; bench_host d 127.0.2 65427 $_h IS_GOSSIP_MS=1000 "$@"; }
wait_head() {	# wait_head HOST SEQ
	n=0
	until [ "$(head_of $1)" = "$2" ]; do
		n=$((n + 1)); [ $n -lt 600 ] || { echo "d$1: no head $2" >&2; exit 1; }
		sleep 0.05
	done
}
served() {
	curl -s "http://127.0.2.$1:65428/metrics" |
	    sed -n 's/^isconf_chunk_bytes_total{direction="out"} //p'
}
metric() {	# metric HOST NAME: its value (first label set)
	curl -s "http://127.0.2.$1:65428/metrics" |
	    sed -n "s/^$2\({[^}]*}\)\{0,1\} //p" | head -1
}
fetched() {
	curl -s "http://127.0.2.$1:65428/metrics" |
	    sed -n 's/^isconf_chunk_bytes_total{direction="in"} //p'
}
now() { date +%s.%N; }
# CPU seconds (user + system) used so far by the daemons of hosts $@.
cpu_of() {
	for i in "$@"; do cat "$W/$i/home/isconfd.pid"; done | while read -r p; do
		cut -d' ' -f14,15 "/proc/$p/stat"
	done | awk -v hz="$(getconf CLK_TCK)" '{ t += $1 + $2 } END {
		printf "%.2f\n", t / hz }'
}

# Host 1 is the origin, host 2 fetches alone, hosts 3.. fetch together.
for i in $(seq $LAST); do
	mkdir -p "$W/$i/home/conf" "$W/$i/root"
	if [ $i = 2 ]; then
		echo 127.0.2.1 >"$W/$i/home/conf/nets"
	else
		for j in $(seq $LAST); do
			[ $j = $i ] || [ $j = 2 ] || echo 127.0.2.$j
		done >"$W/$i/home/conf/nets"
	fi
done
host 1 "$ISCONF" -q start
head -c $((MB * 1048576)) /dev/urandom >"$W/1/root/big.img"
cd "$W/1/root"
host 1 "$ISCONF" -q lock "distribute"
host 1 "$ISCONF" -q snap "$W/1/root/big.img"
host 1 "$ISCONF" -q ci
# The lone peer, three times from an empty IS_HOME: it starts, hears of
# the head from the origin and prefetches; the transfer starts when it
# has stored the entries and ends when its fetched chunk bytes reach the
# file's size (its metrics, polled every 5 and 20 ms).  The median of the three is the figure; after the last, up
# installs the file (fetch + install: the baseline of the group).
fetches=""
for r in 1 2 3; do
	rm -rf "$W/2/home/"*.db* "$W/2/home/"cache.pack "$W/2/root/"*
	host 2 env IS_PREFETCH=1 "$ISCONF" -q start
	n=0
	# The fetch starts when the entries are stored (head 3).
	until [ "$(metric 2 isconf_branch_head)" = 3 ]; do
		n=$((n + 1))
		[ $n -lt 1500 ] || { echo "d2: no head" >&2; exit 1; }
		sleep 0.005
	done
	t0=$(now)
	until [ "$(fetched 2)" -ge $((MB * 1048576)) ] 2>/dev/null; do
		n=$((n + 1))
		[ $n -lt 30000 ] || { echo "d2: fetch stalled" >&2; exit 1; }
		sleep 0.02
	done
	f1=$(now)
	fetches="$fetches $(echo "$f1 - $t0" | bc -l)"
	[ $r = 3 ] || host 2 "$ISCONF" -q stop
done
host 2 "$ISCONF" -q up
t1=$(now)
f0=$(echo $fetches | tr ' ' '\n' | sort -n | sed -n 2p)
f1=0
host 2 "$ISCONF" -q stop
before=$(served 1)

for i in $(seq 3 $LAST); do host $i "$ISCONF" -q start; done
for i in $(seq 3 $LAST); do wait_head $i 3; done
c2=$(cpu_of 1 $(seq 3 $LAST))
t2=$(now)
for i in $(seq 3 $LAST); do host $i "$ISCONF" -q up & done
wait
t3=$(now)
c3=$(cpu_of 1 $(seq 3 $LAST))
for i in $(seq 3 $LAST); do
	cmp -s "$W/1/root/big.img" "$W/$i/root/big.img" ||
	    { echo "d$i: the file differs" >&2; exit 1; }
done
origin=$(($(served 1) - before))
peers=0
for i in $(seq 3 $LAST); do peers=$((peers + $(served $i))); done
echo "$t0 $t1 $t2 $t3 $origin $peers $((MB * 1048576)) $f0 $c2 $c3" | awk '{
	one = $2 - $1; group = $4 - $3; fetch = $8;
	printf "%.2f %.2f %.0f %.0f %.0f %.1f %.2f %.1f %.2f\n", one, group,
	    $5, $6, $7, $7 / 1e6 / one, fetch, $7 / 1e6 / fetch, $10 - $9 }'
