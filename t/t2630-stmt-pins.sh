#!/bin/sh
test_description='a key holder cannot grow the journal'\''s state with a pin for every name it makes up (holds, holdings; issue 23 review)'
. "$(dirname "$0")/lib-isconf.sh"

KEY=key-of-the-mesh-0123456789
. "$SHARNESS_TEST_SRCDIR/lib-keepers.sh"	# stat_of, stat_above

# forge PERL: run PERL with $f, a key holder without any host key.
forge() {
	forge_as forger "$1"
}
# pins HOST: the names HOST has pinned a key to.
pins() {
	sqlite3 "$(host_home $1)/journal.db" \
	    "SELECT key FROM state WHERE key LIKE 'pin:%' ORDER BY key"
}

test_expect_success 'setup: two hosts, no trusted_keys' '
	keyed_mesh a:1 b:2 &&
	wait_for 10 peers_known a 1 &&
	openssl genpkey -algorithm ed25519 -out forger.pem 2>/dev/null
'

# Eight holds and eight holdings, each in a name no host has: before,
# each name's key was pinned (a row of the state kept for ever), however
# full the lists.
test_expect_success 'holds and holdings of names that are no peers pin nothing' '
	pins a >pins.before &&
	accepted0=$(stat_of 1 accepted) &&
	forge "
		\$f->confirm(q(127.0.0.1));
		my (@holds, @holdings);
		for my \$i (1 .. 8) {
			my \$body = forge::str(q(generic)) . chr(1) .
			    forge::str(q(root)) . forge::str(q(made up)) .
			    forge::u64(int(time * 1000));
			push @holds, forge::stmt(kind => 6, issuer => qq(made-up-\$i),
			    epoch => 2**40, seq => 1, key => q(forger.pem),
			    body => \$body);
			push @holdings, forge::stmt(kind => 5,
			    issuer => qq(made-up-h\$i), epoch => 2**40, seq => 1,
			    key => q(forger.pem), body => forge::holdings(q(generic),
			    1, q(00) x 32));
		}
		\$f->send(q(127.0.0.1), 24, forge::stmts(@holds));
		# Four to a datagram: eight would not fit in one.
		\$f->send(q(127.0.0.1), 24, forge::stmts(@holdings[0 .. 3]));
		\$f->send(q(127.0.0.1), 24, forge::stmts(@holdings[4 .. 7]));
	" &&
	wait_for 10 stat_above 1 accepted $((${accepted0:-0} + 15)) &&
	pins a >pins.after &&
	test_cmp pins.before pins.after
'

test_expect_success 'a hold of a host that is no peer still holds' '
	status_has a "^hold: *HELD by root@made-up-"
'

test_done
