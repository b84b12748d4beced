#!/bin/sh
test_description='hostile datagrams: no replayed lock, no relayed address, no junk peers, no dependence on clocks'
. "$(dirname "$0")/lib-isconf.sh"

KEY=key-of-the-mesh-0123456789
SQ="'"

# forge PERL: run PERL with $f, a forger holding KEY, bound to 127.0.0.9.
forge() {
	perl -I"$SHARNESS_TEST_SRCDIR" -Mforge -e "
		my \$f = forge->new(key => q($KEY), host => q(forger),
		    bind => q(127.0.0.9));
		$1"
}

# tap_start LOG [A B]: t/udptap.pl on 127.0.0.9 (a relay between A and
# B when given); tap_stop ends it.
tap_start() {
	_log=$1
	shift
	test ! -f tap.pid || tap_stop	# after a failed test
	rm -f tap.ready
	perl "$SHARNESS_TEST_SRCDIR/udptap.pl" 127.0.0.9 "$_log" tap.ready "$@" &
	echo $! >tap.pid
	wait_for 10 test -f tap.ready
}
tap_stop() {
	kill $(cat tap.pid) && rm -f tap.pid
}
at_exit='test -f "$SHARNESS_TRASH_DIRECTORY/tap.pid" && kill $(cat "$SHARNESS_TRASH_DIRECTORY/tap.pid")'

# more_than LOG N: LOG has more than N lines.
more_than() {
	test $(wc -l <"$1") -gt "$2"
}

# types LOG SOURCE: the types of the datagrams from SOURCE in LOG.
types() {
	awk -v src="$2" '$1 == src { print substr($2, 9, 2) }' "$1" | sort -u
}

# replay LOG: send the LOCKED datagrams that a (127.0.0.1) sent again to
# b, from another address and from a's own, then one of noise: once b
# has counted that, it has read the others (one socket, in order).
replay() {
	perl -MIO::Socket::INET -e '
		my @d;
		open(my $f, "<", $ARGV[0]) or die;
		while (<$f>) { push @d, pack("H*", $1) if /^127\.0\.0\.1 (\S{8}05\S+)/ }
		my $to = Socket::pack_sockaddr_in(65027, Socket::inet_aton("127.0.0.2"));
		for my $from ("127.0.0.9", "127.0.0.1") {
			my $u = IO::Socket::INET->new(Proto => "udp", LocalAddr => $from,
			    LocalPort => 65027, ReuseAddr => 1) or die "$from: $!";
			send($u, $_, 0, $to) for @d;
			close($u);
		}
		my $u = IO::Socket::INET->new(Proto => "udp", LocalAddr => "127.0.0.9");
		send($u, "noise", 0, $to);' "$1"
}

# The hosts NAME hears directly (learned rows and the real host c left
# out) are exactly the rest of the arguments.
direct_hosts_are() {
	_h=$1; shift
	isconf_on "$_h" hosts | grep -v "(learned)$" |
	    sed -n "s/^\([a-z0-9]*\) .*/\1/p" | grep -vx c | sort >actual &&
	printf "%s\n" "$@" >expect &&
	test_cmp expect actual
}

test_expect_success 'setup: a and b with hmac_keys; a also sends to 127.0.0.9' '
	keyed_mesh a:1 b:2 &&
	stop_host a &&
	echo 127.0.0.9 >>"$(host_dir a)/home/conf/nets" &&
	isconf_on a -q start &&
	# b may know more hosts: members.c spreads and remembers them
	wait_for 10 status_has b "^peers: *[1-9][0-9]* known" && wait_for 10 peers_known a 1
'

test_expect_success 'a relay without the key does not move where b sends to a' '
	tap_start relay.log 127.0.0.1 127.0.0.2 &&
	wait_for 10 grep -q "^127.0.0.1 " relay.log &&
	isconf_on b -q lock "past the relay?" && isconf_on b -q unlock &&
	n=$(grep -c "^127\.0\.0\.1 " relay.log) &&
	wait_for 10 more_than relay.log $((n + 3)) &&
	tap_stop &&
	types relay.log 127.0.0.2 | sed "/^0[78]$/d" >actual &&
	: >expect &&
	test_cmp expect actual &&
	status_json b "\$j->{dropped}{relayed} > 0" &&
	grep -q "(a) answered a challenge that reached it from 127.0.0.9: relayed, refused" "$(host_dir b)/isconfd.log"
'

test_expect_success 'a keyless relay that spoofs and sniffs cannot confirm a session of a at its address' '
	n=$(status_json b "print \$j->{dropped}{relayed}") &&
	perl "$SHARNESS_TEST_SRCDIR/echo-steal.pl" 127.0.0.1 127.0.0.2 127.0.0.9 >actual &&
	echo refused >expect &&
	test_cmp expect actual &&
	status_json b "\$j->{dropped}{relayed} > $n"
'

