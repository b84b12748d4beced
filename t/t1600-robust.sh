#!/bin/sh
test_description='hostile datagrams and streams: dropped and counted, the daemon keeps serving, its state unchanged'
. "$(dirname "$0")/lib-isconf.sh"

test_expect_success 'setup: two hosts with a transaction' '
	mesh a:1 b:2 &&
	wait_for 10 peers_known a 1 &&
	isconf_on a -q lock base && (cd "$(host_dir a)/root" && isconf_on a -q exec true) &&
	isconf_on a -q ci && wait_head b 3 &&
	isconf_on a status --json >before.json
'

test_expect_success 'a few thousand random and mutated datagrams and streams' '
	perl "$SHARNESS_TEST_SRCDIR/fuzz.pl" 127.0.0.1 65027 test.example 4000 42 &&
	perl "$SHARNESS_TEST_SRCDIR/fuzz.pl" 127.0.0.1 65027 other.example 500 7
'

test_expect_success 'the daemon is up and its journal and lock are unchanged' '
	isconf_on a status --json >after.json &&
	json_eval after.json "\$j->{head}{seq} == 3 && !defined \$j->{lock} && \$j->{applied} == 3" &&
	json_eval after.json "\$j->{dropped}{malformed} > 100 && \$j->{dropped}{domain} > 0" &&
	isconf_on a log >log && test $(wc -l <log) = 3
'

test_expect_success 'and it still replicates' '
	isconf_on a -q lock after && (cd "$(host_dir a)/root" && isconf_on a -q exec true) &&
	isconf_on a -q ci && wait_head b 6
'

test_expect_success 'replayed and stale datagrams are dropped' '
	isconf_on b status --json >b0.json &&
	perl -MIO::Socket::INET -MTime::HiRes=time -e "
		sub str { pack(q(N), length \$_[0]) . \$_[0] }
		sub dgram {
			my \$ns = shift;
			return q(ISC) . chr(1) . chr(1) . pack(q(N), 0) .
			    pack(q(NN), int(\$ns / 2**32), \$ns % 2**32) .
			    str(q(test.example)) . str(q(replayer)) .
			    str(str(q(generic)) . pack(q(NNNN), 0, 0, 0, 0) .
				    pack(q(NNN), 0, 0, 0));
		}
		my \$u = IO::Socket::INET->new(PeerAddr => q(127.0.0.2),
		    PeerPort => 65027, Proto => q(udp)) or die;
		my \$d = dgram(int(time() * 1e9));
		\$u->send(\$d) for 1 .. 3;
		\$u->send(dgram(int((time() - 600) * 1e9)));
	" &&
	wait_for 10 status_json b "\$j->{dropped}{replay} >= 3" &&
	status_on b >out &&
	echo "peers:    2 known" >expect &&
	sed -n "s/^\(peers: *[0-9]* known\),.*/\1/p" out >actual &&
	test_cmp expect actual
'

# hello_locks() used to free an uninitialized struct jlock for a lock
# whose branch name is not valid: a crash under ASan.
test_expect_success 'a hello naming a lock on an invalid branch is ignored' '
	perl -MIO::Socket::INET -MTime::HiRes=time -e "
		sub str { pack(q(N), length \$_[0]) . \$_[0] }
		my \$u = IO::Socket::INET->new(PeerAddr => q(127.0.0.2),
		    PeerPort => 65027, Proto => q(udp)) or die;
		for my \$i (1 .. 20) {
			my \$ns = int(time() * 1e9);
			my \$lock = str(q(x)) . str(q(h) . \$i) . str(q(eve)) .
			    str(q(msg)) . pack(q(NN), 0, 1);
			my \$body = str(q(generic)) . pack(q(NN), 0, 0) .
			    pack(q(NN), 0, 0) . pack(q(N), 0) . pack(q(N), 0) .
			    pack(q(N), 1) . \$lock;
			\$u->send(q(ISC) . chr(1) . chr(1) . pack(q(N), 0) .
			    pack(q(NN), int(\$ns / 2**32), \$ns % 2**32) .
			    str(q(test.example)) . str(q(badlock) . \$i) .
			    str(\$body));
		}
	" &&
	wait_for 10 isconf_has b badlock20 hosts &&
	isconf_on b ping
'

test_expect_success 'out of descriptors, the mesh listener pauses instead of spinning, then replicates' '
	starve_fds b 127.0.0.2:65027 mesh &&
	isconf_on a -q lock after && (cd "$(host_dir a)/root" && isconf_on a -q exec true) &&
	isconf_on a -q ci && wait_head b "$(status_field a head)"
'

test_done
