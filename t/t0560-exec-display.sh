#!/bin/sh
test_description='issue 20: exec command lines shown shell-quoted (pasted back they run the same), JSON keeps the argv array; a signal named'
. "$(dirname "$0")/lib-isconf.sh"

A=$(host_dir a)/root
B=$(host_dir b)/root

test_expect_success 'setup: a checks in an exec whose words need quoting' '
	start_host a 1 && start_host b 2 &&
	isconf_on a -q lock "quoting" &&
	(cd "$A" && isconf_on a -q exec sh -c "echo running on \$IS_HOSTNAME >>ran; test -e ran" x "it'\''s" "") &&
	isconf_on a -q ci &&
	bundle_copy a b
'

test_expect_success 'log shows the command shell-quoted, and pasted back it runs the same' '
	isconf_on a log | sed -n "2p" | cut -f 7 >actual &&
	cat >expect <<-\EOF &&
	sh -c '\''echo running on $IS_HOSTNAME >>ran; test -e ran'\'' x '\''it'\''\'\'''\''s'\'' '\'''\''
	EOF
	test_cmp expect actual &&
	(cd "$A" && rm ran && IS_HOSTNAME=pasted bash -c "$(cat "$SHARNESS_TRASH_DIRECTORY/actual")") &&
	echo "running on pasted" >expect &&
	test_cmp expect "$A/ran"
'

test_expect_success 'log --json keeps the words as an array beside the quoted detail' '
	isconf_on a log --json >log.json &&
	json_eval log.json "\$j->[1]{kind} eq q(exec) && join(q(|), @{\$j->[1]{argv}}) eq q(sh|-c|echo running on \$IS_HOSTNAME >>ran; test -e ran|x|) . chr(105) . chr(116) . chr(39) . q(s|) && \$j->[1]{detail} =~ /^sh -c \x27echo/ && !exists \$j->[0]{argv}"
'

test_expect_success 'up progress and report quote it too' '
	isconf_on b up >up.out &&
	grep "^isconf: \[2/3\] exec sh -c '\''echo running" up.out &&
	isconf_on b report >rep &&
	grep "  sh -c '\''echo running on \$IS_HOSTNAME >>ran; test -e ran'\'' x " rep &&
	isconf_on b report --json >rep.json &&
	json_eval rep.json "\$j->{last_up}{entries}[1]{argv}[3] eq q(x)"
'

test_expect_success 'origin: an exec killed by a signal says which, not "exit status 137"' '
	isconf_on a -q lock "signals" &&
	(cd "$A" && expect_code 137 isconf_on a exec sh -c "kill -9 \$\$") &&
	echo "isconf: error: exec sh -c '\''kill -9 \$\$'\'': killed by SIGKILL; not journaled (any changes it made on this host stay)" >expect &&
	test_cmp expect err
'

test_expect_success 'target: up, status, report and log --applied name the signal; JSON keeps both' '
	(cd "$A" && isconf_on a -q exec sh -c "test \$IS_HOSTNAME = a || kill -9 \$\$") &&
	isconf_on a -q ci && bundle_copy a b &&
	expect_code 1 isconf_on b up &&
	grep "^isconf: error: entry 5 (exec sh -c .*) failed: killed by SIGKILL; stopping here" err &&
	status_on b >st &&
	grep "^last up:  .*, FAILED at entry 5 (sh -c .*), killed by SIGKILL\$" st &&
	status_json b "\$j->{last_up}{status} == 137 && \$j->{last_up}{signal} eq q(SIGKILL)" &&
	isconf_on b report >rep &&
	grep "^  5     exec   FAILED        -  .*  killed by SIGKILL: sh -c " rep &&
	isconf_on b report --json >rep.json &&
	json_eval rep.json "\$j->{last_up}{entries}[1]{status} == 137 && \$j->{last_up}{entries}[1]{signal} eq q(SIGKILL)" &&
	isconf_on b log --applied >log &&
	grep "^5	.*	FAILED, killed by SIGKILL\$" log &&
	isconf_on b log --applied --json >log.json &&
	json_eval log.json "\$j->[4]{failed}{status} == 137 && \$j->[4]{failed}{signal} eq q(SIGKILL)"
'

test_done