test_expect_success 'a LOCKED replayed after a restart does not bring back a released lock' '
	tap_start tap.log &&
	isconf_on a -q lock "replay me" &&
	wait_for 10 status_has b "held by .*@a" &&
	wait_for 10 grep -q "^127\.0\.0\.1 4953430.05" tap.log &&
	isconf_on a -q unlock &&
	wait_for 10 status_has b "^lock: *none" &&
	tap_stop &&
	stop_host a && stop_host b && isconf_on b -q start &&
	replay tap.log &&
	wait_for 10 status_json b "\$j->{dropped}{malformed} >= 1" &&
	status_has b "^lock: *none" &&
	isconf_on a -q start &&
	# b may know more hosts: members.c spreads and remembers them
	wait_for 10 status_has b "^peers: *[1-9][0-9]* known" &&
	replay tap.log &&
	wait_for 10 status_json b "\$j->{dropped}{malformed} >= 2" &&
	status_has b "^lock: *none" &&
	status_has a "^lock: *none"
'

test_expect_success 'a host whose clock is a day ahead is not cut off; status says so' '
	make_host c 3 IS_GOSSIP_MS=500 ISCONF_CLOCK_OFFSET_S=86400 &&
	echo $KEY >"$(host_dir c)/home/conf/hmac_keys" &&
	echo 127.0.0.1 >"$(host_dir c)/home/conf/nets" &&
	isconf_on c -q start &&
	wait_for 10 peers_known a 2 &&
	isconf_on c -q lock "a day ahead" &&
	(cd "$(host_dir c)/root" && isconf_on c -q exec true) &&
	isconf_on c -q ci &&
	wait_head a 3 &&
	echo "clock:    c${SQ}s clock is 86400 s ahead of this host${SQ}s" >expect &&
	status_on a | grep "^clock:" >actual &&
	test_cmp expect actual &&
	echo "clock:    a${SQ}s clock is 86400 s behind this host${SQ}s" >expect &&
	status_on c | grep "^clock:" >actual &&
	test_cmp expect actual
'

test_expect_success 'a key holder sending under the name of b does not silence b' '
	forge "
		\$f->confirm(q(127.0.0.1), host => q(b));
		\$f->send(q(127.0.0.1), 1, forge::hello(q(generic)),
		    host => q(b), counter => 2**62);
	" &&
	wait_for 10 status_json a "\$j->{dropped}{moved} >= 1" &&
	isconf_on b -q up &&
	isconf_on b -q lock "b still heard" &&
	(cd "$(host_dir b)/root" && isconf_on b -q exec true) &&
	isconf_on b -q ci &&
	wait_head a 6
'

test_expect_success 'authenticated junk makes no peer; each drop is counted by reason' '
	forge "
		for my \$i (1 .. 20) {
			\$f->confirm(q(127.0.0.2), host => \$_)
			    for map { \$_ . \$i } qw(junk trail type zero locked claim);
			my \$h = forge::hello(q(generic));
			\$f->send(q(127.0.0.2), 1, substr(\$h, 0, 7), host => qq(junk\$i));
			\$f->send(q(127.0.0.2), 1, \$h . q(x), host => qq(trail\$i));
			\$f->send(q(127.0.0.2), 9, \$h, host => qq(type\$i));
			\$f->send(q(127.0.0.2), 0, \$h, host => qq(zero\$i));
			\$f->send(q(127.0.0.2), 5, q(junk), host => qq(locked\$i));
			\$f->send(q(127.0.0.2), 2, q(), host => qq(claim\$i));
		}
		\$f->confirm(q(127.0.0.2), host => q(good));
		\$f->send(q(127.0.0.2), 1, forge::hello(q(generic)), host => q(good));
	" &&
	wait_for 10 status_json b "\$j->{dropped}{body} >= 80 && \$j->{dropped}{type} >= 40" &&
	# c (test 5) may reach b through membership: real, so not counted.
	wait_for 10 direct_hosts_are b a b good &&
	curl -s http://127.0.0.2:65028/metrics >metrics &&
	grep "^isconf_dropped_total{reason=\"\(body\|type\)\"}" metrics | sed "s/ [0-9]*$//" >actual &&
	printf "isconf_dropped_total{reason=\"%s\"}\n" body type >expect &&
	test_cmp expect actual
'

test_expect_success 'the peer table is capped: hellos from new hosts beyond it are dropped and counted' '
	stop_host b &&
	echo "ISCONF_MAX_PEERS=3; export ISCONF_MAX_PEERS" >>"$(host_dir b)/env" &&
	isconf_on b -q start &&
	# b may know more hosts: members.c spreads and remembers them
	wait_for 10 status_has b "^peers: *[1-9][0-9]* known" &&
	forge "
		for (1 .. 5) {
			\$f->confirm(q(127.0.0.2), host => qq(many\$_));
			\$f->send(q(127.0.0.2), 1, forge::hello(q(generic)),
			    host => qq(many\$_));
		}
	" &&
	wait_for 10 status_json b "\$j->{dropped}{peers_full} >= 3" &&
	echo "peers:    3 known" >expect &&
	status_on b | sed -n "s/^\(peers: *[0-9]* known\),.*/\1/p" >actual &&
	test_cmp expect actual &&
	grep -q "peer table full (3 hosts): hello from many" "$(host_dir b)/isconfd.log"
'

test_done
