#!/bin/sh
test_description='hold: a signed statement stops every host'\''s up before its next transaction until released (issue 25)'
. "$(dirname "$0")/lib-isconf.sh"

KEY=key-of-the-mesh-0123456789

# forge PERL: run PERL with $f, a key holder without any host key.
forge() {
	forge_as forger "$1"
}
stat_of() {
	curl -s "http://127.0.0.$1:65028/metrics" |
	    sed -n "s/^isconf_statements_total{result=\"$2\"} //p"
}
stat_above() {
	test "$(stat_of $1 $2)" -gt "$3"
}

test_expect_success 'setup: three hosts; a checks in a transaction' '
	keyed_mesh a:1 b:2 c:3 &&
	for h in a b c; do wait_for 10 peers_known $h 2 || return 1; done &&
	isconf_on a -q lock "one" &&
	(cd "$(host_dir a)/root" && isconf_on a -q exec touch one) &&
	isconf_on a -q ci &&
	wait_head b 3 && wait_head c 3
'

test_expect_success 'a hold on b stops up on every host' '
	isconf_on b hold "web3 fails: looking" >out &&
	echo "isconf: generic held: every host'\''s up stops before its next transaction until '\''isconf release'\''" >expect &&
	test_cmp expect out &&
	for h in a b c; do
		wait_for 10 status_has $h "^hold: *HELD by .*@b since .*: web3 fails: looking" || return 1
	done &&
	expect_code 224 isconf_on c up &&
	head -1 err >actual &&
	grep "^isconf: error: generic is held by .*@b since .*: web3 fails: looking$" actual &&
	test "$(status_field c applied)" = 0 &&
	status_has c "^last up: .*held at entry 1" &&
	expect_code 224 isconf_on b up &&
	status_json c "\$j->{hold}{host} eq q(b) && \$j->{hold}{message} eq q(web3 fails: looking) && \$j->{last_up}{result} eq q(held)"
'

test_expect_success 'a release forged in b'\''s name has no effect' '
	openssl genpkey -algorithm ed25519 -out forger.pem 2>/dev/null &&
	refused0=$(stat_of 3 key_refused) &&
	forge "
		\$f->confirm(q(127.0.0.3));
		my \$body = forge::str(q(generic)) . chr(0) . forge::str(q(root)) .
		    forge::str(q(forged)) . forge::u64((time + 3600) * 1000);
		my \$rel = forge::stmt(kind => 6, issuer => q(b), epoch => 2**40,
		    seq => 1, key => q(forger.pem), body => \$body);
		\$f->send(q(127.0.0.3), 24, forge::stmts(\$rel));
	" &&
	wait_for 10 stat_above 3 key_refused $refused0 &&
	status_has c "^hold: *HELD by .*@b" &&
	expect_code 224 isconf_on c up
'

test_expect_success 'a release on any host lets up go on everywhere' '
	isconf_on a release >out &&
	echo "isconf: generic released" >expect &&
	test_cmp expect out &&
	wait_for 10 eval "! status_has c \"^hold:\"" &&
	isconf_on c -q up &&
	test "$(status_field c applied)" = 3 &&
	test -f "$(host_dir c)/root/one" &&
	wait_for 10 eval "! status_has b \"^hold:\"" &&
	isconf_on b -q up
'

test_expect_success 'a host that was down learns the hold when it comes back' '
	stop_host c &&
	isconf_on a -q hold "second look" &&
	wait_for 10 status_has b "^hold: *HELD" &&
	isconf_on c -q start &&
	{ wait_for 10 status_has c "^hold: *HELD by .*@a since .*: second look" || { status_on c; false; }; } &&
	isconf_on a -q release &&
	wait_for 10 eval "! status_has c \"^hold:\""
'

