#!/bin/sh
# make bench: measure isconf against baselines from the same run, print
# a table and write bench/results.json.  See bench/README.
set -e
BUILD=$1
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$HERE/results.json
W=$(mktemp -d /tmp/isconf-bench.XXXXXX)
ISCONF=$BUILD/isconf
trap 'for h in a b c; do host $h "$ISCONF" -q stop 2>/dev/null || true; done; rm -rf "$W"' EXIT
SNAP_MB=${BENCH_SNAP_MB:-1024}
N_EXEC=${BENCH_EXECS:-1000}

host() {
	h=$1
	shift
	case $h in a) n=1 ;; b) n=2 ;; *) n=3 ;; esac
	env IS_HOME="$W/$h/home" IS_ROOT="$W/$h/root" IS_HOSTNAME=$h \
	    IS_DOMAIN=bench.example IS_MAINCF=/dev/null IS_BIND=127.0.0.$n \
	    IS_PORT=65227 IS_HTTP_PORT=65228 "$@"
}
now() { date +%s.%N; }
rss_kib() { awk '/^VmRSS:/ {print $2}' /proc/$1/status; }
# Proportional and private sizes: most of the RSS is shared library
# pages (libc, SQLite) that every process using them shares.
pss_kib() { awk '/^Pss:/ {print $2}' /proc/$1/smaps_rollup; }
priv_kib() { awk '/^Private_(Clean|Dirty):/ {n += $2} END {print n}' /proc/$1/smaps_rollup; }
# Wake-ups: the times the scheduler ran the daemon (the third field of
# /proc/PID/schedstat: timeslices run), each one a wake-up of the loop.
runs() { awk '{print $3}' /proc/$1/schedstat; }
pid_of() { cat "$W/$1/home/isconfd.pid"; }

for h in a b; do mkdir -p "$W/$h/home" "$W/$h/root"; host $h "$ISCONF" -q start; done

# 1. Idle daemon: RSS and wake-ups.
pa=$(pid_of a)
rss_start=$(rss_kib $pa)
pss_start=$(pss_kib $pa)
priv_start=$(priv_kib $pa)
# The same in the foreground, as systemd runs it (isconfd -f): no
# daemonizing fork, so the pages start-up touched stay mapped.
mkdir -p "$W/c/home" "$W/c/root"
host c "$BUILD/isconfd" -f 2>/dev/null &
r0=$(runs $pa); sleep ${BENCH_IDLE_S:-30}; r1=$(runs $pa)
wakeups=$(echo "($r1 - $r0) / ${BENCH_IDLE_S:-30}" | bc -l)
rss_fg=$(rss_kib $(pid_of c))
host c "$ISCONF" -q stop
# libmicrohttpd (and GnuTLS) load on the first HTTP connection.
curl -sf "http://127.0.0.1:65228/api/v1/hosts" >/dev/null
rss_http=$(rss_kib $pa)

# 3. Replay overhead: N execs of true, replayed by up, vs a shell loop.
cd "$W/a/root"
host a "$ISCONF" -q lock "bench execs"
i=0; while [ $i -lt $N_EXEC ]; do host a "$ISCONF" -q exec true; i=$((i+1)); done
host a "$ISCONF" -q ci
host a "$ISCONF" -q bundle create "$W/execs.bundle"
# Three rounds, b's journal emptied before each; the medians are the
# figures (one round moved by +-150 us per entry on this machine).
med() { tr ' ' '\n' | grep . | sort -n | sed -n 2p; }
ups="" loops=""
for r in 1 2 3; do
	if [ $r -gt 1 ]; then
		host b "$ISCONF" -q stop
		rm -f "$W/b/home/"journal.db* "$W/b/home/"cache.db* \
		    "$W/b/home/cache.pack"
		host b "$ISCONF" -q start
	fi
	host b "$ISCONF" -q bundle apply "$W/execs.bundle"
	t0=$(now); host b "$ISCONF" -q up; t1=$(now)
	t2=$(now); i=0; while [ $i -lt $N_EXEC ]; do /bin/true; i=$((i+1)); done; t3=$(now)
	ups="$ups $(echo "$t1 - $t0" | bc -l)"
	loops="$loops $(echo "$t3 - $t2" | bc -l)"
	[ $r -eq 1 ] && rss_after=$(rss_kib $(pid_of b))
