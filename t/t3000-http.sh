#!/bin/sh
test_description='the HTTP status API, metrics and dashboard, checked against a 3-host mesh'
. "$(dirname "$0")/lib-isconf.sh"

A=$(host_dir a)/root
get() {	# get HOST PATH [curl args]: body to stdout, fails on HTTP errors
	_n=$1 _p=$2
	shift 2
	curl -sf --max-time 10 "$@" "http://127.0.0.$_n:65028$_p"
}
code() {
	curl -s -o /dev/null -w "%{http_code}" --max-time 10 "$@"
}
token() {
	cat "$(host_dir $1)/home/conf/http_token"
}
# auth HOST: the header that the status and journal need.
auth() {
	echo "Authorization: Bearer $(token $1)"
}

test_expect_success 'setup: a transaction, a failure on c only, a lock held' '
	mesh a:1 b:2 c:3 &&
	for h in a b c; do wait_for 10 peers_known $h 2 || return 1; done &&
	isconf_on a -q lock "first" &&
	(cd "$A" && isconf_on a -q exec sh -c "[ \$IS_HOSTNAME != c ] || { echo c says no; exit 4; }") &&
	isconf_on a -q ci &&
	wait_head b 3 && wait_head c 3 &&
	isconf_on b -q up &&
	expect_code 1 isconf_on c up &&
	isconf_on b -q lock "b holds it" &&
	! grep -q libmicrohttpd /proc/$(host_pid a)/maps &&
	wait_for 10 sh -c "curl -s -H \"$(auth a)\" http://127.0.0.1:65028/api/v1/status | grep -q b.holds.it" &&
	wait_for 10 sh -c "curl -s http://127.0.0.1:65028/api/v1/hosts | grep -q \"last_failure\\\":{\"" &&
	wait_for 10 sh -c "curl -s http://127.0.0.1:65028/api/v1/hosts | grep -q \"host.:.b.,.branch.:.generic.,.applied.:3\""
'

test_expect_success 'libmicrohttpd is loaded at the first connection, not before' '
	grep -q libmicrohttpd /proc/$(http_pid a)/maps &&
	echo "isconfd: HTTP status API: libmicrohttpd loaded" >expect &&
	sed -n "s/^20[0-9T:-]* \[[0-9]*\] \(.*libmicrohttpd.*\)/\1/p" "$(host_dir a)/isconfd.log" >actual &&
	test_cmp expect actual &&
	! grep -q libmicrohttpd /proc/$(host_pid c)/maps &&
	test -z "$(http_pid c)" &&
	get 3 /metrics >/dev/null &&
	grep -q libmicrohttpd /proc/$(http_pid c)/maps
'

test_expect_success '/api/v1/status matches the host' '
	get 1 /api/v1/status -H "$(auth a)" >st.json &&
	json_eval st.json "\$j->{host} eq q(a) && \$j->{branch} eq q(generic) && \$j->{head}{seq} == 3 && \$j->{applied} == 3 && \$j->{applied_id} eq \$j->{head}{id} && \$j->{lock}{host} eq q(b) && \$j->{lock}{message} eq q(b holds it) && \$j->{peers}{known} == 2" &&
	get 3 /api/v1/status -H "$(auth c)" >stc.json &&
	json_eval stc.json "\$j->{last_up}{result} eq q(failed) && \$j->{last_up}{entry} == 2 && \$j->{last_up}{status} == 4 && \$j->{last_up}{output} =~ /c says no/"
'

test_expect_success '/api/v1/hosts: every host, its position, the failed one marked' '
	get 1 /api/v1/hosts >hosts.json &&
	json_eval hosts.json "
		my %h = map { \$_->{host} => \$_ } @{\$j->{hosts}};
		keys(%h) == 3 && \$h{a}{self} && \$h{a}{applied} == 3 &&
		\$h{b}{applied} == 3 && \$h{b}{lag} == 0 && \$h{c}{applied} == 1 &&
		\$h{c}{lag} == 2 && \$h{c}{last_failure}{entry} == 2 &&
		\$h{c}{last_failure}{status} == 4 && !defined \$h{b}{last_failure}"
