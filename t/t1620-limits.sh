#!/bin/sh
test_description='connection limits and deadlines: idle or trickling clients of the mesh port, the HTTP port and the control socket lock nobody out'
. "$(dirname "$0")/lib-isconf.sh"

A=$(host_dir a)/root
# hold DST SRC COUNT SECONDS NAME [trickle]: t/hold.pl in the background,
# holding COUNT idle connections (reopening those the daemon closes);
# returns once they are open.  What it says at the end goes to NAME.out.
hold() {
	rm -f "$5.ready" &&
	{ perl "$SHARNESS_TEST_SRCDIR/hold.pl" "$1" "$2" "$3" "$4" "$5.ready" \
	    $6 >"$5.out" 2>&1 & } &&
	wait_for 20 test -f "$5.ready"
}
# change N: on a, a locked exec making file N and ci; b must have it
# within 10 s.
change() {
	(cd "$A" && isconf_on a -q lock "change $1" &&
	    isconf_on a -q exec touch "$1" && isconf_on a -q ci) &&
	wait_head b "$(status_field a head)"
}
addrs() {	# addrs PREFIX N: PREFIX.1,...,PREFIX.N
	seq -s, -f "$1.%g" 1 "$2"
}

test_expect_success 'setup: two hosts' '
	mesh a:1 b:2 &&
	wait_for 10 peers_known a 1 && wait_for 10 peers_known b 1
'

# Before: the 256 slots of the mesh listener went to the first 256
# connections, handshake or not, for 30 s: b could not pull from a.
test_expect_success 'mesh: 300 idle connections from one address leave room for peers' '
	hold 127.0.0.1:65027 127.0.0.9 300 20 one &&
	change 1 &&
	# The counters come from the network process: a moment later.
	wait_for 10 status_json a "\$j->{streams}{refused_per_address} > 0"
'

test_expect_success 'mesh: a connection without a handshake is closed after 5 s' '
	wait_for 10 status_json a "\$j->{streams}{handshake_timeout} >= 16" &&
	status_on a | sed -n "s/[0-9][0-9]*/N/g; /^streams:/p" >actual &&
	echo "streams:  N accepted; refused: N over the per-address limit, N all slots busy; closed in the handshake: N timed out, N evicted" >expect &&
	test_cmp expect actual &&
	curl -sf http://127.0.0.1:65028/metrics >metrics &&
	grep "^isconf_streams_refused_total" metrics | sed "s/} [1-9][0-9]*$/} N/" >actual &&
	cat >expect <<-\EOF &&
	isconf_streams_refused_total{reason="per_address"} N
	isconf_streams_refused_total{reason="full"} 0
	isconf_streams_refused_total{reason="handshake_timeout"} N
	isconf_streams_refused_total{reason="evicted"} 0
	EOF
	test_cmp expect actual
'

test_expect_success 'mesh: with every slot taken from many addresses, the oldest idle one makes room' '
	hold 127.0.0.1:65027 "$(addrs 127.0.1 30)" 300 12 many &&
	change 2 &&
	# The counters come from the network process: a moment later.
	wait_for 10 status_json a "\$j->{streams}{evicted} > 0"
'

# Before: libmicrohttpd took 128 connections and timed out only silent
# ones; a header byte a second held a slot for good.
test_expect_success 'HTTP: 200 connections trickling headers from 127.0.0.1 lock nobody out' '
	hold 127.0.0.1:65028 127.0.0.1 200 12 http1 trickle &&
	curl -sf --max-time 5 http://127.0.0.1:65028/metrics >metrics &&
	grep "^isconf_http_refused_total{reason=\"evicted\"} [1-9]" metrics
'

test_expect_success 'HTTP: 200 from 40 addresses lock nobody out' '
	hold 127.0.0.1:65028 "$(addrs 127.0.2 40)" 200 12 http2 trickle &&
	curl -sSf --max-time 5 http://127.0.0.1:65028/api/v1/hosts >fleet.json &&
	grep -q "\"host\":\"a\"" fleet.json
'

test_expect_success 'HTTP: a connection without its headers is closed after 5 s' '
	wait_for 20 test -s http1.out && wait_for 20 test -s http2.out &&
	hold 127.0.0.1:65028 127.0.0.5 4 8 http3 trickle &&
	wait_for 20 test -s http3.out &&
	grep "^closed [4-9]$" http3.out &&
	curl -sf http://127.0.0.1:65028/metrics >metrics &&
	grep "^isconf_http_refused_total{reason=\"header_timeout\"} [1-9]" metrics &&
	grep -q "HTTP: closed a connection that sent no request headers within 5 s" \
	    "$(host_dir a)/isconfd.log"
'

test_expect_success 'HTTP: numbers in query strings are digits only' '
	token=$(cat "$(host_home a)/conf/http_token") &&
	u=http://127.0.0.1:65028/api/v1/branches/generic/journal &&
	for q in after=-1 after=+1 after=%201 after=1%20 after=1x after= \
	    after=0x10 after=1e3 after=18446744073709551616 limit=-1 \
	    limit=+5 limit=5x limit=; do
		test "$(curl -s -o /dev/null -w "%{http_code}" \
		    -H "Authorization: Bearer $token" "$u?$q")" = 400 ||
		{ echo "$q accepted"; return 1; }
	done &&
	test "$(curl -s -o /dev/null -w "%{http_code}" \
	    -H "Authorization: Bearer $token" "$u?after=1&limit=2")" = 200
'

test_expect_success 'control: 100 idle clients lock nobody out' '
	hold "$(host_home a)/ctl.sock" unix 100 8 ctl &&
	isconf_on a status >st &&
	grep "^host: *a$" st
'

test_expect_success 'control: an idle client is dropped after 5 s, a running verb is not' '
	wait_for 10 test -s ctl.out &&
	hold "$(host_home a)/ctl.sock" unix 10 8 idle &&
	(cd "$A" && isconf_on a -q lock "slow" &&
	    isconf_on a -q exec sleep 7 && isconf_on a -q ci) &&
	wait_for 10 test -s idle.out &&
	grep "^closed 1[0-9]$" idle.out &&
	grep -q "control: dropped a client that sent no request within 5 s" \
	    "$(host_dir a)/isconfd.log"
'

test_done
