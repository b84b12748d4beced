#!/bin/sh
test_description='the lock on host-signed statements: a key holder cannot claim, take or release a lock in another host'\''s name'
. "$(dirname "$0")/lib-isconf.sh"

KEY=key-of-the-mesh-0123456789

# forge [BIND PORT] PERL: run PERL with $f, a key holder without any
# host key (forger.pem is a key of its own), bound to BIND (127.0.0.9).
forge() {
	_bind=127.0.0.9 _port=0
	if test $# -gt 1; then _bind=$1 _port=$2; shift 2; fi
	perl -I"$SHARNESS_TEST_SRCDIR" -Mforge -e "
		my \$f = forge->new(key => q($KEY), host => q(forger),
		    bind => q($_bind), port => $_port);
		sub signed {
			my (\$kind, \$issuer, \$body) = @_;
			return forge::stmt(kind => \$kind, issuer => \$issuer,
			    epoch => 2**40, seq => 1, key => q(forger.pem),
			    body => \$body);
		}
		$1"
}

# held_of HOST: the held statement of the lock HOST knows on generic,
# as hex (the journal's state).
held_of() {
	sqlite3 "$(host_home $1)/journal.db" \
	    "SELECT value FROM state WHERE key = 'lock:generic:held'" |
	    tr -d "\n"
}

test_expect_success 'setup: a and b with hmac_keys; b has pinned a'\''s key' '
	keyed_mesh a:1 b:2 &&
	openssl genpkey -algorithm ed25519 -out forger.pem 2>/dev/null &&
	isconf_on a -q lock "first" &&
	wait_for 10 status_has b "held by .*@a" &&
	isconf_on a -q unlock &&
	wait_for 10 status_has b "^lock: *none" &&
	grep -q "statements: a.s key [0-9a-f]*\.\.\. pinned" "$(host_dir b)/isconfd.log"
'

test_expect_success 'a key holder cannot claim a lock in a'\''s name' '
	stop_host a &&
	refused0=$(stat_of 2 key_refused) wrong0=$(stat_of 2 wrong_issuer) &&
	forge 127.0.0.1 65027 "
		\$f->confirm(q(127.0.0.2), host => q(a));
		my \$c = forge::claim_body(q(generic), 99, 0, q(eve), q(forged),
		    time);
		# As claims were before statements: unsigned.
		\$f->send(q(127.0.0.2), 2, \$c, host => q(a));
		# Signed in a'\''s name with another key.
		\$f->send(q(127.0.0.2), 2, forge::str(signed(2, q(a), \$c)),
		    host => q(a));
		# Signed by the forger as itself, sent as a'\''s.
		\$f->send(q(127.0.0.2), 2, forge::str(signed(2, q(forger), \$c)),
		    host => q(a));
		my (\$n, \$end) = (0, time + 3);
		while (time < \$end) {
			my (\$type) = \$f->recv_dgram or last;
			\$n++ if \$type == 3 || \$type == 4;
		}
		print qq(answers: \$n\n);
	" >actual &&
	echo "answers: 0" >expect &&
	test_cmp expect actual &&
	wait_for 10 stat_above 2 key_refused $refused0 &&
	wait_for 10 stat_above 2 wrong_issuer $wrong0 &&
	curl -s http://127.0.0.2:65028/metrics |
	    grep "^isconf_statements_total{result=\"wrong_issuer\"} [1-9]"
'

test_expect_success 'a key holder cannot take a lock in a'\''s name' '
	refused0=$(stat_of 2 key_refused) &&
	forge 127.0.0.1 65027 "
		\$f->confirm(q(127.0.0.2), host => q(a));
		my \$h = forge::held_body(q(generic), 99, q(eve), q(forged), time);
		\$f->send(q(127.0.0.2), 5, forge::str(q(generic)) .
		    forge::str(q(a)) . forge::str(q(eve)) . forge::str(q(forged)) .
		    forge::u64(time), host => q(a));
		\$f->send(q(127.0.0.2), 5, forge::str(signed(3, q(a), \$h)),
		    host => q(a));
		\$f->send(q(127.0.0.2), 1, forge::hello(q(generic),
		    signed(3, q(a), \$h)), host => q(a));
	" &&
	wait_for 10 stat_above 2 key_refused $((refused0 + 1)) &&
	status_has b "^lock: *none"
