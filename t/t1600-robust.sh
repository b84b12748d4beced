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
	perl -I"$SHARNESS_TEST_SRCDIR" -Mforge -e "
		my \$f = forge->new(host => q(replayer), bind => q(127.0.0.9));
		\$f->confirm(q(127.0.0.2));
		my \$d = \$f->dgram(1, forge::hello(q(generic)));
		\$f->send(q(127.0.0.2), \\\$d) for 1 .. 3;
		\$f->send(q(127.0.0.2), 1, forge::hello(q(generic)), counter => 1);
		\$f->send(q(127.0.0.2), 1, forge::hello(q(generic)), counter => 2);
	" &&
	wait_for 10 status_json b "\$j->{dropped}{replay} >= 4" &&
	status_on b >out &&
	echo "peers:    2 known" >expect &&
	sed -n "s/^\(peers: *[0-9]* known\),.*/\1/p" out >actual &&
	test_cmp expect actual
'

# hello_locks() used to free an uninitialized struct jlock for a lock
# whose branch name is not valid: a crash under ASan.  A lock a hello
# lists is a signed statement now: one that does not decode drops the
# hello whole.
test_expect_success 'a hello naming a malformed lock is dropped whole' '
	n=$(status_json b "print \$j->{dropped}{body}") &&
	perl -I"$SHARNESS_TEST_SRCDIR" -Mforge -e "
		my \$f = forge->new(bind => q(127.0.0.9));
		for my \$i (1 .. 20) {
			\$f->confirm(q(127.0.0.2), host => qq(badlock\$i));
			\$f->send(q(127.0.0.2), 1, forge::hello(q(generic),
			    q(x) . qq(h\$i)), host => qq(badlock\$i));
		}
	" &&
	wait_for 10 status_json b "\$j->{dropped}{body} >= $n + 20" &&
	isconf_on b ping
'

test_expect_success 'out of descriptors, the mesh listener pauses instead of spinning, then replicates' '
	starve_fds b 127.0.0.2:65027 mesh &&
	isconf_on a -q lock after && (cd "$(host_dir a)/root" && isconf_on a -q exec true) &&
	isconf_on a -q ci && wait_head b "$(status_field a head)"
'

test_done
