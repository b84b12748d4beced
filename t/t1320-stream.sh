#!/bin/sh
test_description='sync streams: a transaction longer than a run, unsigned and oversized streams'
. "$(dirname "$0")/lib-isconf.sh"

A=$(host_dir a)/root
N=100	# exec entries: with lock and ci, 102 entries in one transaction
# A row staged long ago from a peer that is gone.
stage_old() {
	sqlite3 "$(host_home "$1")/journal.db" "INSERT INTO staged(branch,
	    run, seq, id, parent, kind, raw, time) VALUES ('generic',
	    '127.0.0.9', 103, x'00', x'00', 3, x'00', 1)"
}
staged() {
	sqlite3 "$(host_home "$1")/journal.db" "SELECT COUNT(*) FROM staged"
}

# a serves at most 40 entries a run (a test knob; 100,000 otherwise),
# so a's transaction of 102 entries takes three runs, two of them cut
# inside it: the receiver stages the tail and asks again after it.
test_expect_success 'setup: a transaction of 102 entries on a' '
	make_host a 1 IS_GOSSIP_MS=300 ISCONF_SERVE_MAX=40 &&
	echo 127.0.0.2 >"$(host_dir a)/home/conf/nets" &&
	isconf_on a -q start &&
	isconf_on a -q lock "long" &&
	i=0 && while test $i -lt $N; do
		(cd "$A" && isconf_on a -q exec true) || return 1
		i=$((i + 1))
	done &&
	isconf_on a -q ci &&
	test_head_is a 102 &&
	stop_host a &&
	cp "$(host_home a)/journal.db" full.db
'

# The same journal without its ci: 101 entries and no signature.
test_expect_success 'an unsigned stream is staged, then refused and dropped' '
	sqlite3 "$(host_home a)/journal.db" \
	    "DELETE FROM entries WHERE seq = 102" &&
	isconf_on a -q start &&
	make_host b 2 IS_GOSSIP_MS=300 &&
	echo 127.0.0.1 >"$(host_dir b)/home/conf/nets" &&
	isconf_on b -q start &&
	wait_for 10 grep -q "refused entries of generic from 127.0.0.1: the last entry is not signed" \
	    "$(host_dir b)/isconfd.log" &&
	test_head_is b 0 &&
	echo 0 >expect && staged b >actual && test_cmp expect actual &&
	status_has b "^refused:  [0-9]* sync runs ([0-9]* unsigned_tail)$" &&
	status_json b "\$j->{sync_refused}{unsigned_tail} > 0 && \$j->{sync_refused}{staging_limit} == 0" &&
	stop_host b
'

test_expect_success 'more unsigned entries than the bound are refused before the end' '
	rm -rf "$(host_dir b)" &&
	make_host b 2 IS_GOSSIP_MS=300 ISCONF_STAGE_MAX=4000 &&
	echo 127.0.0.1 >"$(host_dir b)/home/conf/nets" &&
	isconf_on b -q start &&
	wait_for 10 grep -q "refused entries of generic from 127.0.0.1: more unsigned entries than can be held" \
	    "$(host_dir b)/isconfd.log" &&
	test_head_is b 0 &&
	echo 0 >expect && staged b >actual && test_cmp expect actual &&
	status_has b "^refused:  [0-9]* sync runs ([0-9]* staging_limit)$" &&
	curl -sf http://127.0.0.2:65028/metrics >metrics &&
	grep "^isconf_sync_refused_total{reason=\"staging_limit\"} [1-9]" metrics &&
	stop_host b && stop_host a
'

# b is killed after the first cut run: the staged tail is not a journal
# entry (head 0), survives, and the next run continues after it.
test_expect_success 'a run cut inside a transaction is staged, survives a crash and resumes' '
	cp full.db "$(host_home a)/journal.db" &&
	rm -f "$(host_home a)"/journal.db-* &&
	isconf_on a -q start &&
	test_head_is a 102 &&
	rm -rf "$(host_dir b)" &&
	make_host b 2 IS_GOSSIP_MS=300 ISCONF_PAUSE=sync-cut \
	    ISCONF_PAUSE_FILE="$PWD/paused" &&
	echo 127.0.0.1 >"$(host_dir b)/home/conf/nets" &&
	isconf_on b -q start &&
	wait_for 10 test -f paused &&
	kill_host b && rm -f paused &&
	echo 40 >expect && staged b >actual && test_cmp expect actual &&
	sed -i "/ISCONF_PAUSE/d" "$(host_dir b)/env" &&
	isconf_on b -q start &&
	test_head_is b 0 &&
	wait_head b 102 &&
	echo 0 >expect && staged b >actual && test_cmp expect actual &&
	isconf_on b -q up &&
	isconf_on b log >log && grep -c "exec" log >count &&
	echo $N >expect && test_cmp expect count
'

test_expect_success 'a peer gone for good leaves staging that expires' '
	stop_host a && stop_host b &&
	stage_old b &&
	echo 1 >expect && staged b >actual && test_cmp expect actual &&
	isconf_on b -q start &&
	isconf_on b -q up &&
	echo 0 >expect && staged b >actual && test_cmp expect actual
'

# A row staged a moment ago (run 127.0.0.9, no such peer): shown until
# a signature covers it or it expires.
test_expect_success 'status and /metrics show what is staged' '
	stop_host b &&
	sqlite3 "$(host_home b)/journal.db" "INSERT INTO staged(branch,
	    run, seq, id, parent, kind, raw, time) VALUES ('"'"'generic'"'"',
	    '"'"'127.0.0.9'"'"', 103, x'"'"'00'"'"', x'"'"'00'"'"', 3,
	    x'"'"'0000'"'"', strftime('"'"'%s'"'"', '"'"'now'"'"'))" &&
	isconf_on b -q start &&
	status_on b >st &&
	grep "^staged:   1 entry (2 bytes) of generic from 127.0.0.9, not yet signed$" st &&
	status_json b "\$j->{staged}[0]{from} eq q(127.0.0.9) && \$j->{staged}[0]{entries} == 1" &&
	curl -sf http://127.0.0.2:65028/metrics >metrics &&
	cat >expect <<-\EOF &&
	isconf_staged_entries{branch="generic",from="127.0.0.9"} 1
	isconf_staged_bytes{branch="generic",from="127.0.0.9"} 2
	EOF
	grep "^isconf_staged_" metrics >actual &&
	test_cmp expect actual
'

stop_all_hosts
test_done
