#!/bin/sh
# The distribution part of make bench (bench/simdist.c): 1 GiB from one
# origin to 1,000 hosts on 1 Gb/s links, beside the lower bound (the
# file over the link plus the pipeline): at full resolution, coarsened
# (SIMDIST_COARSEN=8: chunks 8 times as long, see bench/README for what
# that changes), with 10% of the hosts leaving mid-transfer (x8), and
# with 4 cache keepers (fetching the file like any host, or holding it
# before the fleet asks; at full resolution: coarsened chunks queue at
# a keeper 8 times as long).  BENCH_BIG=1 (make bench-big) runs 10,000
# hosts (x8) instead: minutes on the CI machine, too long for make
# bench.  Prints table rows on stdout and appends the JSON lines to $1.
set -e
SIM=$BUILD/bench/simdist
JSON=$1
row() { printf '%-44s %14s %14s %8s\n' "$1" "$2" "$3" "$4"; }
field() { sed -n "s/.*\"$1\": \([^,}]*\).*/\1/p"; }
one() {
	label=$1
	shift
	out=$("$@") || true
	echo "$out" >>"$JSON"
	row "$label" "$(echo "$out" | field all_s) s" \
	    "$(echo "$out" | field bound_s) s" "$(echo "$out" | field vs_bound)"
	row "  origin sent (x file; target <= 3)" \
	    "$(echo "$out" | field origin_sent_x)" \
	    "done $(echo "$out" | field completed)/$(echo "$out" | field remaining_hosts)" \
	    "$(echo "$out" | field keepers_sent_x)k"
}
x8() { env SIMDIST_COARSEN=8 "$@"; }
if [ "${BENCH_BIG:-0}" = 1 ]; then
	one "dist 1 GiB, 10000 hosts, 1 Gb/s (x8)" x8 "$SIM" 10000 1024 1
	exit 0
fi
one "dist 1 GiB, 1000 hosts, 1 Gb/s vs bound" "$SIM" 1000 1024 1
one "  the same coarsened x8" x8 "$SIM" 1000 1024 1
one "  10% of the hosts leave at 4 s (x8)" x8 "$SIM" 1000 1024 1 0 10 4000
# The holdings experiment (SIMDIST_HAVE=1; the daemon does not do it
# yet): peers announce the chunks they hold and hosts ask for the
# rarest.  At full resolution (x8 hides its effect); several minutes:
# BENCH_SIMDIST_HAVE=0 skips it.
[ "${BENCH_SIMDIST_HAVE:-1}" = 0 ] ||
	one "  have + rarest first (experiment)" \
	    env SIMDIST_HAVE=1 "$SIM" 1000 1024 1
one "  4 cache keepers" "$SIM" 1000 1024 1 4
one "  4 keepers holding it" env SIMDIST_KEEPERS_HOLD=1 \
    "$SIM" 1000 1024 1 4
