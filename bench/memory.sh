#!/bin/sh
# Peak RSS (VmHWM) of a receiving daemon under hostile input and under a
# legitimate 100,000-entry transaction (issue 14; bench/README, "Memory
# under load"), after the memory of each isconfd process of an idle
# daemon, and again once HTTP was used (issue 19: the parent and its
# children; BENCH_PROCMEM_ONLY=1 stops after that).  Two daemons on 127.0.0.4 (the sender) and 127.0.0.5 (the
# receiver), sharing an HMAC key: the sender is an authenticated peer.
# Prints one line per figure on stderr and "name value" lines on stdout
# for bench/run.sh.
#
#	memory.sh BUILD
set -e
BUILD=$1
ISCONF=$BUILD/isconf
BIGTX=$BUILD/bench/bigtx
W=$(mktemp -d /tmp/isconf-membench.XXXXXX)
N_TX=${BENCH_TX_ENTRIES:-100000}
N_HOSTILE=${BENCH_HOSTILE_ENTRIES:-400}	# of ~1 MB each: over 256 MiB
N_BUNDLE=${BENCH_BUNDLE_ENTRIES:-1000}	# of ~1 MB each, 1 GB in all
trap 'for h in s r; do host $h "$ISCONF" -q stop 2>/dev/null || true; done; rm -rf "$W"' EXIT

host() {
	h=$1
	shift
	case $h in s) n=4 ;; *) n=5 ;; esac
	env IS_HOME="$W/$h/home" IS_ROOT="$W/$h/root" IS_HOSTNAME=$h \
	    IS_DOMAIN=bench.example IS_MAINCF=/dev/null IS_BIND=127.0.0.$n \
	    IS_PORT=65227 IS_HTTP_PORT=65228 IS_GOSSIP_MS=300 \
	    IS_LOGFILE="$W/$h/isconfd.log" "$@"
}
now() { date +%s.%N; }
hwm_kib() { awk '/^VmHWM:/ {print $2}' /proc/$(cat "$W/$1/home/isconfd.pid")/status; }
# fresh HOST PEER: a new IS_HOME that knows only PEER's address.
fresh() {
	host $1 "$ISCONF" -q stop 2>/dev/null || true
	rm -rf "$W/$1"
	mkdir -p "$W/$1/home/conf" "$W/$1/root"
	echo "bench-hmac-key-shared-by-both" >"$W/$1/home/conf/hmac_keys"
	chmod 600 "$W/$1/home/conf/hmac_keys"
	echo "127.0.0.$2" >"$W/$1/home/conf/nets"
}
# The sender with a journal bigtx wrote: N entries of BYTES [MODE].
sender() {
	fresh s 5
	host s "$ISCONF" -q start
	host s "$ISCONF" -q stop	# made its host key and journal
	"$BIGTX" "$W/s/home/journal.db" "$W/s/home/conf/host.key" generic \
	    "$@"
	host s "$ISCONF" -q start
}
wait_log() {	# wait_log HOST PATTERN SECONDS
	i=0
	while ! grep -q "$2" "$W/$1/isconfd.log" 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt $(($3 * 10)) ] && { echo "memory.sh: timed out waiting" \
		    "for '$2' on $1" >&2; return 1; }
		sleep 0.1
	done
}
# The longest `isconf status` on HOST took (ms) while FILE does not exist.
max_status_ms() {
	max=0
	while [ ! -e "$2" ]; do
		t0=$(date +%s%N)
		host $1 "$ISCONF" status >/dev/null 2>&1 || true
		ms=$((($(date +%s%N) - t0) / 1000000))
		[ $ms -gt $max ] && max=$ms
		sleep 0.05
	done
	echo $max
}
head_of() { host $1 "$ISCONF" status | sed -n 's/^head: *\([0-9]*\).*/\1/p'; }
# procmem HOST LABEL: RSS, PSS and private KiB (smaps_rollup) of the
# daemon and of each child of it that is an isconfd process, one line
# each on stderr, and their sum as "procs_LABEL_pss_kib N" (and rss,
# private) on stdout.
procmem() {
	pp=$(cat "$W/$1/home/isconfd.pid")
	{ echo $pp; pgrep -P $pp; } | while read p; do
		c=$(cat /proc/$p/comm 2>/dev/null) || continue
		case $c in isconfd*) ;; *) continue ;; esac
		awk -v p=$p -v c="$c" '
		    /^Rss:/ {r = $2} /^Pss:/ {s = $2}
		    /^Private_(Clean|Dirty):/ {v += $2}
		    END {printf "%d %d %d %d %s\n", p, r, s, v, c}' \
		    /proc/$p/smaps_rollup
	done >"$W/procmem"
	while read p r s v c; do
		printf '%s: %-16s pid %-7s RSS %6s KiB  PSS %6s KiB  private %6s KiB\n' \
		    "$2" "$c" $p $r $s $v >&2
	done <"$W/procmem"
	awk -v l="$2" '{r += $2; s += $3; v += $4; n++}
	    END {printf "%s: all %d processes: RSS %d KiB, PSS %d KiB, private %d KiB\n", l, n, r, s, v > "/dev/stderr";
	    printf "procs_%s_rss_kib %d\nprocs_%s_pss_kib %d\nprocs_%s_private_kib %d\n", l, r, l, s, l, v}' \
	    "$W/procmem"
}

