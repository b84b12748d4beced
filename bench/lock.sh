#!/bin/sh
# The lock figures of make bench: 11 daemons on 127.0.6.x, hosts 2-11
# knowing host 1 (nets), so host 1 knows 10 peers and each other host
# only host 1; host 11 is stopped.  ROUNDS (10) times: `lock` on host 1
# (one of its 10 known peers down; it must not wait for it), then how
# long until host 2's `status` shows the lock (polled with `isconf
# status`, one process a poll: ~10 ms resolution).  Baseline: the same
# lock with all 10 peers up, measured first.
#   lock.sh BUILD [ROUNDS]  ->  "lock_up_ms lock_down_ms shown_ms" (medians)
set -e
BUILD=$1 ROUNDS=${2:-10} N=11
ISCONF=$BUILD/isconf
HERE=$(cd "$(dirname "$0")" && pwd)
W=$(mktemp -d /tmp/isconf-lock.XXXXXX)
trap 'for i in $(seq $N); do host $i "$ISCONF" -q stop 2>/dev/null || true; done; rm -rf "$W"' EXIT
trap 'exit 1' INT TERM

. "$HERE/lib.sh"
host() { bench_host l 127.0.6 65127 "$@"; }
ms() { date +%s%3N; }
med() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
# shown I: ms from now until host I's status shows a lock.
shown() {
	_t0=$(ms)
	until host $1 "$ISCONF" status | grep -q "^lock: *held"; do :; done
	echo $(($(ms) - _t0))
}
# timed_lock I: ms that `lock` takes on host I.
timed_lock() {
	_t0=$(ms)
	host $1 "$ISCONF" -q lock "bench lock" 2>/dev/null
	echo $(($(ms) - _t0))
}

for i in $(seq $N); do
	mkdir -p "$W/$i/home/conf" "$W/$i/root"
	[ $i = 1 ] || echo 127.0.6.1 >"$W/$i/home/conf/nets"
	host $i "$ISCONF" -q start
done
until host 1 "$ISCONF" status | grep -q "^peers: *10 known, 10 reachable"; do
	sleep 0.1
done
up="" down="" seen=""
for r in $(seq $ROUNDS); do
	up="$up $(timed_lock 1)"
	host 1 "$ISCONF" -q unlock
done
host $N "$ISCONF" -q stop
for r in $(seq $ROUNDS); do
	down="$down $(timed_lock 1)"
	seen="$seen $(shown 2)"
	host 1 "$ISCONF" -q unlock
	until host 2 "$ISCONF" status | grep -q "^lock: *none"; do :; done
done
echo "$(echo $up | med) $(echo $down | med) $(echo $seen | med)"
