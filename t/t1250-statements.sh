#!/bin/sh
test_description='host-signed statements: hosts shows what a host signed, not what a key holder says in its name'
. "$(dirname "$0")/lib-isconf.sh"

KEY=key-of-the-mesh-0123456789

# forge [BIND [PORT]] PERL: run PERL with $f, a key holder without any
# host key, bound to BIND (127.0.0.9).
forge() {
	_bind=127.0.0.9 _port=0
	if test $# -gt 1; then _bind=$1; shift; fi
	if test $# -gt 1; then _port=$1; shift; fi
	perl -I"$SHARNESS_TEST_SRCDIR" -Mforge -e "
		my \$f = forge->new(key => q($KEY), host => q(forger),
		    bind => q($_bind), port => $_port);
		$1"
}

# hosts_ok HOST EXPR: HOST's hosts --verify --json, with %h by host name,
# satisfies EXPR.
hosts_ok() {
	isconf_on "$1" hosts --verify --json >hj.json &&
	json_eval hj.json "my %h = map { \$_->{host} => \$_ } @{\$j->{hosts}}; $2"
}

# b_hex: the receipt of b that a holds, as hex.
b_hex() {
	isconf_on a hosts --verify --json >bh.json &&
	perl -MJSON::PP -e 'local $/; my $j = JSON::PP->new->decode(<STDIN>);
		for (@{$j->{hosts}}) { print $_->{statement}{hex} if $_->{host} eq "b" }' <bh.json
}

applied_b() {
	hosts_ok a "\$h{b}{receipt} && \$h{b}{applied} == $1"
}

test_expect_success 'setup: a and b with hmac_keys; b applies what a checked in' '
	keyed_mesh a:1 b:2 &&
	isconf_on a -q lock "one" &&
	(cd "$(host_dir a)/root" && isconf_on a -q exec true) &&
	isconf_on a -q ci &&
	wait_head b 3 &&
	isconf_on b -q up &&
	wait_for 10 applied_b 3
'

test_expect_success 'hosts --verify: each row rests on a verified receipt' '
	hosts_ok a "\$h{b}{statement}{verified} &&
		\$h{b}{statement}{kind} eq q(receipt) &&
		\$h{a}{statement}{verified} && \$h{a}{self}" &&
	isconf_on a hosts --verify >v.txt &&
	grep -q "^  receipt [0-9]*\.[0-9]* key [0-9a-f]\{16\}\.\.\.: verified$" v.txt &&
	test $(grep -c ": verified$" v.txt) = 2 &&
	isconf_on a hosts >plain.txt &&
	! grep -q "receipt" plain.txt
'

test_expect_success 'a key holder in b'\''s place cannot change what hosts shows for b' '
	b_hex >good.hex &&
	test -s good.hex &&
	stop_host b &&
	openssl genpkey -algorithm ed25519 -out forger.pem 2>/dev/null &&
	bad0=$(stat_of 1 bad_signature) &&
	forge 127.0.0.2 65027 "
		\$f->confirm(q(127.0.0.1), host => q(b));
		\$f->send(q(127.0.0.1), 1, forge::hello_at(q(generic), 999, 998, 7),
		    host => q(b));
		# b'\''s own receipt with its body changed: the signature fails.
		my \$good = pack(q(H*), \`cat good.hex\`);
		my \$bent = \$good;	# and a later seq, or it is merely stale
		substr(\$bent, 54, 1) = chr(ord(substr(\$bent, 54, 1)) + 1);
		# A receipt under b'\''s name signed with another key.
		my \$other = forge::stmt(kind => 1, issuer => q(b), epoch => 2**40,
		    seq => 1, key => q(forger.pem),
		    body => forge::receipt(q(generic), 999, 998, 7));
		\$f->send(q(127.0.0.1), 24, forge::stmts(\$bent, \$other), host => q(b));
	" &&
	wait_for 10 stat_above 1 bad_signature $bad0 &&
	wait_for 10 hosts_ok a "\$h{b}{key_refused} >= 1" &&
	applied_b 3 &&
	hosts_ok a "!defined \$h{b}{last_failure} && \$h{b}{statement}{verified}" &&
	isconf_on a hosts >h.txt &&
	grep "^b  *generic  *3  *3  *up to date, KEY REFUSED" h.txt &&
	isconf_on a hosts --verify >v.txt &&
	grep -q "^  refused 1 statements signed by key" v.txt
'

test_expect_success 'a replayed older receipt is ignored after a restart' '
	isconf_on b -q start &&
	isconf_on a -q lock "two" &&
	(cd "$(host_dir a)/root" && isconf_on a -q exec true) &&
	isconf_on a -q ci &&
	wait_head b 6 &&
	isconf_on b -q up &&
	wait_for 10 applied_b 6 &&
	stop_host a &&
	isconf_on a -q start &&
	wait_for 10 applied_b 6 &&
	stale0=$(stat_of 1 stale) &&
	forge "
		\$f->confirm(q(127.0.0.1));
		\$f->send(q(127.0.0.1), 24,
		    forge::stmts(pack(q(H*), \`cat good.hex\`)));
	" &&
	wait_for 10 stat_above 1 stale $stale0 &&
	applied_b 6
'

test_expect_success 'a statement relayed by a third party counts as its issuer signed it' '
	b_hex >four.hex &&
	stop_host b &&
	isconf_on a hosts --unpin b >out &&
	grep "b: pinned key forgotten" out &&
	hosts_ok a "!\$h{b}{receipt} && !defined \$h{b}{statement}" &&
	forge "
		\$f->confirm(q(127.0.0.1));
		\$f->send(q(127.0.0.1), 24,
		    forge::stmts(pack(q(H*), \`cat four.hex\`)));
	" &&
	wait_for 10 applied_b 6
'

test_expect_success 'a pinned name refuses a new key until unpinned (re-keying)' '
	rm "$(host_home b)/conf/host.key" "$(host_home b)/conf/host.pub" &&
	isconf_on b -q start &&
	wait_for 10 hosts_ok a "\$h{b}{key_refused} >= 1" &&
	hosts_ok a "\$h{b}{statement}{key} ne q($(cat "$(host_home b)/conf/host.pub"))" &&
	isconf_on a hosts --unpin b &&
	wait_for 10 hosts_ok a "\$h{b}{receipt} && \$h{b}{key_refused} == 0 &&
		\$h{b}{statement}{key} eq q($(cat "$(host_home b)/conf/host.pub"))"
'

test_expect_success 'with trusted_keys, only the keys listed there count' '
	cp "$(host_home a)/conf/host.pub" "$(host_home a)/conf/trusted_keys" &&
	untrusted0=$(stat_of 1 untrusted) &&
	isconf_on a -q hosts --unpin b &&
	wait_for 10 stat_above 1 untrusted $untrusted0 &&
	hosts_ok a "!\$h{b}{receipt}" &&
	cat "$(host_home b)/conf/host.pub" >>"$(host_home a)/conf/trusted_keys" &&
	wait_for 10 applied_b 6
'

test_expect_success 'hosts --unpin: usage' '
	expect_code 22 isconf_on a hosts --unpin &&
	expect_code 22 isconf_on a hosts --nosuch
'

test_done
