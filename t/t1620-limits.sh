#!/bin/sh
test_description='connection limits and deadlines: idle clients of the mesh port and the control socket lock nobody out'
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
	status_json a "\$j->{streams}{refused_per_address} > 0"
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
	status_json a "\$j->{streams}{evicted} > 0"
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
