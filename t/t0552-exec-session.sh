#!/bin/sh
test_description='after a kill -9, up waits for the whole session of the earlier exec, and refuses while /proc cannot tell'
. "$(dirname "$0")/lib-isconf.sh"

grep -q "proc-read" "$ISCONFD" && test_set_prereq FAULT_HOOKS

A=$(host_dir a)/root
B=$(host_dir b)/root

# The shell starts a member of its session that runs until "release"
# appears (60 s at most), then waits for it.  On a it ends at once.
SESSION='test -f fast && exit 0; echo $$ >shell; echo start >>log; (i=0; while ! test -f release && test $i -lt 600; do sleep 0.1; i=$((i + 1)); done; echo end >>log) </dev/null >/dev/null 2>&1 & echo $! >member; wait'

# PID has exited (its new parent may not have reaped it yet).
not_running() {
	! test -e /proc/$1 || sed "s/.*) //" /proc/$1/stat | grep -q "^[ZX]"
}

test_expect_success 'setup: a checks in an exec whose session outlives its shell' '
	start_host a 1 && start_host b 2 &&
	touch "$A/fast" &&
	isconf_on a -q lock "session" &&
	(cd "$A" && isconf_on a -q exec sh -c "$SESSION") &&
	isconf_on a -q ci &&
	bundle_copy a b
'

test_expect_success 'kill -9 of the daemon, then of the shell: the member lives on' '
	(isconf_on b up >up1.out 2>&1 &) &&
	wait_for 10 test -s "$B/member" &&
	shell=$(cat "$B/shell") member=$(cat "$B/member") &&
	test "$(sed "s/.*) //" /proc/$member/stat | cut -d" " -f4)" = "$shell" &&
	kill_host b &&
	kill -9 "$shell" &&
	wait_for 10 not_running "$shell" &&
	kill -0 "$member"
'

test_expect_success FAULT_HOOKS '/proc unreadable: the record is kept, up refuses and says why' '
	(. "$(host_dir b)/env" && ISCONF_FAULT=proc-read && export ISCONF_FAULT &&
	 "$ISCONF" -q start) &&
	(. "$(host_dir b)/env" && timeout 20 "$ISCONF" up) >out 2>err;
	echo "exit $?" >got &&
	echo "exit 1" >expect && test_cmp expect got &&
	shell=$(cat "$B/shell") &&
	echo "isconf: error: up: cannot tell whether entry 2 (sh -c '\''test -f fast && exit 0; echo \$\$ >shell; echo start >>log; (i=0; while ! test -f release && test \$i -lt 600; do sleep 0.1; i=\$((i + 1)); done; echo end >>log) </dev/null >/dev/null 2>&1 & echo \$! >member; wait'\'') from an earlier run, pid $shell, still runs: /proc/$shell/stat: Input/output error; its record is kept and up will not run that entry again until this can be read" >expect &&
	test_cmp expect err &&
	sed -n "s/^20[0-9T:-]* \[[0-9]*\] \(.*cannot tell whether entry 2 \)/\1/p" "$(host_dir b)/isconfd.log" >actual &&
	msg="isconfd: cannot tell whether entry 2 (sh -c '\''$SESSION'\'') from an earlier run, pid $shell, still runs: /proc/$shell/stat: Input/output error; its record is kept and up will not run that entry again until this can be read" &&
	printf "%s\n" "$msg" "$msg" >expect &&
	test_cmp expect actual &&
	isconf_on b status >st &&
	sed -n "/^exec:/s/since [0-9-]* [0-9:]* UTC/since DATE/p" st >actual &&
	echo "exec:     entry 2 (sh -c '\''$SESSION'\'') on generic from an earlier run, still running as pid $shell since DATE; the next up waits until it has exited" >expect &&
	test_cmp expect actual &&
	echo start >expect && test_cmp expect "$B/log" &&
	stop_host b
'

test_expect_success 'up waits until the last process of the session has exited' '
	start_host b 2 &&
	isconf_on b status >st &&
	sed -n "/^exec:/s/since [0-9-]* [0-9:]* UTC/since DATE/p" st >actual &&
	echo "exec:     entry 2 (sh -c '\''$SESSION'\'') on generic from an earlier run, still running as pid $(cat "$B/shell") since DATE; the next up waits until it has exited" >expect &&
	test_cmp expect actual &&
	(isconf_on b up >up2.out 2>&1 &) &&
	wait_for 10 grep -q "entry 2 (sh -c .*) from an earlier run is still running as pid [0-9]* since .*; waiting" up2.out &&
	echo start >expect && test_cmp expect "$B/log" &&
	kill -0 "$(cat "$B/member")" &&
	touch "$B/release" &&
	wait_for 10 grep -q "generic is up to date at entry 3" up2.out &&
	printf "start\nend\nstart\nend\n" >expect &&
	test_cmp expect "$B/log" &&
	sed -n "s/^20[0-9T:-]* \[[0-9]*\] \(isconfd: entry 2 .*, pid \)[0-9]*\(, has exited\)/\1PID\2/p" "$(host_dir b)/isconfd.log" >actual &&
	echo "isconfd: entry 2 (sh -c '\''$SESSION'\'') from an earlier run, pid PID, has exited with its session (its status is unknown: up runs it again)" >expect &&
	test_cmp expect actual
'

test_done
