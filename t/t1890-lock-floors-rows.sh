#!/bin/sh
test_description='the lock floors are read from rows of their own, not with every receipt; an older daemon'\''s floor still holds (review)'
. "$(dirname "$0")/lib-isconf.sh"

KEY=key-of-the-mesh-0123456789

# release ISSUER SEQ: forge, as a key holder signing as ISSUER, the
# release at (2^40, SEQ) of a lock on generic (which none holds), to b.
release() {
	forge_as forger "
		\$f->confirm(q(127.0.0.2));
		my \$s = forge::stmt(kind => 4, issuer => q($1),
		    epoch => 2**40, seq => $2, key => q(forger.pem),
		    body => forge::release_body(q(generic), 1, q($1), 2**40, 1));
		\$f->send(q(127.0.0.2), 6, forge::str(\$s));
	"
}
state_b() {
	sqlite3 "$(host_home b)/journal.db" "$1"
}

test_expect_success 'setup: a and b; b keeps 100 receipts of hosts long gone and an older daemon'\''s floor of old-x at (2^40, 5)' '
	keyed_mesh a:1 b:2 &&
	wait_for 10 peers_known b 1 &&
	openssl genpkey -algorithm ed25519 -out forger.pem 2>/dev/null &&
	stop_host b &&
	for i in $(seq 1 100); do
		echo "INSERT INTO state(key, value) VALUES (\"stmt:gone-$i:receipt\", \"00\");"
	done >rows.sql &&
	echo "INSERT INTO state(key, value) VALUES (\"stmt:old-x:lock\", \"1099511627776 5 1\");" >>rows.sql &&
	state_b ".read rows.sql" &&
	isconf_on b -q start
'

# Before, the floors were read from every "stmt:" row: receipts, as
# many as a key holder's made-up peers ever left, each allocated for.
test_expect_success 'loading the floors reads none of the receipts' '
	accepted0=$(stat_of 2 accepted) &&
	release new-y 1 &&
	wait_for 10 stat_above 2 accepted ${accepted0:-0} &&
	grep "lock: the floor table read from [0-9]* rows" "$(host_dir b)/isconfd.log" >log &&
	n=$(sed -n "s/.*read from \([0-9]*\) rows.*/\1/p" log) &&
	test "$n" -lt 100
'

test_expect_success 'the older daemon'\''s floor still refuses an older statement' '
	stale0=$(stat_of 2 stale) &&
	release old-x 4 &&
	wait_for 10 stat_above 2 stale ${stale0:-0}
'

test_expect_success 'risen past, it is kept as a row of its own; the old row is gone' '
	accepted0=$(stat_of 2 accepted) &&
	release old-x 6 &&
	wait_for 10 stat_above 2 accepted ${accepted0:-0} &&
	echo "1099511627776 6" >expect &&
	state_b "SELECT value FROM state WHERE key = \"lockfloor:old-x\"" |
	    cut -d" " -f1,2 >actual &&
	test_cmp expect actual &&
	state_b "SELECT key FROM state WHERE key = \"stmt:old-x:lock\"" >actual &&
	test_must_be_empty actual
'

test_expect_success 'after a restart, that floor refuses what it rose past' '
	stop_host b && isconf_on b -q start &&
	stale0=$(stat_of 2 stale) &&
	release old-x 5 &&
	wait_for 10 stat_above 2 stale ${stale0:-0}
'

test_done
