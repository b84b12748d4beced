#!/bin/sh
test_description='cache keepers hold everything; other hosts prune only what enough verified, reachable keepers hold (issue 23)'
. "$(dirname "$0")/lib-isconf.sh"

KEY=key-of-the-mesh-0123456789
HOSTS="a:1 k1:2 k2:3 n:4 m:5"
A=$(host_dir a)/root

. "$SHARNESS_TEST_SRCDIR/lib-keepers.sh"

# version N: check in a new 600 kB version of /f on a (3 entries).
version() {
	head -c 600000 /dev/urandom >"$A/f" && cp "$A/f" v$1 &&
	isconf_on a -q lock "v$1" && isconf_on a -q snap "$A/f" &&
	isconf_on a -q ci
}
stat_of() {
	curl -s "http://127.0.0.$1:65028/metrics" |
	    sed -n "s/^isconf_statements_total{result=\"$2\"} //p"
}
stat_above() {
	test "$(stat_of $1 $2)" -gt "$3"
}
# forge PERL: run PERL with $f, a key holder calling itself k2 without
# k2's host key.
forge() {
	perl -I"$SHARNESS_TEST_SRCDIR" -Mforge -e "
		my \$f = forge->new(key => q($KEY), host => q($1),
		    bind => q(127.0.0.9), port => 0);
		$2"
}
# The id of entry SEQ of generic on HOST, in hex.
entry_id() {
	sqlite3 "$(host_home $1)/journal.db" \
	    "SELECT lower(hex(id)) FROM entries WHERE branch = 'generic' AND seq = $2"
}

test_expect_success 'setup: an origin, a keeper and a starved host; three versions' '
	lay_out a 1 && lay_out k1 2 IS_CACHE_KEEP=1 &&
	lay_out k2 3 IS_CACHE_KEEP=1 && lay_out n 4 && lay_out m 5 &&
	isconf_on a -q start && isconf_on k1 -q start && isconf_on n -q start &&
	wait_for 10 peers_known n 2 &&
	version 1 && version 2 && version 3 &&
	wait_head n 9 && isconf_on n -q up &&
	cmp v3 "$(host_dir n)/root/f" &&
	wait_for 10 cache_json n "\$j->{keepers} == 1"
'

test_expect_success 'one keeper is not enough: nothing is pruned' '
	cache_json n "\$j->{prunable_chunks} == 0 && \$j->{missing_chunks} == 0 && !\$j->{keeper}" &&
	held=$(cache_field n chunks) &&
	isconf_on n cache prune >out &&
	grep "^keepers: *1 reachable with verified holdings (2 needed to prune)" out &&
	test "$(cache_field n chunks)" = "$held" &&
	cache_json k1 "\$j->{keeper} && \$j->{chunks} == $held"
'

test_expect_success 'with a second keeper, the starved host prunes what it no longer needs' '
	isconf_on k2 -q start &&
	wait_for 20 cache_json n "\$j->{keepers} == 2 && \$j->{chunks} < $held" &&
	cache_json n "\$j->{prunable_chunks} == 0 && \$j->{missing_chunks} == 0" &&
	isconf_on n -q verify &&
	cache_json k1 "\$j->{chunks} == $held" &&
	wait_for 20 cache_json k2 "\$j->{chunks} == $held" &&
	disk=$(du -B1 "$(host_home n)/cache.pack" | cut -f1) &&
	test "$disk" -le 1300000 &&
	curl -s http://127.0.0.4:65028/metrics >metrics &&
	grep "^isconf_cache_keepers 2$" metrics &&
	grep "^isconf_cache_pruned_total{unit=\"chunks\"} [1-9]" metrics
'

