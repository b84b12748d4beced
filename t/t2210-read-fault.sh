#!/bin/sh
test_description='a journal read that fails is an error, never "nothing there": up stops and runs nothing'
. "$(dirname "$0")/lib-isconf.sh"

grep -q "journal-read" "$ISCONFD" && test_set_prereq FAULT_HOOKS

A=$(host_dir a)/root

# fault_start HOST FAULT: (re)start HOST with $ISCONF_FAULT set.
fault_start() {
	stop_host $1 &&
	(. "$(host_dir $1)/env" && ISCONF_FAULT=$2 && export ISCONF_FAULT &&
	 "$ISCONF" -q start)
}

test_expect_success FAULT_HOOKS 'setup: an exec that appends, applied once' '
	start_host a 1 &&
	isconf_on a -q lock "count runs" &&
	(cd "$A" && isconf_on a -q exec sh -c "echo run >>runs") &&
	isconf_on a -q ci &&
	isconf_on a -q up &&
	echo run >expect &&
	test_cmp expect "$A/runs"
'

# Before: the failed history read made applied 0, and up replayed
# entry 1 onwards: the exec ran a second time.
test_expect_success FAULT_HOOKS 'history unreadable: up fails with the cause and runs nothing' '
	fault_start a journal-read:history &&
	expect_code 1 isconf_on a up &&
	echo "isconf: error: up: reading the history of branch generic: disk I/O error; nothing was applied" >expect.err &&
	test_cmp expect.err err &&
	test_cmp expect "$A/runs" &&
	expect_code 1 isconf_on a up -n &&
	echo "isconf: error: reading the history of branch generic: disk I/O error" >expect.err &&
	test_cmp expect.err err
'

test_expect_success FAULT_HOOKS 'status and lock fail with the cause too' '
	expect_code 1 isconf_on a status &&
	echo "isconf: error: reading the history of branch generic: disk I/O error" >expect.err &&
	test_cmp expect.err err &&
	expect_code 1 isconf_on a lock "again" &&
	test_cmp expect.err err
'

test_expect_success FAULT_HOOKS 'entries unreadable: up fails and runs nothing' '
	fault_start a journal-read:entries &&
	expect_code 1 isconf_on a up &&
	echo "isconf: error: up: reading the head of branch generic: disk I/O error; nothing was applied" >expect.err &&
	test_cmp expect.err err &&
	test_cmp expect "$A/runs"
'

# The running-exec record says whether an earlier exec still runs;
# unreadable, starting anyway could run that entry twice at once.
test_expect_success FAULT_HOOKS 'state unreadable: the daemon refuses to start' '
	stop_host a &&
	(. "$(host_dir a)/env" && ISCONF_FAULT=journal-read:state &&
	 export ISCONF_FAULT && "$ISCONF" -q start) >out 2>err;
	echo "exit $?" >got && cat got err &&
	echo "exit 1" >expect.exit && test_cmp expect.exit got &&
	echo "isconfd: reading state up_exec: disk I/O error" >expect.err &&
	test_cmp expect.err err &&
	flock -n "$(host_home a)/isconfd.pid" true
'

test_expect_success FAULT_HOOKS 'readable again: up has nothing to do' '
	stop_host a && isconf_on a -q start &&
	isconf_on a up >out &&
	echo "isconf: generic is up to date at entry 3 (0 applied now)" >expect.out &&
	test_cmp expect.out out &&
	test_cmp expect "$A/runs"
'

test_done
