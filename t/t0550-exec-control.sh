#!/bin/sh
test_description='an exec run by up: not started twice after a kill -9, ended by a stop or IS_EXEC_TIMEOUT, shown by status'
. "$(dirname "$0")/lib-isconf.sh"

A=$(host_dir a)/root
B=$(host_dir b)/root
C=$(host_dir c)/root
D=$(host_dir d)/root

# Each command ends at once where "fast" exists (the origin a, and d).
# WAITER runs until "release" appears (30 s at most).
WAITER='echo start >>log; test -f fast && { echo end >>log; exit 0; }; i=0; while ! test -f release && test $i -lt 300; do sleep 0.1; i=$((i + 1)); done; echo end >>log'
# STUBBORN ignores SIGTERM (so does its sleep) and starts a service in
# a session of its own.
STUBBORN='test -f fast && exit 0; echo $$ >pgid; setsid sleep 60 </dev/null >/dev/null 2>&1 & echo $! >svc; trap "" TERM; sleep 30; echo end >>stubborn'

test_expect_success 'setup: a checks in slow commands; b, c and d get them' '
	start_host a 1 && start_host b 2 &&
	start_host c 3 IS_EXEC_GRACE=1 &&
	start_host d 4 IS_EXEC_TIMEOUT=1 IS_EXEC_GRACE=1 &&
	touch "$A/fast" "$C/release" "$D/fast" &&
	isconf_on a -q lock "slow" &&
	(cd "$A" && isconf_on a -q exec sh -c "$WAITER") &&
	isconf_on a -q ci &&
	bundle_copy a b
'

test_expect_success 'kill -9 during an exec: after a restart, up waits for the earlier run' '
	(isconf_on b up >up1.out 2>&1 &) &&
	wait_for 10 grep -q start "$B/log" &&
	kill_host b &&
	start_host b 2 &&
	isconf_on b status >st &&
	sed -n "/^exec:/s/pid [0-9]* since [0-9-]* [0-9:]* UTC;/pid PID since DATE;/p" st >actual &&
	echo "exec:     entry 2 (sh -c '\''$WAITER'\'') on generic from an earlier run, still running as pid PID since DATE; the next up waits until it has exited" >expect &&
	test_cmp expect actual &&
	(isconf_on b up >up2.out 2>&1 &) &&
	wait_for 10 grep -q "entry 2 (sh -c .echo start.*) from an earlier run is still running as pid [0-9]* since .*; waiting" up2.out &&
	isconf_on b status >st &&
	sed -n -e "/^up:/s/since [0-9-]* [0-9:]* UTC/since DATE/p" \
	    -e "/^exec:/s/pid [0-9]* since [0-9-]* [0-9:]* UTC;/pid PID since DATE;/p" st >actual &&
	cat >expect <<-EOF &&
	up:       running since DATE on generic, waiting to run entry 2 of 3
	exec:     entry 2 (sh -c '\''$WAITER'\'') on generic from an earlier run, still running as pid PID since DATE; this up waits until it has exited
	EOF
	test_cmp expect actual &&
	test "$(grep -c start "$B/log")" = 1 &&
	touch "$B/release" &&
	wait_for 10 grep -q "generic is up to date at entry 3" up2.out &&
	sed "s/as pid [0-9]* since [0-9-]* [0-9:]* UTC;/as pid PID since DATE;/" up2.out >actual &&
	cat >expect <<-EOF &&
	isconf: entry 2 (sh -c '\''$WAITER'\'') from an earlier run is still running as pid PID since DATE; waiting
	isconf: it has exited; its exit status is unknown, so the entry runs again
	isconf: [2/3] exec sh -c '\''$WAITER'\''
	isconf: [3/3] ci
	isconf: generic is up to date at entry 3 (2 applied now)
	EOF
	test_cmp expect actual &&
	printf "start\nend\nstart\nend\n" >expect &&
	test_cmp expect "$B/log" &&
	test "$(status_field b applied)" = 3 &&
	! isconf_on b status | grep "^exec:" &&
	sed -n "s/^20[0-9T:-]* \[[0-9]*\] \(isconfd: entry 2 .*, pid \)[0-9]*\(, has exited\)/\1PID\2/p" "$(host_dir b)/isconfd.log" >actual &&
	echo "isconfd: entry 2 (sh -c '\''$WAITER'\'') from an earlier run, pid PID, has exited with its session (its status is unknown: up runs it again)" >expect &&
	test_cmp expect actual
'

# No live process is left in session SID (the shell's last sleep may
# outlive it by 0.1 s, and up waits for the whole session).
session_gone() {
	! ps -e -o stat=,sess= |
	    awk -v s="$1" '$2 == s && $1 !~ /^[ZX]/ { f = 1 } END { exit !f }'
}

test_expect_success 'a stale record (the process is gone) is dropped at start' '
	isconf_on a -q lock "again" &&
	(cd "$A" && isconf_on a -q exec sh -c "echo \$\$ >pid; $WAITER") &&
	isconf_on a -q ci && bundle_copy a b &&
	rm -f "$B/release" &&
	(isconf_on b up >/dev/null 2>&1 &) &&
	wait_for 10 test -s "$B/pid" &&
	kill_host b &&
	kill "$(cat "$B/pid")" &&
	wait_for 10 session_gone "$(cat "$B/pid")" &&
	start_host b 2 &&
	! isconf_on b status | grep "^exec:" &&
	touch "$B/release" &&
	isconf_on b -q up &&
	test "$(status_field b applied)" = 6
'

