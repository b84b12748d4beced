#!/bin/sh
# make fuzz: run each target for the given seconds on its corpus.
# New inputs go to a scratch corpus outside the tree ($FUZZ_WORK, default
# /tmp/isconf-fuzz/<target>); t/fuzz/<target> holds only the small,
# minimized seeds and regressions (README, "Fuzzing").
# usage: run.sh BUILD SECONDS TARGET...
set -e
build=$1 secs=$2
shift 2
work=${FUZZ_WORK:-/tmp/isconf-fuzz}
for t in "$@"; do
	mkdir -p "$work/$t" "t/fuzz/$t"
	echo "fuzz: $t for $secs s (scratch corpus $work/$t)"
	if ! "$build/fuzz/fuzz_$t" -max_total_time="$secs" \
	    -print_final_stats=1 -artifact_prefix="$work/$t-" \
	    "$work/$t" "t/fuzz/$t" >"$work/$t.log" 2>&1; then
		tail -40 "$work/$t.log"
		echo "fuzz: $t crashed: see $work/$t.log; minimize the input" \
		    "with -minimize_crash=1 and add it to t/fuzz/$t/" >&2
		exit 1
	fi
	grep -E '^#[0-9]+.*(DONE|cov:)' "$work/$t.log" | tail -1
	grep stat::number_of_executed_units "$work/$t.log"
done