done
up_s=$(echo $ups | med); loop_s=$(echo $loops | med)
per_entry_us=$(echo "($up_s - $loop_s) * 1000000 / $N_EXEC" | bc -l)
# Its floor: each applied entry's record is a durable SQLite commit.
commit_us=$("$BUILD/bench/commit" "$W")

# 4. Snap: random and compressible data vs raw BLAKE2b of the same file.
head -c $((SNAP_MB * 1048576)) /dev/urandom >"$W/a/root/random.img"
yes "isconf compressible line of text for the benchmark" |
    head -c $((SNAP_MB * 1048576)) >"$W/a/root/text.img"
sync
# Three rounds, each on an empty cache (a daemon started afresh), the
# BLAKE2b baseline beside each; the medians are the figures.
# And the disk: the same bytes copied to a file beside the cache and
# fdatasync'd, as a snap must before it returns (this virtual disk
# wrote at 0.3 to 1.7 GB/s from one minute to the next).
disk_mb_s() {
	dd if="$W/a/root/random.img" of="$W/a/home/disk.test" bs=1M \
	    conv=fdatasync 2>&1 | awk '/copied/ { printf "%.1f\n",
	    $1 / 1e6 / $(NF - 3) }'
	rm -f "$W/a/home/disk.test"
}
b2s="" rands="" texts="" disks=""
for r in 1 2 3; do
	host a "$ISCONF" -q stop
	rm -f "$W/a/home/"journal.db* "$W/a/home/"cache.db* "$W/a/home/cache.pack"
	host a "$ISCONF" -q start
	b2s="$b2s $("$BUILD/bench/b2sum" "$W/a/root/random.img")"
	disks="$disks $(disk_mb_s)"
	host a "$ISCONF" -q lock "bench snap"
	t0=$(now); host a "$ISCONF" -q snap "$W/a/root/random.img"; t1=$(now)
	t2=$(now); host a "$ISCONF" -q snap "$W/a/root/text.img"; t3=$(now)
	host a "$ISCONF" -q unlock
	rands="$rands $(echo "$SNAP_MB * 1.048576 / ($t1 - $t0)" | bc -l)"
	texts="$texts $(echo "$SNAP_MB * 1.048576 / ($t3 - $t2)" | bc -l)"
done
b2=$(echo $b2s | med)
disk=$(echo $disks | med)
snap_rand=$(echo $rands | med)
snap_text=$(echo $texts | med)
host a "$ISCONF" -q lock "bench re-snap"
# The same file with 1 MiB in the middle changed: bytes newly stored.
dd if=/dev/urandom of="$W/a/root/random.img" bs=1M count=1 \
    seek=$((SNAP_MB / 2)) conv=notrunc 2>/dev/null
new=$(host a "$ISCONF" snap "$W/a/root/random.img" |
    sed -n 's/.*bytes, \([0-9]*\) new in the cache.*/\1/p')
host a "$ISCONF" -q unlock

# 2. Propagation over N daemons (bench/propagate.sh).
prop_json=""
prop_rows=""
for n in ${BENCH_PROP_SIZES:-10 50 200}; do
	set -- $(sh "$HERE/propagate.sh" "$BUILD" $n \
	    ${BENCH_PROP_COMMITS:-20})
	prop_json="$prop_json\"propagation_$n\": {\"p50_ms\": $1, \"p99_ms\": $2, \"max_ms\": $3, \"poll_sweep_ms\": $4, \"loopback_rtt_us\": $5, \"total_rss_kib\": $6, \"idle_cpu_percent\": $7},
  "
	prop_rows="$prop_rows$(printf '%-44s %11s ms %11s us %8s' \
	    "head on all $n: p50/p99/max (sweep $4 ms)" "$1/$2/$3" "$5" "-")
$(printf '%-44s %10s KiB %14s %8s' "$n daemons: total RSS" "$6" "-" "-")
$(printf '%-44s %12s %% %14s %8s' "$n daemons: idle CPU (one core = 100)" "$7" "-" "-")
"
done

