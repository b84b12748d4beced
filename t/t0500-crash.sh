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
	grep "lock: *held by .*@a .*: survives a crash" out &&
	test "$(status_field a head)" = 0
'

test_expect_success 'ci publishes the transaction intact' '
	isconf_on a ci >out &&
	grep "checked in 4 entries on generic: head 4" out &&
	isconf_on a log >out &&
	grep "	snap	a	.*	survives a crash	/app.conf$" out &&
	grep "	exec	a	.*	sh -c echo once >>execs$" out
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