'

test_expect_success 'isconf hosts shows the same, as a table and as JSON' '
	isconf_on a hosts >tbl &&
	cat >expect <<-\EOF &&
	HOST                 BRANCH            APPLIED     HEAD  STATE                    SEEN
	a                    generic                 3        3  up to date               (this host)
	b                    generic                 3        3  up to date               N s ago
	c                    generic                 1        3  FAILED at 2 (4)          N s ago
	EOF
	sed "s/[0-9][0-9]* s ago$/N s ago/" tbl >actual &&
	test_cmp expect actual &&
	isconf_on a hosts --json >h2.json &&
	json_eval h2.json "scalar(@{\$j->{hosts}}) == 3"
'

test_expect_success 'isconf hosts: the whole table; --json is /api/v1/hosts' '
	cat >expect <<-\EOF &&
	HOST                 BRANCH            APPLIED     HEAD  STATE                    SEEN
	a                    generic                 3        3  up to date               (this host)
	b                    generic                 3        3  up to date               N s ago
	c                    generic                 1        3  FAILED at 2 (4)          N s ago
	EOF
	sed -E "s/[0-9]+ s ago/N s ago/" tbl | LC_ALL=C sort >actual &&
	test_cmp expect actual &&
	isconf_on a hosts --json >h3.json &&
	get 1 /api/v1/hosts >h4.json &&
	sed -E "s/\"last_seen_s\":[0-9.]+/\"last_seen_s\":N/g" h3.json >expect &&
	sed -E "s/\"last_seen_s\":[0-9.]+/\"last_seen_s\":N/g" h4.json >actual &&
	test_cmp expect actual
'

test_expect_success '/api/v1/hosts?verify=1: the receipt each row rests on, verified' '
	get 1 "/api/v1/hosts?verify=1" >hv.json &&
	json_eval hv.json "
		my %h = map { \$_->{host} => \$_ } @{\$j->{hosts}};
		\$h{a}{statement}{verified} && \$h{b}{statement}{verified} &&
		\$h{c}{statement}{kind} eq q(receipt) && \$h{c}{receipt} &&
		\$h{c}{statement}{hex} =~ /^[0-9a-f]+\\z/" &&
	! grep -q statement h4.json &&
	test "$(code "http://127.0.0.1:65028/api/v1/hosts?verify=2")" = 400
'

test_expect_success '/api/v1/branches/NAME/journal: entry metadata, after and limit' '
	get 1 "/api/v1/branches/generic/journal?after=1&limit=5" -H "$(auth a)" >j.json &&
	json_eval j.json "scalar(@{\$j->{entries}}) == 2 && \$j->{entries}[0]{seq} == 2 && \$j->{entries}[0]{kind} eq q(exec) && \$j->{entries}[0]{detail} =~ /c says no/ && \$j->{entries}[1]{kind} eq q(ci)" &&
	test "$(code -H "$(auth a)" "http://127.0.0.1:65028/api/v1/branches/nosuch/journal")" = 404 &&
	test "$(code -H "$(auth a)" "http://127.0.0.1:65028/api/v1/branches/generic/journal?after=x")" = 400 &&
	# Before: strtoull read -1 as 2^64-1, and after + limit wrapped.
	for q in after=-1 after=+1 "after=%201" after=18446744073709551615 \
	    after=18446744073709551616 limit=-5; do
		test "$(code -H "$(auth a)" "http://127.0.0.1:65028/api/v1/branches/generic/journal?$q")" = 400 ||
		{ echo "$q accepted"; return 1; }
	done
'
test_expect_success 'the journal API shows the entries as isconf log --json does' '
	isconf_on a log --json >expect &&
	get 1 "/api/v1/branches/generic/journal" -H "$(auth a)" |
	    sed -e "s/^{\"branch\":\"generic\",\"entries\":\(.*\)}\$/\1/" >actual &&
	test_cmp expect actual
'