test_expect_success 'status, status --json and the HTTP API show the running up' '
	isconf_on a -q lock "stubborn" &&
	(cd "$A" && isconf_on a -q exec sh -c "$STUBBORN") &&
	isconf_on a -q ci && bundle_copy a c &&
	(isconf_on c up >upc.out 2>&1 &) &&
	wait_for 10 test -s "$C/svc" &&
	pg=$(cat "$C/pgid") &&
	isconf_on c status >st &&
	sed -n -e "/^up:/s/since [0-9-]* [0-9:]* UTC/since DATE/p" \
	    -e "/^exec:/s/since [0-9-]* [0-9:]* UTC/since DATE/p" st >actual &&
	cat >expect <<-EOF &&
	up:       running since DATE on generic, at entry 8 of 9
	exec:     entry 8 (sh -c '\''$STUBBORN'\'') on generic running as pid $pg since DATE
	EOF
	test_cmp expect actual &&
	isconf_on c status --json >st.json &&
	json_eval st.json "\$j->{up}{entry} == 8 && \$j->{up}{head} == 9 && \$j->{up}{branch} eq q(generic) && !\$j->{up}{waiting} && \$j->{exec}{pid} == $pg && \$j->{exec}{entry} == 8 && \$j->{exec}{command} =~ /^sh -c .test -f fast/ && !\$j->{exec}{earlier_run} && \$j->{exec}{since} > 0" &&
	curl -sf --max-time 10 -H "Authorization: Bearer $(cat "$(host_dir c)/home/conf/http_token")" \
	    http://127.0.0.3:65028/api/v1/status >http.json &&
	json_eval http.json "\$j->{exec}{pid} == $pg && \$j->{up}{entry} == 8"
'

test_expect_success 'isconf stop during an exec: TERM, then KILL to its group; not applied; the setsid service lives' '
	test_when_finished "kill \$(cat \"$C/svc\") 2>/dev/null; true" &&
	pg=$(cat "$C/pgid") &&
	isconf_on c stop >stop.out 2>&1 &&
	sed "s/pid [0-9]*/pid PID/" stop.out >actual &&
	cat >expect <<-EOF &&
	isconf: waiting for isconfd (pid PID) to exit: a running command gets IS_EXEC_GRACE to end (30 s at most)
	isconf: isconfd (pid PID) stopped
	EOF
	test_cmp expect actual &&
	! kill -0 -- -$pg 2>/dev/null &&
	sed -n "s/^20[0-9T:-]* \[[0-9]*\] \(.*process group $pg[: ].*\)/\1/p" "$(host_dir c)/isconfd.log" >actual &&
	cat >expect <<-EOF &&
	isconfd: process group $pg: SIGTERM, SIGKILL in 1 s
	isconfd: process group $pg outlived its SIGTERM grace: SIGKILL
	EOF
	test_cmp expect actual &&
	wait_for 10 grep -q "entry 8 (exec sh -c .test -f fast.*) was ended (killed by SIGKILL): isconfd is stopping; not recorded as applied, the next up runs it again" upc.out &&
	kill -0 "$(cat "$C/svc")" &&
	! test -f "$C/stubborn" &&
	start_host c 3 &&
	test "$(status_field c applied)" = 7 &&
	isconf_on c status >st &&
	sed -n "/^last up:/s/[0-9-]* [0-9:]* UTC/DATE/p" st >actual &&
	echo "last up:  DATE, stopped at entry 8" >expect &&
	test_cmp expect actual &&
	! grep "^exec:" st
'

test_expect_success 'IS_EXEC_TIMEOUT=1: a long exec is ended, recorded as failed, up stops' '
	isconf_on a -q lock "too slow" &&
	(cd "$A" && isconf_on a -q exec sh -c "test \$IS_HOSTNAME = a || sleep 30") &&
	(cd "$A" && isconf_on a -q exec touch after) &&
	isconf_on a -q ci && bundle_copy a d &&
	expect_code 1 isconf_on d up &&
	echo "isconf: error: entry 11 (exec sh -c '\''test \$IS_HOSTNAME = a || sleep 30'\'') failed: timed out after 1 s (IS_EXEC_TIMEOUT) and was ended (killed by SIGTERM); stopping here" >expect &&
	echo "isconf: fix the cause and run '\''isconf up'\'' again, or skip entry 11 from a host of generic: isconf lock --skip 11 MESSAGE, the fix, isconf ci (isconf(8): RECOVERING FROM A BAD CHANGE)" >>expect &&
	test_cmp expect err &&
	! test -f "$D/after" &&
	test "$(status_field d applied)" = 10 &&
	isconf_on d status >st &&
	sed -n "/^last up:/s/[0-9-]* [0-9:]* UTC/DATE/p" st >actual &&
	echo "last up:  DATE, FAILED at entry 11 (sh -c '\''test \$IS_HOSTNAME = a || sleep 30'\''), killed by SIGTERM" >expect &&
	test_cmp expect actual
'

test_expect_success 'IS_EXEC_TIMEOUT and IS_EXEC_GRACE must be seconds' '
	(IS_EXEC_TIMEOUT=soon && export IS_EXEC_TIMEOUT &&
	 expect_code 1 isconfd_on a -n) &&
	echo "isconfd: IS_EXEC_TIMEOUT=soon: not a number of seconds" >expect &&
	test_cmp expect err &&
	(IS_EXEC_GRACE=-1 && export IS_EXEC_GRACE &&
	 expect_code 1 isconfd_on a -n) &&
	echo "isconfd: IS_EXEC_GRACE=-1: not a number of seconds" >expect &&
	test_cmp expect err
'

test_done