# Lock: one of 10 known peers down, and a peer showing the new lock
# (bench/lock.sh).
set -- $(sh "$HERE/lock.sh" "$BUILD" ${BENCH_LOCK_ROUNDS:-10})
lock_up_ms=$1 lock_down_ms=$2 lock_shown_ms=$3
# 8. Statements (issue 18, bench/stmt.sh): idle CPU and bytes of
# BENCH_STMT_N (200) daemons, and signatures a second around a ci and
# an up on every host.
STMT_N=${BENCH_STMT_N:-200}
set -- $(sh "$HERE/stmt.sh" "$BUILD" $STMT_N)
stmt_json="\"statements_$STMT_N\": {\"idle_cpu_percent\": $1, \"idle_bytes_per_s_per_host\": $2, \"window_s\": $3, \"signed_per_s_per_host\": $4, \"verified_per_s_per_host\": $5, \"accepted\": $6},"
stmt_rows="$(printf '%-44s %12s %% %14s %8s' "$STMT_N daemons: idle CPU, statements on" "$1" "-" "-")
$(printf '%-44s %10s B/s %14s %8s' "  idle UDP bytes a second per host" "$2" "-" "-")
$(printf '%-44s %14s %14s %8s' "  ci + up everywhere: signed/verified /s/host" "$4/$5" "-" "-")"

# 9. Cache keepers (issue 23, bench/keepers.sh): BENCH_KEEP_N (100)
# versions of a BENCH_KEEP_MB (10) MiB file, two keepers, a starved
# host, and a new host built from the keepers with the origin down.
KEEP_N=${BENCH_KEEP_N:-100} KEEP_MB=${BENCH_KEEP_MB:-10}
set -- $(sh "$HERE/keepers.sh" "$BUILD" $KEEP_N $KEEP_MB)
keep_json="\"keepers_$KEEP_N\": {\"starved_disk_bytes\": $1, \"latest_bytes\": $2, \"ratio\": $3, \"keeper_bytes\": $4, \"keeper_versions\": $5, \"new_host_up_s\": $6, \"new_host_mb_s\": $7},"
keep_rows="$(printf '%-44s %12s B %12s B %8s' "starved cache on disk vs latest (<= 2)" "$1" "$2" "$3")
$(printf '%-44s %14s %14s %8s' "  versions a keeper holds (= $KEEP_N)" "$5" "$KEEP_N" "-")
$(printf '%-44s %12s s %9s MB/s %8s' "  new host up from keepers, origin down" "$6" "$7" "-")"

# 5. Distribution: one peer alone, then DIST_PEERS at once (distribute.sh).
DIST_MB=${BENCH_DIST_MB:-256}
DIST_PEERS=${BENCH_DIST_PEERS:-20}
set -- $(sh "$HERE/distribute.sh" "$BUILD" $DIST_MB $DIST_PEERS)
dist_one=$1 dist_group=$2 dist_origin=$3 dist_peers=$4 dist_file=$5
dist_fetch_s=$7 dist_mb_s=$8 dist_cpu=$9
# What the machine allows: the CPU the daemons used, spread over every
# core with no waiting at all.
dist_floor=$(echo "$dist_cpu / $(nproc)" | bc -l)
dist_share=$(echo "$dist_origin / ($dist_origin + $dist_peers)" | bc -l)

# 6. A BENCH_BIG_GIB (20) GiB random file snapped and replicated
# (bench/bigfile.sh), or why not (disk).
BIG_GIB=${BENCH_BIG_GIB:-20}
big=$(sh "$HERE/bigfile.sh" "$BUILD" $BIG_GIB)
case $big in
skipped*)
	big_json="\"big_file\": {\"gib\": $BIG_GIB, \"skipped\": \"${big#skipped: }\"},"
	big_rows="$(printf '%-44s %s' "snap + replicate $BIG_GIB GiB" "$big")"
	;;
*)
	set -- $big
	big_json="\"big_file\": {\"gib\": $BIG_GIB, \"snap_s\": $(printf '%.1f' $1), \"replicate_s\": $(printf '%.1f' $2), \"origin_peak_rss_kib\": $3, \"target_peak_rss_kib\": $4},"
	big_rows="$(printf '%-44s %12s s %14s %8s' "snap $BIG_GIB GiB random" "$(printf '%.1f' $1)" "-" "-")
$(printf '%-44s %12s s %14s %8s' "  replicate it to a second host (up)" "$(printf '%.1f' $2)" "-" "-")
$(printf '%-44s %10s KiB %10s KiB %8s' "  peak RSS: origin / target" "$3" "$4" "-")"
	;;
esac

# The 1,000 and 10,000-host simulation (bench/sim.c, bench/sim.sh).
sim_rows=$(BUILD=$BUILD sh "$HERE/sim.sh" "$W/sim.json")
# Chunk distribution to 1,000 and 10,000 hosts (bench/simdist.sh).
sim_rows="$sim_rows
$(BUILD=$BUILD sh "$HERE/simdist.sh" "$W/sim.json")"
sim_json=$(sed 's/$/,/' "$W/sim.json" | sed '$ s/,$//')