test_expect_success 'on loopback, without the token: no command line, message or output' '
	for u in /api/v1/status "/api/v1/branches/generic/journal" \
	    "/api/v1/branches/nosuch/journal"; do
		test "$(code "http://127.0.0.1:65028$u")" = 401 || return 1
		test "$(code -H "Authorization: Bearer wrong" "http://127.0.0.1:65028$u")" = 401 || return 1
	done &&
	for u in / /metrics /api/v1/hosts; do
		curl -sf "http://127.0.0.3:65028$u" >public || return 1
		! grep -e "c says no" -e "b holds it" -e first public || return 1
	done
'

test_expect_success '/metrics is Prometheus text, and the counters move' '
	get 3 /metrics >m1 &&
	grep -v "^#" m1 | grep -v -E "^isconf_[a-z_]+(\{[a-z]+=\"[^\"]*\"(,[a-z]+=\"[^\"]*\")*\})? [0-9]+(\.[0-9]+)?$" >bad;
	test_must_be_empty bad &&
	cat >expect <<-\EOF &&
	# HELP isconf_lag_entries Entries behind the head.
	# TYPE isconf_lag_entries gauge
	isconf_lag_entries{branch="generic"} 2
	# HELP isconf_replay_failures_total Replays that stopped at a failing entry.
	# TYPE isconf_replay_failures_total counter
	isconf_replay_failures_total 1
	# HELP isconf_lock_held 1 when the branch is locked; mine=1 when by this host.
	# TYPE isconf_lock_held gauge
	isconf_lock_held{branch="generic",mine="0"} 1
	EOF
	grep -E "^(# [A-Z]+ )?isconf_(replay_failures_total|lag_entries|lock_held)[ {]" m1 >actual &&
	test_cmp expect actual &&
	grep -E "^isconf_message_bytes_total\{direction=\"in\",kind=\"hello\"\} [1-9][0-9]*$" m1 &&
	before=$(sed -n "s/^isconf_messages_total{direction=\"in\",kind=\"hello\"} //p" m1) &&
	wait_for 10 sh -c "test \$(curl -s http://127.0.0.3:65028/metrics | sed -n \"s/^isconf_messages_total{direction=.in.,kind=.hello.} //p\") -gt $before" &&
	expect_code 1 isconf_on c up &&
	get 3 /metrics >m2 &&
	echo "isconf_replay_failures_total 2" >expect &&
	grep "^isconf_replay_failures_total " m2 >actual &&
	test_cmp expect actual
'

