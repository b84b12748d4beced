#!/bin/sh
test_description='the daemon killed with SIGKILL mid-transaction loses nothing'
. "$(dirname "$0")/lib-isconf.sh"

A=$(host_dir a)/root
B=$(host_dir b)/root

test_expect_success 'lock, snap and exec, then kill -9 the daemon before ci' '
	start_host a 1 && start_host b 2 &&
	echo "config v1" >"$A/app.conf" && chmod 640 "$A/app.conf" &&
	isconf_on a -q lock "survives a crash" &&
	isconf_on a -q snap "$A/app.conf" &&
	(cd "$A" && isconf_on a -q exec sh -c "echo once >>execs") &&
	kill_host a &&
	expect_code 1 isconf_on a status
'

test_expect_success 'after restart the lock and the work in progress are still there' '
	start_host a 1 &&
	isconf_on a status >out &&
	echo "lock:     held by USER@a since DATE UTC: survives a crash" >expect &&
	sed -n "s/^\(lock: *held by \).*@a since 20[0-9-]* [0-9:]* UTC:/\1USER@a since DATE UTC:/p" out >actual &&
	test_cmp expect actual &&
	test "$(status_field a head)" = 0
'

test_expect_success 'ci publishes the transaction intact' '
	isconf_on a ci >out &&
	echo "isconf: checked in 4 entries on generic: head 4 (HASH)" >expect &&
	sed "s/([0-9a-f]\{12\})$/(HASH)/" out >actual &&
	test_cmp expect actual &&
	isconf_on a log >out &&
	cat >expect <<-\EOF &&
	1	lock	a	survives a crash	
	2	snap	a	survives a crash	/app.conf
	3	exec	a	survives a crash	sh -c '\''echo once >>execs'\''
	4	ci	a	survives a crash	
	EOF
	cut -f 1,3,4,6- out >actual &&
	test_cmp expect actual
'

test_expect_success 'and replays on another host exactly once' '
	bundle_copy a b &&
	isconf_on b -q up &&
	cmp "$A/app.conf" "$B/app.conf" &&
	test "$(stat -c %a "$B/app.conf")" = 640 &&
	test "$(cat "$B/execs")" = once
'

test_expect_success 'a daemon killed during up re-runs the unfinished exec' '
	isconf_on a -q lock "slow" &&
	(cd "$A" && isconf_on a -q exec sh -c "echo start >>slow; sleep 0.2; echo end >>slow") &&
	isconf_on a -q ci && bundle_copy a b &&
	( isconf_on b up >/dev/null 2>&1 & ) &&
	wait_for 10 grep -q start "$B/slow" &&
	kill_host b &&
	start_host b 2 &&
	isconf_on b -q up &&
	grep -c start "$B/slow" >count &&
	test "$(cat count)" -ge 1 &&
	test "$(tail -1 "$B/slow")" = end &&
	test "$(status_field b applied)" = "$(status_field b head)"
'

test_done
