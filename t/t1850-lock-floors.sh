#!/bin/sh
test_description='a key holder making up issuers of lock statements cannot grow the journal'\''s state: the lock floor table is bounded (review)'
. "$(dirname "$0")/lib-isconf.sh"

KEY=key-of-the-mesh-0123456789

# forge PERL: run PERL with $f, a key holder without any host key.
forge() {
	forge_as forger "$1"
}
# releases FIRST LAST: send b the release of a lock on generic (which
# none holds) by made-up-FIRST .. made-up-LAST, each signed with a key
# of its own name's: believed, as any name's first statement is.
releases() {
	forge "
		\$f->confirm(q(127.0.0.2));
		for my \$i ($1 .. $2) {
			my \$s = forge::stmt(kind => 4, issuer => qq(made-up-\$i),
			    epoch => 2**40, seq => 1, key => q(forger.pem),
			    body => forge::release_body(q(generic), 1, qq(made-up-\$i),
			    2**40, 1));
			\$f->send(q(127.0.0.2), 6, forge::str(\$s));
		}
	"
}
# floors HOST / pins HOST: the issuers whose lock floor, or key, HOST
# keeps in its journal's state.
floors() {
	sqlite3 "$(host_home $1)/journal.db" "SELECT key FROM state WHERE
	    key LIKE 'lockfloor:%' ORDER BY key" | sed "s/^lockfloor://"
}
pins() {
	sqlite3 "$(host_home $1)/journal.db" \
	    "SELECT key FROM state WHERE key LIKE 'pin:made-up%' ORDER BY key"
}
metric() {
	curl -s "http://127.0.0.$1:65028/metrics" | sed -n "s/^$2 //p"
}
metric_is() {
	test "$(metric $1 $2)" = "$3"
}
lock_unlock() {
	isconf_on $1 -q lock "floor of $1" &&
	wait_for 10 status_has b "held by .*@$1" &&
	isconf_on $1 -q unlock &&
	wait_for 10 status_has b "^lock: *none"
}

test_expect_success 'setup: a, b, c; b keeps the floors of 2 issuers at most' '
	keyed_mesh a:1 b:2 c:3 &&
	stop_host b &&
	echo "ISCONF_LOCK_FLOORS_MAX=2; export ISCONF_LOCK_FLOORS_MAX" \
	    >>"$(host_dir b)/env" &&
	isconf_on b -q start &&
	wait_for 10 peers_known b 2 &&
	openssl genpkey -algorithm ed25519 -out forger.pem 2>/dev/null &&
	lock_unlock a &&
	echo a >expect &&
	floors b >actual &&
	test_cmp expect actual
'

# Before, each made-up name left a floor row and a pinned key, kept for
# ever.
test_expect_success 'made-up issuers of lock statements push out only each other and pin nothing' '
	accepted0=$(stat_of 2 accepted) &&
	releases 1 6 &&
	wait_for 10 stat_above 2 accepted $((${accepted0:-0} + 5)) &&
	printf "%s\n" a made-up-6 >expect &&
	floors b >actual &&
	test_cmp expect actual &&
	pins b >actual &&
	test_must_be_empty actual &&
	metric_is 2 isconf_lock_floors 2 &&
	metric_is 2 isconf_lock_floors_evicted_total 5
'

test_expect_success 'a peer new to a full table pushes out a made-up issuer' '
	lock_unlock c &&
	printf "%s\n" a c >expect &&
	floors b >actual &&
	test_cmp expect actual
'

test_expect_success 'a table full of peers refuses a made-up issuer, and says so' '
	full0=$(stat_of 2 list_full) &&
	releases 7 7 &&
	wait_for 10 stat_above 2 list_full ${full0:-0} &&
	printf "%s\n" a c >expect &&
	floors b >actual &&
	test_cmp expect actual &&
	grep "the lock floor table is full (2 issuers, each a peer)" \
	    "$(host_dir b)/isconfd.log"
'

test_expect_success 'the floors are read back after a restart: still 2' '
	stop_host b && isconf_on b -q start &&
	lock_unlock a &&
	metric_is 2 isconf_lock_floors 2 &&
	printf "%s\n" a c >expect &&
	floors b >actual &&
	test_cmp expect actual
'

test_done
