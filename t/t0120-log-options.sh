#!/bin/sh
test_description='issue 20: the open transaction in status and log --wip; log rejects unknown options (22), --last N and --since SEQ'
. "$(dirname "$0")/lib-isconf.sh"

A=$(host_dir a)/root

test_expect_success 'setup: a checks in 5 entries, then opens another transaction' '
	start_host a 1 &&
	isconf_on a -q lock "first" &&
	(cd "$A" && isconf_on a -q exec touch one && isconf_on a -q exec touch two &&
	 isconf_on a -q exec touch three) &&
	isconf_on a -q ci &&
	isconf_on a -q lock "open work" &&
	echo x >"$A/conf" &&
	isconf_on a -q snap "$A/conf" &&
	(cd "$A" && isconf_on a -q exec sh -c "echo on \$IS_HOSTNAME")
'

test_expect_success 'status lists the open transaction, numbered as ci would' '
	status_on a >st &&
	sed -n "/^wip:/,/^[a-z]*:/p" st | sed "\$d" >actual &&
	cat >expect <<-\EOF &&
	wip:      3 entries not checked in (isconf ci checks them in, isconf unlock drops them; isconf log --wip)
	          6 lock
	          7 snap /conf
	          8 exec sh -c '\''echo on $IS_HOSTNAME'\''
	EOF
	test_cmp expect actual &&
	status_json a "@{\$j->{wip}} == 3 && \$j->{wip}[2]{seq} == 8 && \$j->{wip}[2]{argv}[2] eq q(echo on \$IS_HOSTNAME) && \$j->{wip}[1]{detail} eq q(/conf)"
'

test_expect_success 'log --wip (and --json) shows it as log shows entries; log alone does not' '
	isconf_on a log --wip | cut -f 1,3,6,7 >actual &&
	cat >expect <<-\EOF &&
	6	lock	open work	
	7	snap	open work	/conf
	8	exec	open work	sh -c '\''echo on $IS_HOSTNAME'\''
	EOF
	test_cmp expect actual &&
	isconf_on a log --wip --json >wip.json &&
	json_eval wip.json "@\$j == 3 && \$j->[2]{kind} eq q(exec) && \$j->[0]{message} eq q(open work)" &&
	test "$(isconf_on a log | wc -l)" = 5 &&
	isconf_on a log --wip --last 1 | cut -f 1 >actual &&
	echo 8 >expect && test_cmp expect actual
'

test_expect_success 'after ci, status has no wip line and log --wip is empty' '
	isconf_on a -q ci &&
	! status_on a | grep "^wip:" &&
	status_json a "@{\$j->{wip}} == 0" &&
	isconf_on a log --wip >out &&
	test_must_be_empty out &&
	isconf_on a log --wip --json >out &&
	echo "[]" >expect && test_cmp expect out
'

test_expect_success 'log --last N and --since SEQ' '
	isconf_on a log --last 2 | cut -f 1 >actual &&
	printf "8\n9\n" >expect && test_cmp expect actual &&
	isconf_on a log --since 7 | cut -f 1 >actual &&
	printf "7\n8\n9\n" >expect && test_cmp expect actual &&
	isconf_on a log --since 3 --last 2 | cut -f 1 >actual &&
	printf "8\n9\n" >expect && test_cmp expect actual &&
	isconf_on a log --since 8 --last 5 --json generic >out.json &&
	json_eval out.json "@\$j == 2 && \$j->[0]{seq} == 8" &&
	isconf_on a log --last 100 | cut -f 1 | wc -l >actual &&
	echo 9 >expect && test_cmp expect actual &&
	isconf_on a log --since 10 >out &&
	test_must_be_empty out &&
	isconf_on a log --applied --last 1 >out &&
	test $(wc -l <out) = 1 &&
	grep "^9	.*	applied [0-9-]* [0-9:]* UTC in [0-9]* ms, status 0\$" out
'

test_expect_success 'unknown options and bad values are usage errors (22), not branch names' '
	expect_code 22 isconf_on a log -x generic &&
	echo "isconf: error: log: '\''-x'\'' is not an option of log; usage: isconf log [--applied | --wip] [--last N] [--since SEQ] [BRANCH]" >expect &&
	test_cmp expect err &&
	test_must_be_empty out &&
	expect_code 22 isconf_on a log -n 3 &&
	expect_code 22 isconf_on a log --last &&
	grep "'\''--last'\'' needs a number" err &&
	expect_code 22 isconf_on a log --last 0 &&
	expect_code 22 isconf_on a log --since x1 &&
	expect_code 22 isconf_on a log generic other &&
	expect_code 22 isconf_on a log --wip generic &&
	expect_code 22 isconf_on a log --wip --applied
'

test_done
