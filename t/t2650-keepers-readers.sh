#!/bin/sh
test_description='a prune waits while the cache is being read: bundle create on a starved host (issue 23)'
. "$(dirname "$0")/lib-isconf.sh"

KEY=key-of-the-mesh-0123456789
HOSTS="a:1 k1:2 k2:3 n:4 b:5"
. "$SHARNESS_TEST_SRCDIR/lib-keepers.sh"

# metric NAME: its value in n's /metrics.
metric() {
	curl -s http://127.0.0.4:65028/metrics | sed -n "s/^$1 //p"
}
held_metric_not() {
	test "$(metric "isconf_cache_chunks{state=\"held\"}")" != "$1"
}
chunks_above() {
	test "$(cache_field n chunks)" -gt "$1"
}

test_expect_success 'setup: two keepers hold four versions, n only the last' '
	lay_out a 1 && lay_out k1 2 IS_CACHE_KEEP=1 &&
	lay_out k2 3 IS_CACHE_KEEP=1 && lay_out n 4 IS_CACHE_TRUST=pinned && lay_out b 5 &&
	isconf_on a -q start && isconf_on k1 -q start &&
	isconf_on k2 -q start && isconf_on n -q start &&
	wait_for 10 peers_known n 3 &&
	check_in_on a 1 && check_in_on a 2 && check_in_on a 3 && check_in_on a 4 &&
	wait_head n 12 && isconf_on n -q up &&
	cmp v4 "$(host_dir n)/root/f" &&
	wait_for 20 cache_json n "\$j->{keepers} == 2 && \$j->{prunable_chunks} == 0" &&
	starved=$(cache_field n chunks) &&
	wait_for 20 cache_json k1 "\$j->{chunks} > $starved" &&
	wait_for 20 cache_json k2 "\$j->{chunks} > $starved"
'

test_expect_success 'cache prune during bundle create is deferred; the bundle is whole' '
	stop_host a && stop_host n &&
	{ echo "ISCONF_BUNDLE_DELAY_MS=3000; export ISCONF_BUNDLE_DELAY_MS" &&
	  echo "ISCONF_CACHE_REPORT_S=2; export ISCONF_CACHE_REPORT_S"; } \
	    >>"$(host_dir n)/env" &&
	isconf_on n -q start &&
	wait_for 20 cache_json n "\$j->{keepers} == 2" &&
	{ (isconf_on n bundle create "$PWD/n.bundle" >bundle.out 2>&1
	    echo $? >bundle.rc) & } &&
	wait_for 20 chunks_above $starved &&
	isconf_on n cache prune >prune.out &&
	isconf_on n cache prune --json >prune.json &&
	wait_for 30 test -s bundle.rc &&
	{ test "$(cat bundle.rc)" = 0 || { cat bundle.out >&2; false; }; } &&
	grep "wrote bundle $PWD/n.bundle: branch generic, 12 entries" bundle.out &&
	grep "^pruned:    deferred: isconf bundle create is reading the cache; pruned once it is done$" prune.out &&
	json_eval prune.json "\$j->{deferred} eq q(isconf bundle create) && \$j->{pruned_chunks} == 0"
'

test_expect_success 'the bundle applies on a new host, and the deferred prune ran' '
	isconf_on b -q start &&
	isconf_on b -q bundle apply "$PWD/n.bundle" &&
	isconf_on b -q up && cmp v4 "$(host_dir b)/root/f" &&
	isconf_on b -q verify &&
	wait_for 20 cache_json n "\$j->{chunks} == $starved" &&
	grep "cache: deferred prune: pruned [1-9]" "$(host_dir n)/isconfd.log" &&
	isconf_on n -q verify
'

test_expect_success '/metrics serves a recent report, not one per request' '
	r0=$(metric isconf_cache_reports_total) && test -n "$r0" &&
	for i in 1 2 3 4 5 6 7 8; do
		curl -s http://127.0.0.4:65028/metrics >m.$i || return 1
	done &&
	r1=$(metric isconf_cache_reports_total) &&
	test $r1 -le $((r0 + 1)) &&
	grep "^isconf_cache_report_age_seconds [0-9.]*$" m.8
'

# With a keeper stopped n keeps the new version beside the last.
test_expect_success '/metrics figures follow a change within their age' '
	stop_host k2 &&
	held=$(metric "isconf_cache_chunks{state=\"held\"}") &&
	test "$held" = "$(cache_field n chunks)" &&
	check_in_on b 5 && wait_head n 15 && isconf_on n -q up &&
	cmp v5 "$(host_dir n)/root/f" &&
	wait_for 10 held_metric_not $held
'

test_done