# (0) An idle daemon's processes, after IDLE_S seconds, then after one
# HTTP request (the HTTP child with libmicrohttpd).
fresh r 4
host r "$ISCONF" -q start
sleep ${BENCH_PROCMEM_IDLE_S:-5}
procmem r idle
curl -sf "http://127.0.0.5:65228/api/v1/hosts" >/dev/null
sleep 1
procmem r http
host r "$ISCONF" -q stop
[ -n "$BENCH_PROCMEM_ONLY" ] && exit 0

# (a) A hostile sync stream: N_HOSTILE entries of ~1 MB and no
# signature, served by an authenticated peer; the receiver stages up to
# 256 MiB, then refuses the run and drops its staging.
sender $N_HOSTILE 1000000 unsigned
fresh r 4
t0=$(now)
host r "$ISCONF" -q start
wait_log r "more unsigned entries than can be held" 300
t1=$(now)
stream_kib=$(hwm_kib r)
stream_s=$(echo "$t1 - $t0" | bc -l)
echo "hostile sync stream ($N_HOSTILE x 1 MB, unsigned): peak $stream_kib KiB, refused after $(printf %.1f $stream_s) s" >&2
host r "$ISCONF" -q stop

# (b) A hostile bundle: N_BUNDLE entries of ~1 MB (1 GB, a few MB
# compressed) closed by a ci whose signature does not verify.
host s "$ISCONF" -q stop
rm -f "$W/s/home/"journal.db*
sender $N_BUNDLE 1000000 badsig
host s "$ISCONF" -q bundle create "$W/hostile.bundle"
fresh r 9	# no peer: the bundle only
host r "$ISCONF" -q start
t0=$(now)
if host r "$ISCONF" bundle apply "$W/hostile.bundle" 2>"$W/apply.err"; then
	echo "memory.sh: the hostile bundle applied" >&2
	exit 1
fi
t1=$(now)
bundle_kib=$(hwm_kib r)
bundle_s=$(echo "$t1 - $t0" | bc -l)
bundle_mb=$(du -m "$W/hostile.bundle" | cut -f1)
echo "hostile bundle ($N_BUNDLE x 1 MB, ${bundle_mb} MB file, bad signature): peak $bundle_kib KiB, refused after $(printf %.1f $bundle_s) s: $(cat "$W/apply.err")" >&2
host r "$ISCONF" -q stop

# (c) A legitimate transaction of N_TX entries, replicated to a new
# host; `isconf status` on it meanwhile says how long the loop stalls.
host s "$ISCONF" -q stop
rm -f "$W/s/home/"journal.db* "$W/hostile.bundle"
sender $N_TX 100
fresh r 4
want=$((N_TX + 1))
t0=$(now)
host r "$ISCONF" -q start
max_status_ms r "$W/replicated" >"$W/stall" &
while [ "$(head_of r)" != $want ]; do
	sleep 0.2
	[ $(echo "$(now) - $t0 > 600" | bc) = 1 ] && { echo "memory.sh:" \
	    "no replication" >&2; touch "$W/replicated"; exit 1; }
done
t1=$(now)
touch "$W/replicated"
wait
tx_kib=$(hwm_kib r)
tx_s=$(echo "$t1 - $t0" | bc -l)
stall_ms=$(cat "$W/stall")
commit_ms=$(sed -n 's/.*stored entries [0-9-]* from .* in \([0-9]*\) ms.*/\1/p' \
    "$W/r/isconfd.log" | sort -n | tail -1)
echo "legitimate transaction ($N_TX entries) replicated: peak $tx_kib KiB in $(printf %.1f $tx_s) s; longest status $stall_ms ms; longest commit ${commit_ms:-<100} ms" >&2

echo "hostile_stream_peak_kib $stream_kib"
echo "hostile_bundle_peak_kib $bundle_kib"
echo "tx_${N_TX}_peak_kib $tx_kib"
echo "tx_${N_TX}_replicate_s $(printf %.1f $tx_s)"
echo "tx_${N_TX}_longest_status_ms $stall_ms"
echo "tx_${N_TX}_longest_commit_ms ${commit_ms:-0}"
