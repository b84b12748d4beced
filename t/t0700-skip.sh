#!/bin/sh
test_description='skip: an entry that fails on every target is skipped in journal order (issue 16)'
. "$(dirname "$0")/lib-isconf.sh"

A=$(host_dir a)/root
B=$(host_dir b)/root
C=$(host_dir c)/root
D=$(host_dir d)/root

test_expect_success 'setup: three hosts' '
	mesh a:1 b:2 c:3 &&
	for h in a b c; do wait_for 10 peers_known $h 2 || return 1; done
'

# Entries 1 lock, 2 exec (needs a file only a has), 3 ci.
test_expect_success 'an exec that succeeds on its origin only' '
	: >"$A/only-on-origin" &&
	isconf_on a -q lock "needs a file" &&
	(cd "$A" && isconf_on a -q exec test -f only-on-origin) &&
	isconf_on a -q ci &&
	wait_head b 3 && wait_head c 3
'

test_expect_success 'it fails on a target; up says how to recover' '
	expect_code 1 isconf_on b up &&
	cat >expect <<-\EOF &&
	isconf: error: entry 2 (exec test -f only-on-origin) failed: exit status 1; stopping here
	isconf: fix the cause and run '\''isconf up'\'' again, or skip entry 2 from a host of generic: isconf lock --skip 2 MESSAGE, the fix, isconf ci (isconf(8): RECOVERING FROM A BAD CHANGE)
	EOF
	test_cmp expect err
'

test_expect_success 'the stuck host may not open an ordinary transaction' '
	expect_code 1 isconf_on b lock "plain" &&
	echo "isconf: error: this host has applied 1 of the 3 entries of generic: run '\''isconf up'\'' before locking" >expect &&
	test_cmp expect err &&
	expect_code 1 isconf_on b lock --skip 3 "the ci" &&
	echo "isconf: error: lock --skip refused: entry 3 is a ci entry: only snap, exec and reboot entries can be skipped" >expect &&
	test_cmp expect err &&
	expect_code 22 isconf_on b lock --skip &&
	echo "isconf: error: usage: isconf lock [--skip SEQ] MESSAGE..." >expect &&
	test_cmp expect err &&
	expect_code 222 isconf_on b lock --skip 2 &&
	echo "isconf: error: lock needs a message: isconf lock MESSAGE..." >expect &&
	test_cmp expect err &&
	status_has b "^lock: *none"
'

# Entries 4 lock, 5 skip of 2, 6 exec (the fix), 7 ci, made on b.
test_expect_success 'the stuck host skips the entry it is stuck at, with the fix' '
	isconf_on b lock --skip 2 "skip the check; make the file instead" >out &&
	echo "isconf: locked generic: skip the check; make the file instead" >expect &&
	test_cmp expect out &&
	wait_for 10 status_has a "held by .*@b" &&
	(cd "$B" && isconf_on b -q exec touch only-on-origin) &&
	isconf_on b ci >out &&
	cat >expect <<-\EOF &&
	isconf: checked in 4 entries on generic: head 7 (ID)
	isconf: this host has not applied all of generic: run '\''isconf up'\'' to apply it in journal order (the entries of this transaction too)
	EOF
	sed "s/(\([0-9a-f]*\))$/(ID)/" out >actual &&
	test_cmp expect actual &&
	test "$(status_field b applied)" = 1 &&
	isconf_on b up >out &&
	cat >expect <<-\EOF &&
	isconf: [2/7] exec test -f only-on-origin: skipped (entry 5 skips it)
	isconf: [3/7] ci
	isconf: [4/7] lock
	isconf: [5/7] skip entry 2 (ID)
	isconf: [6/7] exec touch only-on-origin
	isconf: [7/7] ci
	isconf: generic is up to date at entry 7 (5 applied now, 1 skipped)
	EOF
	grep "^isconf: " out | sed "s/(\([0-9a-f]\{12\}\))$/(ID)/" >actual &&
	test_cmp expect actual &&
	test -f "$B/only-on-origin"
'

