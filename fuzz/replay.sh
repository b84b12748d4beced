#!/bin/sh
# make test: replay every fuzz corpus through its target, built with
# the plain driver (replay.c), one TAP line per target.  A crash once
# found has its input in t/fuzz/<target>/ and so cannot come back.
# usage: prove --exec /bin/sh fuzz/replay.sh :: TARGET...
: "${ISCONF_BUILD:?}"
n=0
echo "1..$#"
for t in "$@"; do
	n=$((n + 1))
	if out=$("$ISCONF_BUILD/fuzz/fuzz_$t" "t/fuzz/$t" 2>&1); then
		echo "ok $n - fuzz_$t: $out"
	else
		echo "not ok $n - fuzz_$t"
		printf '%s\n' "$out" | sed 's/^/# /'
	fi
done
