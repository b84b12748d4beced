#!/bin/sh
test_description='a partition lets both sides commit; after healing every host records the fork and up stops before it'
. "$(dirname "$0")/lib-isconf.sh"

# Hosts live in their own network namespaces (10.77.0.N on a bridge in
# a fourth namespace); a partition is a bridge port taken down.
NS=isct$$
if test "$(id -u)" = 0 && ip netns add ${NS}probe 2>/dev/null; then
	ip netns del ${NS}probe
	test_set_prereq NETNS
fi

netns_setup() {
	ip netns add ${NS}br &&
	ip -n ${NS}br link add br0 type bridge &&
	ip -n ${NS}br link set br0 up &&
	for n in 1 2 3; do
		ip netns add ${NS}h$n &&
		ip link add v$NS$n type veth peer name p$NS$n &&
		ip link set v$NS$n netns ${NS}h$n &&
		ip link set p$NS$n netns ${NS}br &&
		ip -n ${NS}br link set p$NS$n master br0 &&
		ip -n ${NS}br link set p$NS$n up &&
		ip -n ${NS}h$n addr add 10.77.0.$n/24 dev v$NS$n &&
		ip -n ${NS}h$n link set v$NS$n up &&
		ip -n ${NS}h$n link set lo up || return 1
	done
}

netns_cleanup() {
	stop_all_hosts
	for n in br h1 h2 h3; do ip netns del ${NS}$n 2>/dev/null; done
	return 0
}

# host NAME N: a host in namespace hN at 10.77.0.N, knowing the others.
ns_host() {
	make_host $1 $2 IS_BIND=10.77.0.$2 IS_GOSSIP_MS=300 IS_LOCK_WAIT_MS=500 &&
	for n in 1 2 3; do
		test $n = $2 || echo 10.77.0.$n >>"$(host_dir $1)/home/conf/nets"
	done &&
	(. "$(host_dir $1)/env" && ip netns exec ${NS}h$2 "$ISCONF" -q start)
}

partition() {
	ip -n ${NS}br link set p$NS$1 $2
}

commit_on() {
	isconf_on $1 -q lock "$2" &&
	(cd "$(host_dir $1)/root" && isconf_on $1 -q exec sh -c "echo $2 >>log") &&
	isconf_on $1 -q ci
}

test_expect_success NETNS 'three hosts in namespaces' '
	at_exit=netns_cleanup &&
	netns_setup &&
	ns_host a 1 && ns_host b 2 && ns_host c 3 &&
	for h in a b c; do wait_for 10 peers_known $h 2 || return 1; done &&
	commit_on a base &&
	wait_head b 3 && wait_head c 3 &&
	isconf_on b -q up && isconf_on c -q up
'

test_expect_success NETNS 'partition {a} | {b, c}: both sides commit' '
	partition 1 down &&
	commit_on a "side-a" &&
	commit_on b "side-b" &&
	wait_head c 6 &&
	test "$(status_field a head)" = 6 &&
	test "$(status_field b head)" = 6 &&
	test "$(isconf_on a log | tail -1 | cut -f6)" = side-a &&
	test "$(isconf_on c log | tail -1 | cut -f6)" = side-b
'

test_expect_success NETNS 'after healing every host records the fork' '
	partition 1 up &&
	for h in a b c; do
		wait_for 20 status_has $h ^FORK: || return 1
	done &&
	echo "FORK:     at entry 4: ours HASH, theirs HASH (from PEER, kept as branch generic.fork-HASH)" >expect &&
	status_on a >out &&
	sed -n "/^FORK:/{s/[0-9a-f]\{12\}/HASH/g;s/from [0-9.]*,/from PEER,/;p}" out >actual &&
	test_cmp expect actual
'

test_expect_success NETNS 'nothing is dropped: both sides are kept' '
	isconf_on a log generic | grep -q side-a &&
	fb=$(isconf_on a status --json | perl -MJSON::PP -e "print JSON::PP->new->decode(join q(), <STDIN>)->{fork}{branch}") &&
	isconf_on a log "$fb" | grep -q side-b &&
	isconf_on b log generic | grep -q side-b
'

test_expect_success NETNS 'up stops before the fork with a message naming both' '
	expect_code 1 isconf_on c up &&
	echo "isconf: error: generic forked at entry 4: this host has HASH, PEER has HASH (kept as branch generic.fork-HASH); up stops before the fork until an administrator resolves it (isconf migrate)" >expect &&
	sed -e "s/[0-9a-f]\{12\}/HASH/g" -e "s/, [0-9.]* has /, PEER has /" err >actual &&
	test_cmp expect actual &&
	test "$(status_field c applied)" = 3 &&
	expect_code 1 isconf_on a up &&
	sed -e "s/[0-9a-f]\{12\}/HASH/g" -e "s/, [0-9.]* has /, PEER has /" err >actual &&
	test_cmp expect actual
'

test_expect_success NETNS 'IS_LOCK_QUORUM: the minority side of a partition cannot lock' '
	for h in a:1 b:2 c:3; do
		n=${h#*:} h=${h%%:*} &&
		isconf_on $h -q stop &&
		echo "IS_LOCK_QUORUM=1; export IS_LOCK_QUORUM" >>"$(host_dir $h)/env" &&
		(. "$(host_dir $h)/env" && ip netns exec ${NS}h$n "$ISCONF" -q start) || return 1
	done &&
	for h in a b c; do wait_for 10 peers_known $h 2 || return 1; done &&
	partition 1 down &&
	expect_code 220 isconf_on a lock "minority" &&
	echo "isconf: error: no quorum for the lock on generic: 1 of 3 hosts agreed (IS_LOCK_QUORUM is set)" >expect &&
	test_cmp expect err &&
	isconf_on b lock "majority" >out &&
	echo "isconf: locked generic: majority" >expect &&
	test_cmp expect out &&
	isconf_on b -q unlock &&
	partition 1 up
'

test_done