'

test_expect_success 'a key holder cannot release a'\''s lock' '
	isconf_on a -q start &&
	wait_for 10 peers_known b 1 &&
	isconf_on a -q lock "kept" &&
	wait_for 10 status_has b "held by .*@a" &&
	stop_host a &&
	refused0=$(stat_of 2 key_refused) &&
	forge 127.0.0.1 65027 "
		\$f->confirm(q(127.0.0.2), host => q(a));
		# a'\''s hello saying it holds nothing.
		\$f->send(q(127.0.0.2), 1, forge::hello(q(generic)), host => q(a));
		# The release as it was before statements.
		\$f->send(q(127.0.0.2), 6, forge::str(q(generic)) . forge::str(q(a)),
		    host => q(a));
		# Signed in a'\''s name with another key.
		\$f->send(q(127.0.0.2), 6, forge::str(signed(4, q(a),
		    forge::release_body(q(generic), 99, q(a), 2**41, 1))),
		    host => q(a));
	" &&
	wait_for 10 stat_above 2 key_refused $refused0 &&
	status_has b "held by .*@a" &&
	isconf_on a -q start &&
	isconf_on a -q unlock &&
	wait_for 10 status_has b "^lock: *none"
'

test_expect_success 'with trusted_keys, a host key not listed cannot break a lock' '
	cat "$(host_home a)/conf/host.pub" "$(host_home b)/conf/host.pub" \
	    >"$(host_home b)/conf/trusted_keys" &&
	isconf_on a -q lock "kept too" &&
	wait_for 10 status_has b "held by .*@a" &&
	untrusted0=$(stat_of 2 untrusted) &&
	forge "
		\$f->confirm(q(127.0.0.2));
		\$f->send(q(127.0.0.2), 6, forge::str(signed(4, q(forger),
		    forge::release_body(q(generic), 99, q(a), 2**41, 1))));
	" &&
	wait_for 10 stat_above 2 untrusted $untrusted0 &&
	status_has b "held by .*@a" &&
	isconf_on a -q unlock &&
	wait_for 10 status_has b "^lock: *none" &&
	rm "$(host_home b)/conf/trusted_keys"
'

test_expect_success 'a replayed older lock statement is ignored after a restart' '
	isconf_on a -q lock "replay me" &&
	wait_for 10 status_has b "held by .*@a" &&
	held_of b >held.hex &&
	test -s held.hex &&
	isconf_on a -q unlock &&
	wait_for 10 status_has b "^lock: *none" &&
	stop_host b && isconf_on b -q start &&
	stale0=$(stat_of 2 stale) &&
	forge "
		\$f->confirm(q(127.0.0.2));
		my \$held = pack(q(H*), \`cat held.hex\`);
		# The lock news as it was before statements.
		\$f->send(q(127.0.0.2), 5, forge::str(q(generic)) .
		    forge::str(q(a)) . forge::str(q(eve)) . forge::str(q(again)) .
		    forge::u64(time));
		# A hello listing it: b sends back the release it keeps,
		# as a signed it.
		\$f->send(q(127.0.0.2), 1, forge::hello(q(generic), \$held));
		my (\$got, \$end) = (q(no release), time + 3);
		while (time < \$end) {
			my (\$type, \$body) = \$f->recv_dgram or last;
			next unless \$type == 6;
			\$got = q(a release) if index(\$body, q(generic)) >= 0;
			last;
		}
		print qq(\$got\n);
		# Last: once b counts it stale, it has read the others.
		\$f->send(q(127.0.0.2), 5, forge::str(\$held));
	" >actual &&
	echo "a release" >expect &&
	test_cmp expect actual &&
	wait_for 10 stat_above 2 stale $stale0 &&
	status_has b "^lock: *none" &&
	isconf_on b -q lock "b can lock" && isconf_on b -q unlock
'

test_done