test_expect_success 'the other target skips it too and applies the fix' '
	wait_head c 7 &&
	isconf_on c up -n >actual &&
	sed "s/(\([0-9a-f]\{12\}\))$/(ID)/" actual >dry &&
	cat >expect <<-EOF &&
	[1] record lock
	[2] skip exec test -f only-on-origin: entry 5 skips it
	[3] record ci
	[4] record lock
	[5] record skip
	[6] run in /: touch only-on-origin
	[7] record ci
	EOF
	test_cmp expect dry &&
	isconf_on c -q up &&
	test -f "$C/only-on-origin" &&
	test "$(status_field c applied)" = 7
'

test_expect_success 'the origin, which applied it, is unaffected' '
	wait_head a 7 &&
	isconf_on a up >out &&
	grep "^isconf: generic is up to date" out >actual &&
	echo "isconf: generic is up to date at entry 7 (4 applied now)" >expect &&
	test_cmp expect actual &&
	isconf_on a log --applied >log &&
	sed -n "2s/^\([0-9]*\).*\t\(applied\) .*/\1 \2/p" log >actual &&
	echo "2 applied" >expect &&
	test_cmp expect actual &&
	! status_has a "^skipped:"
'

test_expect_success 'a host started later skips it and applies the fix' '
	make_host d 4 IS_GOSSIP_MS=500 &&
	printf "127.0.0.1\n127.0.0.2\n127.0.0.3\n" >"$(host_dir d)/home/conf/nets" &&
	isconf_on d -q start &&
	wait_head d 7 &&
	isconf_on d -q up &&
	test -f "$D/only-on-origin" &&
	test "$(status_field d applied)" = 7
'

test_expect_success 'log --applied, report and status record it as skipped' '
	isconf_on d log --applied >log &&
	sed -n "2s/.*\t\(skipped\) .*/\1/p" log >actual &&
	echo skipped >expect &&
	test_cmp expect actual &&
	isconf_on d log --applied --json >log.json &&
	json_eval log.json "\$j->[1]{skipped}{time} > 0 && !defined \$j->[1]{applied} && \$j->[5]{applied}{status} == 0" &&
	isconf_on d report >report &&
	grep "^  2 " report >actual &&
	echo "  2     exec   SKIP          -        -       -        -      -       -      -      -         -  test -f only-on-origin" >expect &&
	test_cmp expect actual &&
	isconf_on d report --json >report.json &&
	json_eval report.json "\$j->{last_up}{entries}[1]{skipped} && \$j->{last_up}{entries}[1]{seq} == 2" &&
	status_on d >st &&
	grep "^skipped:" st >actual &&
	echo "skipped:  entry 2 (by entry 5)" >expect &&
	test_cmp expect actual &&
	status_json d "\$j->{skipped}[0]{seq} == 2 && \$j->{skipped}[0]{by} == 5" &&
	status_json a "scalar(@{\$j->{skipped}}) == 0"
'

test_expect_success 'hosts shows who skipped, on this host and across the fleet' '
	isconf_on d hosts >hosts.out &&
	grep "^d " hosts.out | sed "s/  */ /g" >actual &&
	echo "d generic 7 7 up to date, 1 skipped (this host)" >expect &&
	test_cmp expect actual &&
	wait_for 10 isconf_has a "^d .* up to date, 1 skipped " hosts &&
	isconf_on a hosts --json >hosts.json &&
	json_eval hosts.json "my %s = map { \$_->{host} => \$_->{skipped} } @{\$j->{hosts}}; \$s{a} == 0 && \$s{d} == 1" &&
	curl -s http://127.0.0.1:65028/api/v1/hosts >api.json &&
	json_eval api.json "grep { \$_->{host} eq q(d) && \$_->{skipped} == 1 } @{\$j->{hosts}}"
'

