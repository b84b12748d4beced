#!/bin/sh
# Issue 23's figures: cache keepers and a starved cache.  Host 1 (the
# origin) checks in N versions of a SIZE MiB random file (/f, one
# transaction each); hosts 2 and 3 are keepers (IS_CACHE_KEEP=1); host
# 4 applies them (up after every 10) and prunes what the keepers hold.
# Then the origin stops and a new host 5 builds from the keepers.  The
# hosts count keepers by their pinned keys (IS_CACHE_TRUST=pinned): a
# bench mesh has no trusted_keys.
#   keepers.sh BUILD [N [SIZE]]  ->  "n_disk_bytes latest_bytes ratio
#       keeper_bytes keeper_versions new_host_up_s new_host_mb_s"
# The ratio (n's cache.pack on disk, as du counts it, over the latest
# version) must be <= 2; keeper_versions (its plain bytes over SIZE) N.
set -e
BUILD=$1 N=${2:-100} SIZE=${3:-10}
ISCONF=$BUILD/isconf
HERE=$(cd "$(dirname "$0")" && pwd)
W=$(mktemp -d /tmp/isconf-keepers.XXXXXX)
trap 'for i in 1 2 3 4 5; do host $i "$ISCONF" -q stop 2>/dev/null || true; done; rm -rf "$W"' EXIT

. "$HERE/lib.sh"
# host I CMD...: hosts 2 and 3 are keepers (env takes the settings).
host() {
	_i=$1
	shift
	_k=
	case $_i in 2|3) _k=1 ;; esac
	bench_host k 127.0.5 64727 $_i IS_GOSSIP_MS=500 IS_CACHE_KEEP=$_k \
	    IS_CACHE_TRUST=pinned "$@"
}
now() { date +%s.%N; }
field() {
	host $1 "$ISCONF" cache --json |
	    perl -MJSON::PP -e 'local $/; print JSON::PP->new->decode(<STDIN>)->{$ARGV[0]}' "$2"
}
wait_until() {	# SECONDS CMD...: CMD succeeds within SECONDS, or fail
	_n=$(( $1 * 10 ))
	shift
	until "$@"; do
		_n=$((_n - 1)); [ $_n -gt 0 ] || { echo "keepers.sh: gave up on $*" >&2; exit 1; }
		sleep 0.1
	done
}
at_head() { [ "$(head_of $1)" = "$2" ]; }

for i in 1 2 3 4 5; do
	mkdir -p "$W/$i/home/conf" "$W/$i/root"
	for j in 1 2 3 4 5; do [ $j = $i ] || echo 127.0.5.$j; done \
	    >"$W/$i/home/conf/nets"
done
for i in 1 2 3 4; do host $i "$ISCONF" -q start; done

cd "$W/1/root"
v=1
while [ $v -le $N ]; do
	head -c $((SIZE * 1048576)) /dev/urandom >f
	host 1 "$ISCONF" -q lock "v$v"
	host 1 "$ISCONF" -q snap "$W/1/root/f"
	host 1 "$ISCONF" -q ci
	if [ $((v % 10)) = 0 ] || [ $v = $N ]; then
		wait_until 60 at_head 4 $((3 * v))
		host 4 "$ISCONF" -q up
	fi
	v=$((v + 1))
done
cmp "$W/1/root/f" "$W/4/root/f"
# The keepers complete, and host 4 prunes what both hold.
keepers_done() { [ "$(field 4 through)" = $((3 * N)) ] &&
    [ "$(field 4 prunable_chunks)" = 0 ]; }
wait_until 300 keepers_done
host 4 "$ISCONF" -q cache prune >/dev/null
n_disk=$(du -B1 "$W/4/home/cache.pack" | cut -f1)
latest=$((SIZE * 1048576))
k_bytes=$(field 2 bytes)

# The origin down, a new host builds from the keepers.
host 1 "$ISCONF" -q stop
host 5 "$ISCONF" -q start
wait_until 60 at_head 5 $((3 * N))
t0=$(now); host 5 "$ISCONF" -q up; t1=$(now)
cmp "$W/4/root/f" "$W/5/root/f"
up_s=$(echo "$t1 - $t0" | bc -l)
printf '%s %s %.2f %s %.1f %.1f %.1f\n' "$n_disk" "$latest" \
    "$(echo "$n_disk / $latest" | bc -l)" "$k_bytes" \
    "$(echo "$k_bytes / $latest" | bc -l)" "$up_s" \
    "$(echo "$N * $SIZE * 1.048576 / $up_s" | bc -l)"