test_expect_success 'a stopped keeper no longer counts: pruning stops' '
	stop_host k2 &&
	version 4 && wait_head n 12 && isconf_on n -q up &&
	cmp v4 "$(host_dir n)/root/f" &&
	wait_for 20 cache_json n "\$j->{keepers} == 1" &&
	held=$(cache_field n chunks) &&
	isconf_on n -q cache prune &&
	test "$(cache_field n chunks)" = "$held" &&
	cache_json n "\$j->{prunable_chunks} == 0"
'

test_expect_success 'a key holder posing as keeper k2 (not its key) cannot make a host prune' '
	openssl genpkey -algorithm ed25519 -out forger.pem 2>/dev/null &&
	id=$(entry_id a 12) && test -n "$id" &&
	refused0=$(stat_of 4 key_refused) &&
	forge k2 "
		\$f->confirm(q(127.0.0.4));
		my \$body = forge::str(q(generic)) . forge::u64(12) . pack(q(H*), q($id));
		my \$s = forge::stmt(kind => 5, issuer => q(k2), epoch => 2**40,
		    seq => 1, key => q(forger.pem), body => \$body);
		\$f->send(q(127.0.0.4), 24, forge::stmts(\$s));
	" &&
	wait_for 10 stat_above 4 key_refused $refused0 &&
	isconf_on n -q cache prune &&
	test "$(cache_field n chunks)" = "$held"
'

test_expect_success 'with trusted_keys, a keeper whose key is not listed does not count' '
	for h in a k1 n; do cat "$(host_home $h)/conf/host.pub"; done \
	    >"$(host_home n)/conf/trusted_keys" &&
	untrusted0=$(stat_of 4 untrusted) &&
	id=$(entry_id a 12) &&
	forge k3 "
		\$f->confirm(q(127.0.0.4));
		my \$body = forge::str(q(generic)) . forge::u64(12) . pack(q(H*), q($id));
		my \$s = forge::stmt(kind => 5, issuer => q(k3), epoch => 2**40,
		    seq => 1, key => q(forger.pem), body => \$body);
		\$f->send(q(127.0.0.4), 24, forge::stmts(\$s));
	" &&
	wait_for 10 stat_above 4 untrusted $untrusted0 &&
	isconf_on n -q cache prune &&
	test "$(cache_field n chunks)" = "$held" &&
	rm "$(host_home n)/conf/trusted_keys"
'

test_expect_success 'k2 back: pruning resumes' '
	isconf_on k2 -q start &&
	wait_for 20 cache_json n "\$j->{keepers} == 2 && \$j->{chunks} < $held" &&
	isconf_on n -q verify
'

test_expect_success 'bundle create on a starved host refuses, naming what is missing, when no keeper is up' '
	stop_host k1 && stop_host k2 && stop_host a &&
	expect_code 1 isconf_on n bundle create "$PWD/n.bundle" &&
	{ grep "^isconf: error: bundle create .*: [0-9]* chunks ([0-9]* bytes) of generic are not in this host.s cache and no peer sent them (the first: /f, entry 2)$" err || { cat err >&2; false; }; } &&
	! test -e n.bundle
'

test_expect_success 'a new host replays everything from the keepers while the origin is down' '
	isconf_on k1 -q start && isconf_on k2 -q start &&
	isconf_on m -q start &&
	wait_head m 12 && isconf_on m up &&
	cmp v4 "$(host_dir m)/root/f"
'

test_expect_success 'bundle create on a starved host fetches what it lacks from the keepers' '
	isconf_on n bundle create "$PWD/n.bundle" >out 2>&1 &&
	grep "wrote bundle $PWD/n.bundle: branch generic, 12 entries" out &&
	lay_out b 6 && isconf_on b -q start &&
	isconf_on b -q bundle apply "$PWD/n.bundle" &&
	isconf_on b -q stop
'

test_expect_success 'isconf cache: usage, and a keeper does not prune' '
	expect_code 2 isconf_on n cache nosuch &&
	expect_code 1 isconf_on k1 cache prune &&
	grep "cache prune refused: this host is a keeper" err
'

test_done