test_expect_success 'each misuse of skip is refused with a clear error' '
	expect_code 221 isconf_on a skip 6 &&
	echo "isconf: error: branch generic is not locked: run '\''isconf lock MESSAGE'\'' first" >expect &&
	test_cmp expect err &&
	isconf_on a -q lock "misuse" &&
	: >actual &&
	for args in "2" "1" "3" "99" "other:6" "x" "0"; do
		expect_code 1 isconf_on a skip $args &&
		cat err >>actual || return 1
	done &&
	cat >expect <<-\EOF &&
	isconf: error: skip refused: entry 2 is skipped already (by entry 5)
	isconf: error: skip refused: entry 1 is a lock entry: only snap, exec and reboot entries can be skipped
	isconf: error: skip refused: entry 3 is a ci entry: only snap, exec and reboot entries can be skipped
	isconf: error: skip refused: generic has no entry 99: its head here is 7
	isconf: error: skip refused: other:6 is not an entry of generic, the branch this host follows: only its entries can be skipped here
	isconf: error: skip refused: '\''x'\'' is not an entry number (SEQ or generic:SEQ, as isconf log shows it)
	isconf: error: skip refused: '\''0'\'' is not an entry number (SEQ or generic:SEQ, as isconf log shows it)
	EOF
	test_cmp expect actual &&
	isconf_on a skip generic:6 "the fix is not needed after all" >out &&
	echo "isconf: entry 6 will be skipped by every host that has not applied it, once this transaction is checked in" >expect &&
	test_cmp expect out &&
	expect_code 1 isconf_on a skip 6 &&
	echo "isconf: error: skip refused: entry 6 is skipped already in this transaction" >expect &&
	test_cmp expect err &&
	expect_code 22 isconf_on a skip &&
	echo "isconf: error: usage: isconf skip SEQ [MESSAGE...]" >expect &&
	test_cmp expect err &&
	isconf_on a -q unlock
'

# Entries 8 lock, 9 exec (fails on b), 10 ci; then b is stuck at 9,
# and c, which applied 9 before b skipped it, keeps it applied.
test_expect_success 'a stuck host may skip only the entry it is stuck at' '
	isconf_on a -q lock "fails on b" &&
	(cd "$A" && isconf_on a -q exec sh -c "test \$IS_HOSTNAME != b") &&
	isconf_on a -q ci &&
	wait_head c 10 && isconf_on c -q up &&
	wait_head b 10 &&
	expect_code 1 isconf_on b up &&
	expect_code 1 isconf_on b lock --skip 6 "not that one" &&
	echo "isconf: error: lock --skip refused: this host is stuck at entry 9 (it has applied 8 of the 10 entries of generic), so the transaction it opens may skip only that entry" >expect &&
	test_cmp expect err &&
	isconf_on b -q lock --skip 9 "b is special" &&
	isconf_on b -q ci &&
	isconf_on b -q up &&
	echo 13 >expect &&
	status_field b applied >actual &&
	test_cmp expect actual &&
	wait_head c 13 && isconf_on c -q up &&
	status_field c applied >actual &&
	test_cmp expect actual &&
	isconf_on c log --applied >log &&
	sed -n 9p log | cut -f1,3,8 | cut -d" " -f1 >actual &&
	printf "9\texec\tapplied\n" >expect &&
	test_cmp expect actual
'

# Entries 14 lock, 15 snap, 16 ci; 17 lock, 18 skip of 15, 19 ci, from
# a, which applied 15: c skips it, and verify does not expect its file.
test_expect_success 'verify does not expect the file of a skipped snap' '
	echo v1 >"$A/skipped.conf" &&
	wait_head a 13 && isconf_on a -q up &&
	isconf_on a -q lock "a file" && isconf_on a -q snap "$A/skipped.conf" &&
	isconf_on a -q ci &&
	isconf_on a -q lock "not that file" && isconf_on a -q skip 15 &&
	isconf_on a -q ci &&
	wait_head c 19 && isconf_on c -q up &&
	! test -e "$C/skipped.conf" &&
	isconf_on c verify >out &&
	echo "checked 0 paths: 0 drifted" >expect &&
	test_cmp expect out &&
	isconf_on a verify >out &&
	echo "checked 1 paths: 0 drifted" >expect &&
	test_cmp expect out
'

test_done
