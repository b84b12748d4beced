#!/bin/sh
test_description='keepers count only by trusted_keys or IS_CACHE_TRUST=pinned, and only while their holdings are fresh (issue 23)'
. "$(dirname "$0")/lib-isconf.sh"

KEY=key-of-the-mesh-0123456789
HOSTS="a:1 k1:2 k2:3 n:4"
A=$(host_dir a)/root

. "$SHARNESS_TEST_SRCDIR/lib-keepers.sh"

# version N: check in a new 300 kB version of /f on a (3 entries).
version() {
	check_in $1 300000
}
# reachable HOST PEER [ADDR]: HOST counts PEER reachable (at ADDR).
reachable() {
	isconf_on $1 hosts --json >hosts.json &&
	json_eval hosts.json "grep { \$_->{host} eq q($2) && \$_->{reachable} &&
	    \$_->{address} =~ /^\Q${3:-}/ } @{\$j->{hosts}}"
}
# forge PERL: run PERL with $f, a key holder calling itself k2 (from
# 127.0.0.9) without k2's host key.  forge_bg: in the background, its
# pid in forge.pid.
forge() {
	forge_as k2 "$1"
}
forge_bg() {
	perl -I"$SHARNESS_TEST_SRCDIR" -Mforge -e "
		my \$f = forge->new(key => q($KEY), host => q(k2),
		    bind => q(127.0.0.9), port => 0);
		$1" >forge.out 2>&1 &
	echo $! >forge.pid
}

test_expect_success 'setup: an origin, two keepers, a starved host without trusted_keys' '
	lay_out a 1 && lay_out k1 2 IS_CACHE_KEEP=1 &&
	lay_out k2 3 IS_CACHE_KEEP=1 && lay_out n 4 &&
	for h in a k1 k2 n; do isconf_on $h -q start || return 1; done &&
	wait_for 10 peers_known n 3 &&
	version 1 && version 2 && version 3 &&
	wait_head n 9 && isconf_on n -q up &&
	held=$(cache_field n chunks) &&
	wait_for 20 cache_json k1 "\$j->{through} == 9" &&
	wait_for 20 cache_json k2 "\$j->{through} == 9"
'

test_expect_success 'without trusted_keys or IS_CACHE_TRUST=pinned, two keepers make no host prune' '
	wait_for 20 cache_json n "\$j->{keepers_untrusted} == 2" &&
	cache_json n "\$j->{keepers} == 0 && \$j->{prunable_chunks} == 0 &&
	    \$j->{prune_off} eq q(trust) && \$j->{trust} eq q(keys)" &&
	isconf_on n cache prune >out &&
	grep "^pruning: *off: no conf/trusted_keys, and IS_CACHE_TRUST is not pinned" out &&
	grep "^keepers: *0 reachable .*; 2 more not counted" out &&
	test "$(cache_field n chunks)" = "$held" &&
	curl -s http://127.0.0.4:65028/metrics >metrics &&
	grep "^isconf_cache_prune_off{reason=\"trust\"} 1$" metrics &&
	grep "^isconf_cache_keepers_untrusted 2$" metrics
'

test_expect_success 'IS_CACHE_TRUST must be keys or pinned' '
	isconf_on n -q stop &&
	echo "IS_CACHE_TRUST=yes; export IS_CACHE_TRUST" >>"$(host_dir n)/env" &&
	! isconf_on n start >out 2>err &&
	grep "IS_CACHE_TRUST=yes: keys or pinned" err
'

test_expect_success 'with IS_CACHE_TRUST=pinned, the keepers count and the host prunes' '
	echo "IS_CACHE_TRUST=pinned; export IS_CACHE_TRUST" >>"$(host_dir n)/env" &&
	isconf_on n -q start &&
	wait_for 20 cache_json n "\$j->{keepers} == 2 && \$j->{chunks} < $held" &&
	cache_json n "\$j->{trust} eq q(pinned) && \$j->{prune_off} eq q(none)" &&
	isconf_on n -q verify
'

# A replayer holding the HMAC key keeps k2 looking reachable (its
# hellos) and repeats the last holdings k2 signed: once they are older
# than 12 gossip ticks (2.4 s here) they count no more.
test_expect_success 'a stopped keeper whose hellos and holdings are replayed stops counting' '
	sqlite3 "$(host_home n)/journal.db" \
	    "SELECT group_concat(printf('\''%08X'\'', length(value) / 2) ||
	    value, '\'''\'') FROM state WHERE key LIKE '\''holdings:%'\''" \
	    >held.hex &&
	stop_host k2 &&
	forge_bg "
		my (\$last) = grep { forge::stmt_issuer(\$_) eq q(k2) }
		    forge::state_stmts(do { local (@ARGV, \$/) = q(held.hex); <> });
		defined \$last or die q(no holdings of k2);
		my \$until = time + 40;
		until (eval { \$f->confirm(q(127.0.0.4)) }) {
			die q(never confirmed) if time > \$until;
		}
		while (time < \$until) {
			\$f->send(q(127.0.0.4), 1, forge::hello(q(generic)));
			\$f->send(q(127.0.0.4), 24, forge::stmts(\$last));
			select(undef, undef, undef, 0.1);
		}
	" &&
	wait_for 20 reachable n k2 127.0.0.9: &&
	wait_for 20 cache_json n "\$j->{keepers} == 1" &&
	reachable n k2 127.0.0.9: &&
	version 4 && wait_head n 12 && isconf_on n -q up &&
	held=$(cache_field n chunks) &&
	isconf_on n -q cache prune &&
	test "$(cache_field n chunks)" = "$held" &&
	cache_json n "\$j->{prunable_chunks} == 0 && \$j->{prune_off} eq q(keepers)" &&
	reachable n k2 127.0.0.9: &&
	kill $(cat forge.pid)
'

test_expect_success 'with IS_CACHE_TRUST=pinned, a key holder posing as keeper k2 (another key) cannot make a host prune' '
	openssl genpkey -algorithm ed25519 -out forger.pem 2>/dev/null &&
	id=$(sqlite3 "$(host_home a)/journal.db" \
	    "SELECT lower(hex(id)) FROM entries WHERE branch = '\''generic'\'' AND seq = 12") &&
	refused0=$(stat_of 4 key_refused) &&
	forge "
		my \$until = time + 10;
		until (eval { \$f->confirm(q(127.0.0.4)) }) {
			die q(never confirmed) if time > \$until;
		}
		my \$s = forge::stmt(kind => 5, issuer => q(k2), epoch => 2**40,
		    seq => 1, key => q(forger.pem),
		    body => forge::holdings(q(generic), 12, q($id)));
		# Until the session of the replayer goes quiet, ours is
		# dropped: send it for 3 s.
		for (1 .. 15) {
			\$f->send(q(127.0.0.4), 24, forge::stmts(\$s));
			select(undef, undef, undef, 0.2);
		}
	" &&
	wait_for 10 stat_above 4 key_refused $refused0 &&
	isconf_on n -q cache prune &&
	test "$(cache_field n chunks)" = "$held"
'

test_expect_success 'k2 back: its fresh holdings count again' '
	isconf_on k2 -q start &&
	wait_for 20 cache_json n "\$j->{keepers} == 2 && \$j->{chunks} < $held" &&
	isconf_on n -q verify
'

test_done