test_expect_success '/metrics: every metric, its help, type and labels' '
	cat >expect <<-\EOF &&
	# HELP isconf_entries_applied Entries of this host'\''s branch applied here.
	# TYPE isconf_entries_applied gauge
	isconf_entries_applied{branch="generic"} N
	# HELP isconf_entries_replayed_total Entries applied by up since the daemon started.
	# TYPE isconf_entries_replayed_total counter
	isconf_entries_replayed_total N
	# HELP isconf_branch_head The head of this host'\''s branch.
	# TYPE isconf_branch_head gauge
	isconf_branch_head{branch="generic"} N
	# HELP isconf_lag_entries Entries behind the head.
	# TYPE isconf_lag_entries gauge
	isconf_lag_entries{branch="generic"} N
	# HELP isconf_replay_failures_total Replays that stopped at a failing entry.
	# TYPE isconf_replay_failures_total counter
	isconf_replay_failures_total N
	# HELP isconf_peers_known Peers this host knows.
	# TYPE isconf_peers_known gauge
	isconf_peers_known N
	# HELP isconf_peers_reachable Peers heard from lately.
	# TYPE isconf_peers_reachable gauge
	isconf_peers_reachable N
	# HELP isconf_messages_total Gossip datagrams by kind.
	# TYPE isconf_messages_total counter
	isconf_messages_total{direction="in",kind="hello"} N
	isconf_messages_total{direction="out",kind="hello"} N
	isconf_messages_total{direction="in",kind="claim"} N
	isconf_messages_total{direction="out",kind="claim"} N
	isconf_messages_total{direction="in",kind="grant"} N
	isconf_messages_total{direction="out",kind="grant"} N
	isconf_messages_total{direction="in",kind="deny"} N
	isconf_messages_total{direction="out",kind="deny"} N
	isconf_messages_total{direction="in",kind="locked"} N
	isconf_messages_total{direction="out",kind="locked"} N
	isconf_messages_total{direction="in",kind="release"} N
	isconf_messages_total{direction="out",kind="release"} N
	# HELP isconf_message_bytes_total Gossip bytes of accepted datagrams, by kind.
	# TYPE isconf_message_bytes_total counter
	isconf_message_bytes_total{direction="in",kind="hello"} N
	isconf_message_bytes_total{direction="out",kind="hello"} N
	isconf_message_bytes_total{direction="in",kind="claim"} N
	isconf_message_bytes_total{direction="out",kind="claim"} N
	isconf_message_bytes_total{direction="in",kind="grant"} N
	isconf_message_bytes_total{direction="out",kind="grant"} N
	isconf_message_bytes_total{direction="in",kind="deny"} N
	isconf_message_bytes_total{direction="out",kind="deny"} N
	isconf_message_bytes_total{direction="in",kind="locked"} N
	isconf_message_bytes_total{direction="out",kind="locked"} N
	isconf_message_bytes_total{direction="in",kind="release"} N
	isconf_message_bytes_total{direction="out",kind="release"} N
	# HELP isconf_bytes_total All UDP bytes, dropped ones included.
	# TYPE isconf_bytes_total counter
	isconf_bytes_total{direction="in"} N
	isconf_bytes_total{direction="out"} N
	# HELP isconf_dropped_total Input dropped, by reason.
	# TYPE isconf_dropped_total counter
	isconf_dropped_total{reason="malformed"} N
	isconf_dropped_total{reason="auth"} N
	isconf_dropped_total{reason="domain"} N
	isconf_dropped_total{reason="replay"} N
	isconf_dropped_total{reason="body"} N
	isconf_dropped_total{reason="type"} N
	isconf_dropped_total{reason="peers_full"} N
	isconf_dropped_total{reason="moved"} N
	isconf_dropped_total{reason="unconfirmed"} N
	isconf_dropped_total{reason="relayed"} N
	# HELP isconf_auth_failures_total Input failing authentication.
	# TYPE isconf_auth_failures_total counter
	isconf_auth_failures_total N
	# HELP isconf_cache_chunks Chunks in the cache.
	# TYPE isconf_cache_chunks gauge
	isconf_cache_chunks N
	# HELP isconf_cache_bytes Plain bytes in the cache.
	# TYPE isconf_cache_bytes gauge
	isconf_cache_bytes N
	# HELP isconf_chunk_bytes_total File chunk bytes served to peers (out) and fetched from them (in).
	# TYPE isconf_chunk_bytes_total counter
	isconf_chunk_bytes_total{direction="in"} N
	isconf_chunk_bytes_total{direction="out"} N
	# HELP isconf_chunks_total File chunks served to peers (out) and fetched from them (in).
	# TYPE isconf_chunks_total counter
	isconf_chunks_total{direction="in"} N
	isconf_chunks_total{direction="out"} N
	# HELP isconf_lock_held 1 when the branch is locked; mine=1 when by this host.
	# TYPE isconf_lock_held gauge
	isconf_lock_held{branch="generic",mine="0"} N
	# HELP isconf_peer_refusals_total Streams on which a peer refused the entries this host served.
	# TYPE isconf_peer_refusals_total counter
	isconf_peer_refusals_total N
	# HELP isconf_have_asked_total Peers asked for their holdings of the chunks a fetch needs.
	# TYPE isconf_have_asked_total counter
	isconf_have_asked_total N
	# HELP isconf_have_announced_total Of them, peers that announced their holdings.
	# TYPE isconf_have_announced_total counter
	isconf_have_announced_total N
	# HELP isconf_have_received_total HAVE frames received.
	# TYPE isconf_have_received_total counter
	isconf_have_received_total N
	# HELP isconf_have_fallback_total Peers asked blind: they knew none of the lists, or refused the request.
	# TYPE isconf_have_fallback_total counter
	isconf_have_fallback_total N
	# HELP isconf_have_requests_total Holdings requests this host answered.
	# TYPE isconf_have_requests_total counter
	isconf_have_requests_total N
	# HELP isconf_have_sent_total HAVE frames sent.
	# TYPE isconf_have_sent_total counter
	isconf_have_sent_total N
	# HELP isconf_have_refused_total Malformed or unasked holdings frames: the connection was closed.
	# TYPE isconf_have_refused_total counter
	isconf_have_refused_total N
	# HELP isconf_streams_accepted_total Mesh TCP connections accepted.
	# TYPE isconf_streams_accepted_total counter
	isconf_streams_accepted_total N
	# HELP isconf_streams_refused_total Mesh TCP connections refused (per_address, full) or closed before their handshake was done (handshake_timeout, evicted), by reason.
	# TYPE isconf_streams_refused_total counter
	isconf_streams_refused_total{reason="per_address"} N
	isconf_streams_refused_total{reason="full"} N
	isconf_streams_refused_total{reason="handshake_timeout"} N
	isconf_streams_refused_total{reason="evicted"} N
	# HELP isconf_http_refused_total HTTP connections refused (per_address, full) or closed before sending a request (header_timeout, evicted), by reason.
	# TYPE isconf_http_refused_total counter
	isconf_http_refused_total{reason="per_address"} N
	isconf_http_refused_total{reason="full"} N
	isconf_http_refused_total{reason="header_timeout"} N
	isconf_http_refused_total{reason="evicted"} N
	# HELP isconf_branch_forked 1 when this host knows of a fork of the branch that is not resolved.
	# TYPE isconf_branch_forked gauge
	isconf_branch_forked{branch="generic"} N
	# HELP isconf_sync_refused_total Sync runs refused, by reason.
	# TYPE isconf_sync_refused_total counter
	isconf_sync_refused_total{reason="unsigned_tail"} N
	isconf_sync_refused_total{reason="broken_chain"} N
	isconf_sync_refused_total{reason="staging_limit"} N
	isconf_sync_refused_total{reason="bad_signature"} N
	isconf_sync_refused_total{reason="other"} N
	# HELP isconf_staged_entries Entries received, not yet covered by a signature, by branch and source.
	# TYPE isconf_staged_entries gauge
	# HELP isconf_staged_bytes Their encoded bytes.
	# TYPE isconf_staged_bytes gauge
	# HELP isconf_members_learned Hosts learned of from peers, not heard from directly.
	# TYPE isconf_members_learned gauge
	isconf_members_learned N
	# HELP isconf_member_records_total Member records received (in) and sent (out).
	# TYPE isconf_member_records_total counter
	isconf_member_records_total{direction="in"} N
	isconf_member_records_total{direction="out"} N
	# HELP isconf_member_probes_total Learned hosts probed.
	# TYPE isconf_member_probes_total counter
	isconf_member_probes_total N
	# HELP isconf_member_dropped_total Member records dropped, by reason.
	# TYPE isconf_member_dropped_total counter
	isconf_member_dropped_total{reason="malformed"} N
	isconf_member_dropped_total{reason="stale"} N
	isconf_member_dropped_total{reason="full"} N
	isconf_member_dropped_total{reason="stranger"} N
	# HELP isconf_statements_total Host-signed statements: signed here, verified, accepted, or dropped by reason.
	# TYPE isconf_statements_total counter
	isconf_statements_total{result="signed"} N
	isconf_statements_total{result="verified"} N
	isconf_statements_total{result="accepted"} N
	isconf_statements_total{result="malformed"} N
	isconf_statements_total{result="bad_signature"} N
	isconf_statements_total{result="untrusted"} N
	isconf_statements_total{result="key_refused"} N
	isconf_statements_total{result="stale"} N
	isconf_statements_total{result="ignored_kind"} N
	isconf_statements_total{result="unknown_issuer"} N
	isconf_statements_total{result="wrong_issuer"} N
	isconf_statements_total{result="list_full"} N
	# HELP isconf_statement_epoch This daemon'\''s statement epoch.
	# TYPE isconf_statement_epoch gauge
	isconf_statement_epoch N
	# HELP isconf_lock_floors Issuers whose lock statement floor is kept (at most 4096).
	# TYPE isconf_lock_floors gauge
	isconf_lock_floors N
	# HELP isconf_lock_floors_evicted_total Floors dropped from the full table for a newcomer.
	# TYPE isconf_lock_floors_evicted_total counter
	isconf_lock_floors_evicted_total N
	# HELP isconf_cache_report_age_seconds How old the cache figures below are (a report is rerun when older than 30 s).
	# TYPE isconf_cache_report_age_seconds gauge
	isconf_cache_report_age_seconds N
	# HELP isconf_cache_reports_total Cache reports run (each walks the journal).
	# TYPE isconf_cache_reports_total counter
	isconf_cache_reports_total N
	# HELP isconf_cache_chunks Chunks in the cache: held, needed here, needed but not held, prunable.
	# TYPE isconf_cache_chunks gauge
	isconf_cache_chunks{state="held"} N
	isconf_cache_chunks{state="needed"} N
	isconf_cache_chunks{state="missing"} N
	isconf_cache_chunks{state="prunable"} N
	# HELP isconf_cache_bytes Cache bytes: held (plain), on disk, prunable.
	# TYPE isconf_cache_bytes gauge
	isconf_cache_bytes{state="held"} N
	isconf_cache_bytes{state="disk"} N
	isconf_cache_bytes{state="prunable"} N
	# HELP isconf_cache_keepers Reachable keepers with verified holdings.
	# TYPE isconf_cache_keepers gauge
	isconf_cache_keepers N
	# HELP isconf_cache_pruned_total Chunks and bytes pruned.
	# TYPE isconf_cache_pruned_total counter
	isconf_cache_pruned_total{unit="chunks"} N
	isconf_cache_pruned_total{unit="bytes"} N
	# HELP isconf_cache_is_keeper 1 on a keeper (IS_CACHE_KEEP=1).
	# TYPE isconf_cache_is_keeper gauge
	isconf_cache_is_keeper N
	# HELP isconf_cache_prune_off 1 on why this host prunes nothing now (none: it may).
	# TYPE isconf_cache_prune_off gauge
	isconf_cache_prune_off{reason="none"} N
	isconf_cache_prune_off{reason="keeper"} N
	isconf_cache_prune_off{reason="trust"} N
	isconf_cache_prune_off{reason="keepers"} N
	isconf_cache_prune_off{reason="incomplete"} N
	# HELP isconf_cache_keepers_untrusted Keepers whose holdings verify but do not count (no trusted_keys, IS_CACHE_TRUST not pinned).
	# TYPE isconf_cache_keepers_untrusted gauge
	isconf_cache_keepers_untrusted N
	EOF
	get 3 /metrics | sed -E "s/^(isconf_[^ ]+) [0-9.]+$/\1 N/" >actual &&
	test_cmp expect actual