# 6. Memory under load (bench/memory.sh): a receiver's peak RSS under a
# hostile sync stream, a hostile bundle and a 100,000-entry transaction.
sh "$HERE/memory.sh" "$BUILD" >"$W/memory.txt"
mem() { sed -n "s/^$1 //p" "$W/memory.txt"; }

r() { printf '%.2f' "$1"; }
cat >"$OUT" <<JSON
{
  "machine": "$(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -r)",
  "idle_rss_kib": $rss_start, "idle_pss_kib": $pss_start,
  "idle_private_kib": $priv_start,
  "idle_rss_foreground_kib": $rss_fg, "rss_after_http_kib": $rss_http,
  "rss_after_replay_kib": $rss_after,
  "idle_wakeups_per_s": $(r $wakeups),
  "replay_up_s": $(r $up_s), "replay_shell_loop_s": $(r $loop_s),
  "replay_overhead_us_per_entry": $(r $per_entry_us),
  "replay_entries": $N_EXEC, "durable_commit_us": $commit_us,
  "snap_random_mb_s": $(r $snap_rand), "snap_text_mb_s": $(r $snap_text),
  "blake2b_mb_s": $b2, "snap_random_vs_blake2b": $(r $(echo "$snap_rand / $b2" | bc -l)),
  "snap_mib": $SNAP_MB, "disk_write_mb_s": $disk,
  "snap_random_rounds_mb_s": "$(echo $rands | tr ' ' '\n' | xargs printf '%.0f ' | sed 's/ $//')",
  "disk_write_rounds_mb_s": "$(echo $disks | sed 's/ *$//')",
  "dist_mib": $DIST_MB, "dist_peers": $DIST_PEERS,
  "dist_one_peer_s": $dist_one, "dist_one_peer_fetch_s": $dist_fetch_s,
  "dist_one_peer_fetch_mb_s": $dist_mb_s,
  "dist_all_peers_s": $dist_group,
  "dist_all_vs_one": $(r $(echo "$dist_group / $dist_one" | bc -l)),
  "dist_all_cpu_s": $dist_cpu, "dist_all_cpu_floor_s": $(r $dist_floor),
  "dist_origin_bytes": $dist_origin, "dist_peer_bytes": $dist_peers,
  "dist_origin_share": $(r $dist_share),
  "procs_idle_rss_kib": $(mem procs_idle_rss_kib),
  "procs_idle_pss_kib": $(mem procs_idle_pss_kib),
  "procs_idle_private_kib": $(mem procs_idle_private_kib),
  "procs_http_rss_kib": $(mem procs_http_rss_kib),
  "procs_http_pss_kib": $(mem procs_http_pss_kib),
  "procs_http_private_kib": $(mem procs_http_private_kib),
  "hostile_stream_peak_kib": $(mem hostile_stream_peak_kib),
  "hostile_bundle_peak_kib": $(mem hostile_bundle_peak_kib),
  "lock_all_up_ms": $lock_up_ms, "lock_one_of_10_down_ms": $lock_down_ms,
  "lock_shown_on_peer_ms": $lock_shown_ms,
  "tx_100000_peak_kib": $(mem tx_100000_peak_kib),
  "tx_100000_replicate_s": $(mem tx_100000_replicate_s),
  "tx_100000_longest_status_ms": $(mem tx_100000_longest_status_ms),
  "tx_100000_longest_commit_ms": $(mem tx_100000_longest_commit_ms),
  $prop_json$big_json
  "simulation": [
$sim_json
  ],
  $stmt_json
  $keep_json
  "resnap_1mib_changed_new_bytes": $new
}
JSON
printf '\n%-44s %14s %14s %8s\n' "measure" "isconf" "baseline" "ratio"
printf '%-44s %11s KiB %14s %8s\n' "idle RSS after start (target <= 4096)" "$rss_start" "-" "-"
printf '%-44s %11s KiB %14s %8s\n' "  of which proportional (PSS) / private" "$pss_start" "$priv_start KiB" "-"
printf '%-44s %11s KiB %14s %8s\n' "idle RSS, isconfd -f (as systemd runs it)" "$rss_fg" "-" "-"
printf '%-44s %11s KiB %14s %8s\n' "RSS after a first HTTP request" "$rss_http" "-" "-"
printf '%-44s %11s KiB %14s %8s\n' "RSS after $N_EXEC entries replayed" "$rss_after" "-" "-"
printf '%-44s %14s %14s %8s\n' "idle wake-ups/s (target <= 1)" "$(r $wakeups)" "-" "-"
printf '%-44s %12s s %12s s %8s\n' "up of $N_EXEC exec true vs shell loop" "$(r $up_s)" "$(r $loop_s)" "$(r $(echo "$up_s / $loop_s" | bc -l))"
printf '%-44s %11s us %11s us %8s\n' "replay overhead/entry (<= 200) vs 1 commit" "$(r $per_entry_us)" "$commit_us" "$(r $(echo "$per_entry_us / $commit_us" | bc -l))"
printf '%-44s %9s MB/s %9s MB/s %8s\n' "snap $SNAP_MB MiB random vs BLAKE2b (>= 0.5)" "$(r $snap_rand)" "$b2" "$(r $(echo "$snap_rand / $b2" | bc -l))"
printf '%-44s %9s MB/s %9s MB/s %8s\n' "  the same vs writing it + fdatasync (disk)" "$(r $snap_rand)" "$disk" "$(r $(echo "$snap_rand / $disk" | bc -l))"
printf '%-44s %14s %14s %8s\n' "  each round: snap / disk MB/s" "$(echo $rands | tr ' ' '\n' | xargs printf '%.0f ')" "$(echo $disks)" "-"
printf '%-44s %9s MB/s %9s MB/s %8s\n' "snap $SNAP_MB MiB text vs BLAKE2b" "$(r $snap_text)" "$b2" "$(r $(echo "$snap_text / $b2" | bc -l))"
printf '%-44s %14s %14s %8s\n' "re-snap, 1 MiB changed: new bytes (<= 2 MiB)" "$new" "1048576" "$(r $(echo "$new / 1048576" | bc -l))"
printf '%-44s %9s MB/s %14s %8s\n' "one peer fetches $DIST_MB MiB (target >= 150)" "$dist_mb_s" "-" "-"
printf '%-44s %12s s %12s s %8s\n' "$DIST_PEERS peers at once vs one alone (<= 2)" "$dist_group" "$dist_one" "$(r $(echo "$dist_group / $dist_one" | bc -l))"
printf '%-44s %12s s %12s s %8s\n' "  the same vs its CPU / $(nproc) cores (floor)" "$dist_group" "$(r $dist_floor)" "$(r $(echo "$dist_group / $dist_floor" | bc -l))"
printf '%-44s %12s B %12s B %8s\n' "bytes served: origin vs peers (<= 0.25)" "$dist_origin" "$dist_peers" "$(r $dist_share)"
printf '%-44s %11s ms %11s ms %8s\n' "lock, 1 of 10 peers down (< 500) vs all up" "$lock_down_ms" "$lock_up_ms" "-"
printf '%-44s %11s ms %14s %8s\n' "  a peer's status shows it (< 200)" "$lock_shown_ms" "-" "-"
printf '%-44s %11s KiB %14s %8s\n' "all isconfd processes idle: PSS / private" "$(mem procs_idle_pss_kib)" "$(mem procs_idle_private_kib) KiB" "-"
printf '%-44s %11s KiB %14s %8s\n' "  the same after an HTTP request" "$(mem procs_http_pss_kib)" "$(mem procs_http_private_kib) KiB" "-"
printf '%-44s %11s KiB %14s %8s\n' "peak RSS, hostile sync stream (< 65536)" "$(mem hostile_stream_peak_kib)" "-" "-"
printf '%-44s %11s KiB %14s %8s\n' "peak RSS, hostile bundle (< 65536)" "$(mem hostile_bundle_peak_kib)" "-" "-"
printf '%-44s %11s KiB %14s %8s\n' "peak RSS, 100,000-entry tx replicated" "$(mem tx_100000_peak_kib)" "-" "-"
printf '%-44s %12s s %14s %8s\n' "  its replication time" "$(mem tx_100000_replicate_s)" "-" "-"
printf '%-44s %11s ms %11s ms %8s\n' "  longest status meanwhile vs longest commit" "$(mem tx_100000_longest_status_ms)" "$(mem tx_100000_longest_commit_ms)" "-"
printf '%s' "$prop_rows"
printf '%s\n' "$big_rows"
printf '%s\n' "$stmt_rows"
printf '%s\n' "$keep_rows"
printf '%s\n' "$sim_rows"
echo "results: $OUT"
