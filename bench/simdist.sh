#!/bin/sh
# The distribution part of make bench (bench/simdist.c): 1 GiB from one
# origin to 1,000 hosts on 1 Gb/s links, beside the lower bound (the
# file over the link plus the pipeline), all at full resolution: the
# daemon's rule (peers announce what they hold, a host asks for the
# rarest), with 10% of the hosts leaving mid-transfer, the rule before
# announcements (SIMDIST_HAVE=0, to compare), and with 4 cache keepers
# (fetching the file like any host, or holding it before the fleet
# asks).  About a minute each on the CI machine.  BENCH_BIG=1 (make
# bench-big) runs 10,000 hosts instead, with and without 10% leaving:
# ~9 CPU minutes and ~900 MB each (make bench runs it last, unless
# BENCH_SIM_BIG=0).  Prints
# table rows on stdout and appends the JSON lines to $1.
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
if [ "${BENCH_BIG:-0}" = 1 ]; then
	one "dist 1 GiB, 10000 hosts, 1 Gb/s vs bound" "$SIM" 10000 1024 1
	one "  10% of the hosts leave at 4 s" "$SIM" 10000 1024 1 0 10 4000
	exit 0
fi
one "dist 1 GiB, 1000 hosts, 1 Gb/s vs bound" "$SIM" 1000 1024 1
one "  10% of the hosts leave at 4 s" "$SIM" 1000 1024 1 0 10 4000
one "  before announcements (SIMDIST_HAVE=0)" env SIMDIST_HAVE=0 \
    "$SIM" 1000 1024 1
one "  4 cache keepers" "$SIM" 1000 1024 1 4
one "  4 keepers holding it" env SIMDIST_KEEPERS_HOLD=1 \
    "$SIM" 1000 1024 1 4