'

test_expect_success 'the dashboard page is self-contained' '
	get 1 / >page.html &&
	grep -q "<title>isconf</title>" page.html &&
	! grep -E "(src|href)=\"(https?:)?//" page.html
'

test_expect_success 'read-only: other methods are refused' '
	test "$(code -X POST http://127.0.0.1:65028/api/v1/status)" = 405 &&
	test "$(code -X DELETE http://127.0.0.1:65028/)" = 405
'

test_expect_success 'a non-loopback bind needs the bearer token' '
	isconf_on b -q unlock &&
	for h in a c; do
		wait_for 10 status_has $h "^lock: *none" || return 1
	done &&
	make_host d 4 IS_HTTP_BIND=0.0.0.0 IS_HTTP_PORT=65099 &&
	isconf_on d -q start &&
	tok=$(cat "$(host_dir d)/home/conf/http_token") &&
	test "$(stat -c %a "$(host_dir d)/home/conf/http_token")" = 600 &&
	test "$(code http://127.0.0.4:65099/api/v1/status)" = 401 &&
	test "$(code -H "Authorization: Bearer wrong" http://127.0.0.4:65099/api/v1/status)" = 401 &&
	test "$(code -H "Authorization: Bearer $tok" http://127.0.0.4:65099/api/v1/status)" = 200
