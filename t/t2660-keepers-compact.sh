#!/bin/sh
test_description='where holes cannot be punched, a prune compacts the pack, and a crash mid-compaction loses nothing (issue 23)'
. "$(dirname "$0")/lib-isconf.sh"

KEY=key-of-the-mesh-0123456789
HOSTS="a:1 k1:2 k2:3 n:4 b:5"
. "$SHARNESS_TEST_SRCDIR/lib-keepers.sh"

pack_du() {
	du -B1 "$(host_home n)/cache.pack" | cut -f1
}
du_below() {
	test "$(pack_du)" -lt "$1"
}
# n restarted with VAR=VALUE added to its environment, or with none.
restart_n() {
	grep -v "^ISCONF_CRASH=" "$(host_dir n)/env" >env.n &&
	cp env.n "$(host_dir n)/env" &&
	{ test -z "$1" || echo "${1%%=*}='${1#*=}'; export ${1%%=*}" \
	    >>"$(host_dir n)/env"; } &&
	isconf_on n -q start
}
gone() {
	! kill -0 "$1" 2>/dev/null
}

test_expect_success 'setup: n prunes on a file system without holes' '
	lay_out a 1 && lay_out k1 2 IS_CACHE_KEEP=1 &&
	lay_out k2 3 IS_CACHE_KEEP=1 && lay_out n 4 ISCONF_FAULT=cache-punch IS_CACHE_TRUST=pinned &&
	lay_out b 5 &&
	isconf_on a -q start && isconf_on k1 -q start &&
	isconf_on k2 -q start && isconf_on n -q start &&
	wait_for 10 peers_known n 3 &&
	check_in_on a 1 && check_in_on a 2 && check_in_on a 3 &&
	wait_head n 9 && isconf_on n -q up &&
	cmp v3 "$(host_dir n)/root/f"
'

test_expect_success 'the pack is compacted: du shrinks to about the last version' '
	wait_for 20 cache_json n "\$j->{keepers} == 2 && \$j->{prunable_chunks} == 0 && \$j->{missing_chunks} == 0" &&
	wait_for 10 du_below 1000000 &&
	! test -e "$(host_home n)/cache.pack.new" &&
	isconf_on n -q verify
'

test_expect_success 'a crash after the offsets moved, before the rename, loses nothing' '
	stop_host n && restart_n ISCONF_CRASH=compact-committed &&
	pid=$(host_pid n) &&
	check_in_on a 4 && check_in_on a 5 &&
	wait_head n 15 && isconf_on n -q up &&
	wait_for 20 gone $pid &&
	grep "crash hook: killed at compact-committed" "$(host_dir n)/isconfd.log" &&
	test -e "$(host_home n)/cache.pack.new" &&
	restart_n &&
	! test -e "$(host_home n)/cache.pack.new" &&
	cmp v5 "$(host_dir n)/root/f" && isconf_on n -q verify &&
	wait_for 20 cache_json n "\$j->{prunable_chunks} == 0 && \$j->{missing_chunks} == 0" &&
	wait_for 10 du_below 1000000
'

test_expect_success 'every chunk n holds reads back whole: its bundle applies' '
	isconf_on n -q bundle create "$PWD/n.bundle" &&
	isconf_on b -q start && isconf_on b -q bundle apply "$PWD/n.bundle" &&
	isconf_on b -q up && cmp v5 "$(host_dir b)/root/f" &&
	isconf_on b -q verify
'

test_done
