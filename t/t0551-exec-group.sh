#!/bin/sh
test_description='an up exec ended by a stop: its group keeps the grace after the leader exits; a bad running-exec record is dropped'
. "$(dirname "$0")/lib-isconf.sh"

A=$(host_dir a)/root
B=$(host_dir b)/root
C=$(host_dir c)/root

# The leader dies at once on SIGTERM; a member of its group catches
# it and takes a second to clean up, or (where "stubborn" exists)
# ignores it.  Both have their output elsewhere, so nothing holds the
# exec's pipes once the leader is gone.
MEMBER='test -f fast && exit 0; (if test -f stubborn; then trap "" TERM; else trap "sleep 1; echo done >cleaned; exit 0" TERM; fi; while :; do sleep 0.1; done) </dev/null >/dev/null 2>&1 & echo $! >member; touch started; wait'

# PID has exited (its new parent may not have reaped it yet).
not_running() {
	! test -e /proc/$1 || sed "s/.*) //" /proc/$1/stat | grep -q "^[ZX]"
}

daemon_gone() {
	flock -n "$(host_home "$1")/isconfd.pid" true
}

test_expect_success 'setup: a checks in an exec whose group outlives its leader' '
	start_host a 1 &&
	start_host b 2 IS_EXEC_GRACE=10 &&
	start_host c 3 IS_EXEC_GRACE=1 &&
	touch "$A/fast" "$C/stubborn" &&
	isconf_on a -q lock "group" &&
	(cd "$A" && isconf_on a -q exec sh -c "$MEMBER") &&
	isconf_on a -q ci &&
	bundle_copy a b && bundle_copy a c
'

test_expect_success 'stop: a member that handles SIGTERM gets its grace after the leader died' '
	(isconf_on b up >upb.out 2>&1 &) &&
	wait_for 10 test -f "$B/started" &&
	isconf_on b -q stop &&
	wait_for 8 daemon_gone b &&
	test -f "$B/cleaned" &&
	grep "was ended" upb.out >actual &&
	echo "isconf: error: entry 2 (exec sh -c '\''$MEMBER'\'') was ended (killed by SIGTERM): isconfd is stopping; not recorded as applied, the next up runs it again" >expect &&
	test_cmp expect actual &&
	! grep "outlived its SIGTERM grace" "$(host_dir b)/isconfd.log"
'

test_expect_success 'stop: a member that ignores SIGTERM is killed after the grace' '
	(isconf_on c up >upc.out 2>&1 &) &&
	wait_for 10 test -f "$C/started" &&
	member=$(cat "$C/member") &&
	isconf_on c -q stop &&
	wait_for 8 daemon_gone c &&
	not_running "$member" &&
	sed -n "s/^20[0-9T:-]* \[[0-9]*\] \(isconfd: process group \)[0-9]*\( outlived\)/\1PGID\2/p" "$(host_dir c)/isconfd.log" >actual &&
	echo "isconfd: process group PGID outlived its SIGTERM grace: SIGKILL" >expect &&
	test_cmp expect actual &&
	grep "was ended" upc.out >actual &&
	echo "isconf: error: entry 2 (exec sh -c '\''$MEMBER'\'') was ended (killed by SIGTERM): isconfd is stopping; not recorded as applied, the next up runs it again" >expect &&
	test_cmp expect actual
'

# set_record HOST VALUE: the running-exec record, written while HOST
# is stopped.
set_record() {
	printf "INSERT OR REPLACE INTO state(key, value) VALUES ('up_exec', '%s');\n" \
	    "$2" | sqlite3 "$(host_home "$1")/journal.db"
}

test_expect_success 'a record whose pid is out of range is dropped, not truncated onto pid 1' '
	start_host b 2 && stop_host b &&
	boot=$(cat /proc/sys/kernel/random/boot_id) &&
	start1=$(cut -d" " -f22 /proc/1/stat) &&
	set_record b "1 4294967297 $start1 $boot 2 generic sh -c x" &&
	start_host b 2 &&
	isconf_on b status >st &&
	! grep "^exec:" st &&
	sed -n "s/^20[0-9T:-]* \[[0-9]*\] \(.*dropping a malformed running-exec record\)/\1/p" "$(host_dir b)/isconfd.log" >actual &&
	echo "isconfd: dropping a malformed running-exec record: bad pid" >expect &&
	test_cmp expect actual
'

test_done