'

test_expect_success 'malformed, oversized and 500 concurrent connections: the daemon keeps serving' '
	perl -MIO::Socket::INET -e "
		# The daemon may close an oversized request before it is
		# all written: that is right, and must not kill the test.
		\$SIG{PIPE} = q(IGNORE);
		my @s;
		for (1 .. 500) {
			my \$c = IO::Socket::INET->new(PeerAddr => q(127.0.0.1:65028)) or last;
			push @s, \$c;
		}
		print {\$s[0]} qq(GARBAGE\r\n\r\n) if @s;
		print {\$s[1]} q(GET /) . (q(x) x 100000) . qq( HTTP/1.1\r\n\r\n) if @s > 1;
		print {\$s[2]} qq(GET /api/v1/status HTTP/1.1\r\nHost: x\r\n) . (qq(X-Big: ) . (q(y) x 60000) . qq(\r\n)) . qq(\r\n) if @s > 2;
		sleep 1;
		print scalar(@s), qq( connections\n);
	" &&
	isconf_on a status >/dev/null &&
	test "$(code -H "$(auth a)" http://127.0.0.1:65028/api/v1/status)" = 200 &&
	test "$(code -H "$(auth a)" "http://127.0.0.1:65028/api/v1/branches/generic/journal?after=0&limit=99999999")" = 400 &&
	isconf_on a -q lock "still works" &&
	(cd "$A" && isconf_on a -q exec true) && isconf_on a -q ci &&
	wait_head b 6 && isconf_on b -q up
