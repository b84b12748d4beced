#!/bin/sh
test_description='reboot entries: up stops before them, -r up records and reboots, the next up goes on'
. "$(dirname "$0")/lib-isconf.sh"

A=$(host_dir a)/root
B=$(host_dir b)/root

test_expect_success 'origin journals a reboot between two execs' '
	start_host a 1 && start_host b 2 &&
	isconf_on a -q lock "kernel upgrade" &&
	(cd "$A" && isconf_on a -q exec sh -c "echo before >>steps") &&
	isconf_on a reboot >out &&
	echo "isconf: rebooting: echo rebooted >>\"$(host_dir a)/reboots\"" >expect &&
	test_cmp expect out &&
	test "$(cat "$(host_dir a)/reboots")" = rebooted &&
	(cd "$A" && isconf_on a -q exec sh -c "echo after >>steps") &&
	isconf_on a -q ci &&
	isconf_on a log >out &&
	cat >expect <<-\EOF &&
	1	lock	a	kernel upgrade	
	2	exec	a	kernel upgrade	sh -c '\''echo before >>steps'\''
	3	reboot	a	kernel upgrade	
	4	exec	a	kernel upgrade	sh -c '\''echo after >>steps'\''
	5	ci	a	kernel upgrade	
	EOF
	cut -f 1,3,4,6- out >actual &&
	test_cmp expect actual &&
	bundle_copy a b
'

test_expect_success 'up without -r stops before the reboot, exit non-zero' '
	expect_code 1 isconf_on b up &&
	echo "isconf: error: entry 3 (reboot) needs a reboot: run '\''isconf -r up'\'' to reboot and go on" >expect &&
	test_cmp expect err &&
	test "$(cat "$B/steps")" = before &&
	test ! -e "$(host_dir b)/reboots" &&
	expect_code 1 isconf_on b up &&
	test "$(cat "$B/steps")" = before
'

test_expect_success 'a planned stop: status, report and hosts do not call it a failure' '
	status_on b >out &&
	sed -n "s/^\(last up: *\)20[0-9-]* [0-9:]* UTC/\1DATE/p" out >actual &&
	echo "last up:  DATE, stopped before reboot (entry 3): run isconf -r up" >expect &&
	test_cmp expect actual &&
	status_json b "\$j->{last_up}{result} eq q(needs-reboot) && \$j->{last_up}{entry} == 3" &&
	isconf_on b report >out &&
	grep "^  3     reboot STOP          -  .*  a reboot: run isconf -r up\$" out &&
	! grep FAILED out &&
	isconf_on b report --json >rep.json &&
	json_eval rep.json "\$j->{last_up}{entries}[-1]{stopped} eq q(needs-reboot)" &&
	isconf_on b log --applied | grep "^3	" >out &&
	grep "	not applied\$" out
'

test_expect_success '-r up records the reboot as applied, then runs IS_REBOOT_CMD' '
	isconf_on b -r up >out &&
	cat >expect <<-EOF &&
	isconf: [3/5] reboot
	isconf: rebooting: echo rebooted >>"$(host_dir b)/reboots"
	EOF
	test_cmp expect out &&
	test "$(cat "$(host_dir b)/reboots")" = rebooted &&
	test "$(cat "$B/steps")" = before &&
	echo "last up:  DATE UTC, reboot at entry 3" >expect &&
	status_on b >out &&
	sed -n "s/^\(last up: *\)20[0-9-]* [0-9:]* \(UTC, reboot at entry [0-9]*\)$/\1DATE \2/p" out >actual &&
	test_cmp expect actual
'

test_expect_success 'the next up continues after the reboot' '
	isconf_on b up >out &&
	test "$(printf "before\nafter\n")" = "$(cat "$B/steps")" &&
	test "$(wc -l <"$(host_dir b)/reboots")" = 1 &&
	test "$(status_field b applied)" = "$(status_field b head)"
'

test_expect_success 'a failing reboot command is reported and the reboot stays applied' '
	isconf_on a -q lock "second reboot" && isconf_on a -q reboot &&
	isconf_on a -q ci && bundle_copy a b &&
	isconf_on b -q stop &&
	echo "IS_REBOOT_CMD=false; export IS_REBOOT_CMD" >>"$(host_dir b)/env" &&
	isconf_on b -q start &&
	expect_code 1 isconf_on b -r up &&
	echo "isconf: error: IS_REBOOT_CMD (false) failed: exit status 1" >expect &&
	test_cmp expect err
'

test_done
