#!/bin/sh
test_description='cache keepers hold everything; other hosts prune only what enough verified, reachable, trusted keepers hold (issue 23)'
. "$(dirname "$0")/lib-isconf.sh"

KEY=key-of-the-mesh-0123456789
HOSTS="a:1 k1:2 k2:3 n:4 m:5"
A=$(host_dir a)/root

. "$SHARNESS_TEST_SRCDIR/lib-keepers.sh"

# version N: check in a new 600 kB version of /f on a (3 entries).
version() {
	check_in $1 600000 && cp "$A/f" v$1
}
# forge PERL: run PERL with $f, a key holder calling itself k2 without
# k2's host key.
forge() {
	forge_as "$1" "$2"
}
# trust HOST...: n trusts (conf/trusted_keys) the keys of HOST... only.
trust() {
	for _h in "$@"; do cat "$(host_home $_h)/conf/host.pub" || return 1; done \
	    >"$(host_home n)/conf/trusted_keys"
}
# The id of entry SEQ of generic on HOST, in hex.
entry_id() {
	sqlite3 "$(host_home $1)/journal.db" \
	    "SELECT lower(hex(id)) FROM entries WHERE branch = 'generic' AND seq = $2"
}

# n lists the keys of the hosts in trusted_keys (k2's once it has one):
# only keepers listed there count (t2620 has the other ways).
test_expect_success 'setup: an origin, a keeper and a starved host; three versions' '
	lay_out a 1 && lay_out k1 2 IS_CACHE_KEEP=1 &&
	lay_out k2 3 IS_CACHE_KEEP=1 && lay_out n 4 && lay_out m 5 &&
	isconf_on a -q start && isconf_on k1 -q start && isconf_on n -q start &&
	trust a k1 n &&
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
	isconf_on k2 -q start && trust a k1 k2 n &&
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

# k2 counts until its last holdings expire (12 gossip ticks): version 4
# comes after, else n prunes version 3's chunks with k2 still counted
# and nothing is left for test 7 to see pruned (CI, once).
test_expect_success 'a stopped keeper no longer counts: pruning stops' '
	stop_host k2 &&
	wait_for 20 cache_json n "\$j->{keepers} == 1" &&
	version 4 && wait_head n 12 && isconf_on n -q up &&
	cmp v4 "$(host_dir n)/root/f" &&
	cache_json n "\$j->{keepers} == 1" &&
	held=$(cache_field n chunks) &&
	isconf_on n -q cache prune &&
	test "$(cache_field n chunks)" = "$held" &&
	cache_json n "\$j->{prunable_chunks} == 0"
'

test_expect_success 'a key holder posing as keeper k2 (a key not listed) cannot make a host prune' '
	openssl genpkey -algorithm ed25519 -out forger.pem 2>/dev/null &&
	id=$(entry_id a 12) && test -n "$id" &&
	untrusted0=$(stat_of 4 untrusted) &&
	forge k2 "
		\$f->confirm(q(127.0.0.4));
		my \$s = forge::stmt(kind => 5, issuer => q(k2), epoch => 2**40,
		    seq => 1, key => q(forger.pem),
		    body => forge::holdings(q(generic), 12, q($id)));
		\$f->send(q(127.0.0.4), 24, forge::stmts(\$s));
	" &&
	wait_for 10 stat_above 4 untrusted $untrusted0 &&
	isconf_on n -q cache prune &&
	test "$(cache_field n chunks)" = "$held"
'

test_expect_success 'a keeper taken out of trusted_keys does not count' '
	trust a k1 n &&
	untrusted0=$(stat_of 4 untrusted) &&
	isconf_on k2 -q start &&
	wait_for 20 stat_above 4 untrusted $untrusted0 &&
	isconf_on n -q cache prune &&
	test "$(cache_field n chunks)" = "$held" &&
	cache_json n "\$j->{keepers} == 1 && \$j->{prune_off} eq q(keepers)"
'

test_expect_success 'k2 listed again: pruning resumes' '
	trust a k1 k2 n &&
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