'

test_expect_success 'out of descriptors, accepting pauses instead of spinning, then serves again' '
	starve_fds d 127.0.0.4:65099 "HTTP status API" &&
	tok=$(cat "$(host_dir d)/home/conf/http_token") &&
	wait_for 10 sh -c "test \"\$(curl -s -o /dev/null -w %{http_code} -H \"Authorization: Bearer $tok\" http://127.0.0.4:65099/api/v1/status)\" = 200"
'

command -v chromium >/dev/null && test_set_prereq CHROMIUM
test_expect_success CHROMIUM 'in headless Chromium the dashboard shows the hosts, positions and the failure' '
	wait_for 10 sh -c "curl -s http://127.0.0.1:65028/api/v1/hosts | grep -q \"host.:.b.,.branch.:.generic.,.applied.:6\"" &&
	chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
	    --disable-background-networking --disable-component-update --disable-sync \
	    --user-data-dir="$root/chrome" --virtual-time-budget=5000 \
	    --dump-dom "http://127.0.0.1:65028/#token=$(token a)" >dom.html 2>chrome.err &&
	grep -q "data-loaded=\"1\"" dom.html &&
	grep -q "<tr data-host=\"a\"" dom.html &&
	grep -q "<tr data-host=\"b\"" dom.html &&
	grep -q "<tr class=\"failed\" data-host=\"c\"" dom.html &&
	grep "data-host=\"c\"" dom.html | grep -q "failed at 2 (status 4)" &&
	grep "data-host=\"b\"" dom.html | grep -q "6 / 6" &&
	mkdir -p "$SHARNESS_TEST_SRCDIR/test-results" &&
	chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
	    --disable-background-networking --disable-component-update --disable-sync \
	    --user-data-dir="$root/chrome" --virtual-time-budget=5000 \
	    --window-size=1000,700 \
	    --screenshot="$SHARNESS_TEST_SRCDIR/test-results/dashboard.png" \
	    "http://127.0.0.1:65028/#token=$(token a)" 2>>chrome.err &&
	test -s "$SHARNESS_TEST_SRCDIR/test-results/dashboard.png"
'
test_have_prereq CHROMIUM || say "# skipping the browser test: chromium is not installed (make deps installs it as root)"

test_done
