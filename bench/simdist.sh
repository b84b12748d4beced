#!/bin/sh
# The distribution part of make bench (bench/simdist.c): 1 GiB from one
# origin to 1,000 and 10,000 hosts on 1 Gb/s links, beside the lower
# bound (the file over the link plus the pipeline); with 10% of the
# hosts leaving mid-transfer; with 4 cache keepers.  Prints table rows
# on stdout and appends the JSON lines to $1.  1,000 hosts at full
# resolution take ~75 s on the CI machine; the other runs are coarsened
# (SIMDIST_COARSEN=8: chunks 8 times as long; 1,000 hosts both ways
# differ by 1%, see bench/README).  BENCH_SIMDIST_10K=0 skips 10,000.
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
	    "done $(echo "$out" | field completed)/$(echo "$out" | field remaining_hosts)" "-"
}
one "dist 1 GiB, 1000 hosts, 1 Gb/s vs bound" "$SIM" 1000 1024 1
one "  the same coarsened x8" env SIMDIST_COARSEN=8 "$SIM" 1000 1024 1
one "  10% of the hosts leave at 4 s (x8)" env SIMDIST_COARSEN=8 "$SIM" 1000 1024 1 0 10 4000
one "  4 cache keepers (x8)" env SIMDIST_COARSEN=8 "$SIM" 1000 1024 1 4
[ "${BENCH_SIMDIST_10K:-1}" = 0 ] ||
	one "dist 1 GiB, 10000 hosts (x8)" env SIMDIST_COARSEN=8 "$SIM" 10000 1024 1
