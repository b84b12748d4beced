#!/bin/sh
test_description='a lock statement kept here that cannot be read is an error, never "none kept" (review)'
. "$(dirname "$0")/lib-isconf.sh"

# fault_on HOST WHAT: restart HOST with ISCONF_FAULT=WHAT (none: "").
fault_on() {
	stop_host $1 &&
	sed -i "/^ISCONF_FAULT=/d" "$(host_dir $1)/env" &&
	if test -n "$2"; then
		echo "ISCONF_FAULT=$2; export ISCONF_FAULT" >>"$(host_dir $1)/env"
	fi &&
	isconf_on $1 -q start
}

test_expect_success 'setup: a holds the lock, b knows it' '
	mesh a:1 b:2 &&
	wait_for 10 peers_known a 1 && wait_for 10 peers_known b 1 &&
	isconf_on a -q lock "held by a" &&
	wait_for 10 status_has b "held by .*@a"
'

# Before, the held statement read as none: unlock cleared the lock and
# sent a release of no statement, which ended the lock nowhere else and
# left the holder's floor where a replay of its held statement (or a
# peer listing it) recorded the lock again.
test_expect_success 'unlock refuses a lock whose held statement cannot be read, and keeps it' '
	fault_on b lockstmt-read:held &&
	expect_code 1 isconf_on b unlock &&
	grep "^isconf: error: reading the state lock:generic:held: disk I/O error (fault)" err &&
	status_has b "held by .*@a" &&
	status_has a "held by .*@a"
'

# Before, any release of the holder covered a held statement not read.
test_expect_success 'a release is skipped while the held statement cannot be read, taken once it can' '
	isconf_on a -q unlock &&
	wait_for 10 eval "grep -q \"release of generic skipped: reading the state lock:generic:held\" \"\$(host_dir b)/isconfd.log\"" &&
	status_has b "held by .*@a" &&
	fault_on b "" &&
	wait_for 15 status_has b "^lock: *none"
'

test_expect_success 'ci with the held statement unreadable fails, the lock kept' '
	isconf_on a -q lock "ci while unreadable" &&
	(cd "$(host_dir a)/root" && isconf_on a -q exec touch one) &&
	fault_on a lockstmt-read:held &&
	expect_code 1 isconf_on a ci &&
	grep "^isconf: error: ci failed: reading the state lock:generic:held: disk I/O error (fault)" err &&
	status_has a "held by .*@a" &&
	fault_on a "" &&
	isconf_on a -q ci &&
	wait_for 10 status_has b "^lock: *none"
'

test_done
