#!/bin/sh
# Figure 6 of make bench: a GIB-GiB file of random (incompressible,
# non-zero: zeros would be cut at the maximum chunk size) bytes snapped
# on one host and replicated to a second (sync, fetch, install by up):
# the snap's time, the replication's, and both daemons' peak RSS.  The
# entry must stay small (issue 14: a 5.7 GiB random file's chunk list
# no longer fitted a frame).  It needs about 3.3 times GIB of free disk
# under /tmp (the origin's cache, the target's cache and its installed
# copy; the source file is deleted once snapped) and says so when it
# skips.  Hosts live on 127.0.3.x.
#   bigfile.sh BUILD GIB
#   -> "snap_s repl_s origin_peak_rss_kib target_peak_rss_kib bytes",
#      or "skipped: WHY"
set -e
BUILD=$1 GIB=$2
ISCONF=$BUILD/isconf
if [ "$GIB" = 0 ]; then echo "skipped: BENCH_BIG_GIB=0"; exit 0; fi
need_kib=$((GIB * 1024 * 1024 * 33 / 10 + 1048576))
free_kib=$(df -Pk /tmp | awk 'NR == 2 {print $4}')
if [ "$free_kib" -lt "$need_kib" ]; then
	echo "skipped: $GIB GiB needs $((need_kib / 1048576)) GiB free in /tmp, $((free_kib / 1048576)) GiB there"
	exit 0
fi
W=$(mktemp -d /tmp/isconf-big.XXXXXX)
trap 'for i in 1 2; do host $i "$ISCONF" -q stop 2>/dev/null || true; done; rm -rf "$W"' EXIT

. "$(dirname "$0")/lib.sh"
host() { _h=$1; shift; bench_host g 127.0.3 65527 $_h IS_GOSSIP_MS=1000 "$@"; }
peak_kib() { awk '/^VmHWM:/ {print $2}' /proc/$1/status; }
now() { date +%s.%N; }

for i in 1 2; do
	mkdir -p "$W/$i/home/conf" "$W/$i/root"
	echo 127.0.3.$((3 - i)) >"$W/$i/home/conf/nets"
	host $i "$ISCONF" -q start
done
# AES-CTR of zeros: random-looking, incompressible, and faster than
# /dev/urandom.
openssl enc -aes-128-ctr -nosalt -pass pass:isconf-bench </dev/zero 2>/dev/null |
    head -c $((GIB * 1073741824)) >"$W/1/root/big"
host 1 "$ISCONF" -q lock "big file"
t0=$(now)
host 1 "$ISCONF" -q snap "$W/1/root/big"
t1=$(now)
rm -f "$W/1/root/big"
host 1 "$ISCONF" -q ci
t2=$(now)
n=0
until [ "$(head_of 2)" = 3 ]; do
	n=$((n + 1)); [ $n -lt 600 ] || { echo "g2: no head 3" >&2; exit 1; }
	sleep 0.1
done
host 2 "$ISCONF" -q up
t3=$(now)
size=$(stat -c %s "$W/2/root/big")
[ "$size" = $((GIB * 1073741824)) ] || { echo "g2: big is $size bytes" >&2; exit 1; }
echo "$(echo "$t1 - $t0" | bc -l) $(echo "$t3 - $t2" | bc -l)" \
    "$(peak_kib $(cat "$W/1/home/isconfd.pid"))" \
    "$(peak_kib $(cat "$W/2/home/isconfd.pid"))" "$size"
