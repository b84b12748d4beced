#!/bin/sh
# Figure 2 of make bench: time from ci returning on one host until the
# new head is known on every other host, for N daemons on 127.0.1.x.
# Each host's nets lists the origin and 3 random others; gossip runs
# with its defaults.  Heads are observed by polling each host's HTTP
# status over kept-alive connections (bench/heads.pl; the resolution is
# one sweep over the hosts, printed too).
# Also the N daemons' total RSS and the CPU they use while idle.
#   propagate.sh BUILD N COMMITS  ->  "p50 p99 max sweep rtt rss cpu"
#   (ms, ms, ms, ms, us, KiB, % of one core over IDLE_S (60) seconds)
set -e
BUILD=$1 N=$2 COMMITS=$3
ISCONF=$BUILD/isconf
HERE=$(cd "$(dirname "$0")" && pwd)
W=$(mktemp -d /tmp/isconf-prop.XXXXXX)
trap 'for i in $(seq $N); do host $i "$ISCONF" -q stop 2>/dev/null || true; done; rm -rf "$W"' EXIT

. "$HERE/lib.sh"
host() { bench_host h 127.0.1 65327 "$@"; }
ms() { date +%s%3N; }

for i in $(seq $N); do
	mkdir -p "$W/$i/home/conf" "$W/$i/root"
	{ [ $i != 1 ] && echo 127.0.1.1
	  for j in $(shuf -i 1-$N -n 3); do [ $j != $i ] && echo 127.0.1.$j; done
	} >"$W/$i/home/conf/nets" || true
	host $i "$ISCONF" -q start
done
sleep 6	# let discovery settle (one gossip interval)

pids=$(for i in $(seq $N); do cat "$W/$i/home/isconfd.pid"; done)
cpu_ticks() { for p in $pids; do awk '{print $14 + $15}' /proc/$p/stat; done |
    awk '{s += $1} END {print s}'; }
rss=$(for p in $pids; do awk '/^VmRSS:/ {print $2}' /proc/$p/status; done |
    awk '{s += $1} END {print s}')
c0=$(cpu_ticks); sleep ${IDLE_S:-60}; c1=$(cpu_ticks)
cpu=$(echo "($c1 - $c0) * 100 / $(getconf CLK_TCK) / ${IDLE_S:-60}" | bc -l)

rtt=$(perl -MIO::Socket::INET -MTime::HiRes=time -e '
	my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1", Proto => "udp");
	my $a = $s->sockname; my $t = time;
	for (1 .. 1000) { $s->send("x", 0, $a); $s->recv(my $b, 10) }
	printf "%.1f", (time - $t) * 1e6 / 1000;')
# Ask every host once before timing: libmicrohttpd loads at a host's
# first HTTP request, and that must not fall inside a measurement.
perl "$HERE/heads.pl" $N 0 $(ms) >/dev/null
lat=""
cd "$W/1/root"
for c in $(seq $COMMITS); do
	host 1 "$ISCONF" -q lock "commit $c"
	host 1 "$ISCONF" -q exec true
	host 1 "$ISCONF" -q ci
	t0=$(ms)
	set -- $(perl "$HERE/heads.pl" $N $((c * 3)) $t0)
	while [ $# -gt 1 ]; do lat="$lat $1"; shift; done
	sweep=$1
done
echo $lat | tr ' ' '\n' | sort -n | awk -v sw=$sweep -v rtt=$rtt \
    -v rss=$rss -v cpu=$cpu '
	{ v[NR] = $1 }
	END { p50 = v[int(NR * 0.5) > 0 ? int(NR * 0.5) : 1];
	      p99 = v[int(NR * 0.99) > 0 ? int(NR * 0.99) : 1];
	      printf "%d %d %d %d %s %d %.2f\n", p50, p99, v[NR], sw, rtt,
	          rss, cpu }'