# With trusted_keys on a and b listing their two keys, c (no such file:
# it trusts every key, and so may hold) is not trusted there: a and b
# neither serve it entries nor believe its statements, a hold or a
# release among them.
test_expect_success 'with trusted_keys, a hold of an untrusted host stops no other host' '
	for h in a b; do
		cat "$(host_home a)/conf/host.pub" "$(host_home b)/conf/host.pub" \
		    >"$(host_home $h)/conf/trusted_keys" || return 1
	done &&
	isconf_on a -q up &&
	isconf_on a -q lock "two" &&
	(cd "$(host_dir a)/root" && isconf_on a -q exec touch two) &&
	isconf_on a -q ci &&
	wait_head b 6 &&
	untrusted0=$(stat_of 2 untrusted) &&
	isconf_on c -q hold "not trusted there" &&
	status_has c "^hold: *HELD by .*@c since .*: not trusted there" &&
	wait_for 10 stat_above 2 untrusted $untrusted0 &&
	! status_has b "^hold:" && ! status_has a "^hold:" &&
	isconf_on b -q up &&
	test "$(status_field b applied)" = 6
'

test_expect_success 'a trusted host'\''s hold stops up; an untrusted release does not end it' '
	isconf_on a -q up &&
	isconf_on a -q lock "three" &&
	(cd "$(host_dir a)/root" && isconf_on a -q exec touch three) &&
	isconf_on a -q ci &&
	wait_head b 9 &&
	isconf_on a -q hold "trusted hold" &&
	wait_for 10 status_has b "^hold: *HELD by .*@a since .*: trusted hold" &&
	expect_code 224 isconf_on b up &&
	wait_for 10 status_has c "^hold: *HELD by .*@a" &&
	untrusted0=$(stat_of 2 untrusted) &&
	isconf_on c -q release &&
	! status_has c "^hold:" &&
	wait_for 10 stat_above 2 untrusted $untrusted0 &&
	status_has b "^hold: *HELD by .*@a since .*: trusted hold" &&
	expect_code 224 isconf_on b up &&
	test "$(status_field b applied)" = 6 &&
	isconf_on a -q release &&
	wait_for 10 eval "! status_has b \"^hold:\"" &&
	isconf_on b -q up &&
	test "$(status_field b applied)" = 9
'

# holds_stored HOST: the bytes of the holds list HOST keeps on disk
# (a row a statement, holds:ISSUER:BRANCH).
holds_stored() {
	sqlite3 "$(host_dir $1)/home/journal.db" \
	    "SELECT sum(length(value)) FROM state WHERE key LIKE 'holds:%'"
}

test_expect_success 'holds kept here that cannot be read: up waits for them, nothing stored is lost' '
	isconf_on a -q lock "four" &&
	(cd "$(host_dir a)/root" && isconf_on a -q exec touch four) &&
	isconf_on a -q ci &&
	wait_head b 12 &&
	stored=$(holds_stored b) && test "$stored" -gt 0 &&
	stop_host b &&
	echo "ISCONF_FAULT=stmtlist-read:holds; export ISCONF_FAULT" \
	    >>"$(host_dir b)/env" &&
	isconf_on b -q start &&
	expect_code 224 isconf_on b up &&
	grep "^isconf: error: cannot tell whether generic is held: the holds kept here cannot be read (reading the state: disk I/O error (fault))" err &&
	test "$(status_field b applied)" = 9 &&
	isconf_on a -q hold "while b cannot read" &&
	wait_for 10 eval "grep -q \"holds: not stored: the stored list could not be read\" \"\$(host_dir b)/isconfd.log\"" &&
	test "$(holds_stored b)" = "$stored" &&
	isconf_on a -q release &&
	stop_host b &&
	sed -i "/^ISCONF_FAULT=/d" "$(host_dir b)/env" &&
	isconf_on b -q start &&
	wait_for 10 eval "! status_has b \"^hold:\"" &&
	isconf_on b -q up &&
	test "$(status_field b applied)" = 12
'

test_done
