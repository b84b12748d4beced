#!/bin/sh
test_description='issue 20: exec command lines shown shell-quoted (pasted back they run the same), JSON keeps the argv array'
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

test_done
