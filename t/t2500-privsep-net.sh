#!/bin/sh
test_description='the network process: unprivileged, sandboxed, without the journal or the host key, restarted when it dies'
. "$(dirname "$0")/lib-isconf.sh"

A=$(host_dir a)/root
B=$(host_dir b)/root

# net_pid HOST: the pid of HOST's network process.
net_pid() {
	for _p in $(pgrep -P "$(host_pid "$1")"); do
		test "$(tr "\0" " " <"/proc/$_p/cmdline" 2>/dev/null)" = \
		    "isconfd: network " && echo "$_p"
	done
}
has_net_pid() {
	test -n "$(net_pid "$1")"
}
# status_line PID FIELD: the field of /proc/PID/status.
status_line() {
	awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"
}
# ci_one HOST TEXT: one transaction on HOST writing TEXT to runs.
ci_one() {
	(cd "$(host_dir "$1")/root" && isconf_on "$1" -q lock "$2" &&
	isconf_on "$1" -q exec sh -c "echo $2 >>runs" &&
	isconf_on "$1" -q ci)
}

test_expect_success 'two hosts, each with a network process titled as such' '
	mesh a:1 b:2 &&
	wait_for 10 peers_known a 1 && wait_for 10 peers_known b 1 &&
	wait_for 10 has_net_pid a &&
	P=$(net_pid a) &&
	echo "isconfd: network" >expect &&
	ps -o args= -p "$P" >actual &&
	test_cmp expect actual
'

test_expect_success 'it runs as another user, without capabilities, no new privileges, under a seccomp filter, chrooted' '
	P=$(net_pid a) &&
	test "$(status_line $P Uid)" != 0 &&
	test "$(status_line $P CapEff)" = 0000000000000000 &&
	test "$(status_line $P CapPrm)" = 0000000000000000 &&
	test "$(status_line $P NoNewPrivs)" = 1 &&
	test "$(status_line $P Seccomp)" = 2 &&
	test "$(readlink /proc/$P/root)" != /
'

test_expect_success 'it holds no descriptor of the journal, the cache or the host key' '
	P=$(net_pid a) &&
	ls -l /proc/$P/fd >fds &&
	! grep -E "journal\.db|cache\.db|cache\.pack|host\.key" fds &&
	# The daemon itself holds the journal: the check can see one.
	ls -l /proc/$(host_pid a)/fd | grep -q "journal\.db"
'

test_expect_success 'a ci replicates through the network processes' '
	ci_one a first &&
	wait_head b "$(status_field a head)" &&
	isconf_on b -q up &&
	test "$(cat "$B/runs")" = first
'

test_expect_success 'the network process crashes on an input: the daemon restarts it, an up goes on, the mesh recovers' '
	(cd "$A" && isconf_on a -q lock slow &&
	isconf_on a -q exec sh -c "sleep 2; echo slow >>runs" &&
	isconf_on a -q ci) &&
	wait_head b "$(status_field a head)" &&
	stop_host b &&
	echo "ISCONF_NET_CRASH=c; export ISCONF_NET_CRASH" >>"$(host_dir b)/env" &&
	isconf_on b -q start &&
	wait_for 10 has_net_pid b &&
	OLD=$(net_pid b) &&
	{ (isconf_on b -q up >up.out 2>&1; echo $? >up.code) & } &&
	# c gossips to b: the first datagram from c crashes b'"'"'s network
	# process (a test build'"'"'s hook).
	make_host c 3 IS_GOSSIP_MS=500 &&
	echo 127.0.0.2 >"$(host_dir c)/home/conf/nets" &&
	isconf_on c -q start &&
	wait_for 10 grep -q "crash hook: network process crashes" \
	    "$(host_dir b)/isconfd.log" &&
	wait_for 10 grep -q "network process $OLD .*signal" \
	    "$(host_dir b)/isconfd.log" &&
	wait_for 10 test -f up.code &&
	test "$(cat up.code)" = 0 &&
	test "$(tail -1 "$B/runs")" = slow &&
	kill -0 "$(host_pid b)" &&
	wait_for 10 has_net_pid b &&
	test "$(net_pid b)" != "$OLD" &&
	ci_one a after &&
	wait_head b "$(status_field a head)" &&
	isconf_on b -q up &&
	test "$(tail -1 "$B/runs")" = after &&
	isconf_on b -q status >/dev/null
'

test_expect_success 'the network process cannot open the journal' '
	J="$(host_home a)/journal.db" &&
	test -f "$J" &&
	stop_host a &&
	echo "ISCONF_NET_OPEN='"'"'$J'"'"'; export ISCONF_NET_OPEN" >>"$(host_dir a)/env" &&
	isconf_on a -q start &&
	wait_for 10 grep -E -q "test hook: network process (could not open|opened)|network process [0-9]+ .*signal 31" \
	    "$(host_dir a)/isconfd.log" &&
	! grep "test hook: network process opened" "$(host_dir a)/isconfd.log"
'

stop_all_hosts
test_done
