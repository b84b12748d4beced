#!/bin/sh
test_description='the mesh: a ci on one host reaches the others, who replay it with up'
. "$(dirname "$0")/lib-isconf.sh"

A=$(host_dir a)/root
B=$(host_dir b)/root
C=$(host_dir c)/root

test_expect_success 'three hosts on 127.0.0.1-3 find each other' '
	mesh a:1 b:2 c:3 &&
	for h in a b c; do
		wait_for 10 peers_known $h 2 || return 1
	done
'

test_expect_success 'a transaction on a' '
	printf "hello fleet\n" >"$A/motd" && chmod 644 "$A/motd" &&
	isconf_on a -q lock "motd" &&
	isconf_on a -q snap "$A/motd" &&
	(cd "$A" && isconf_on a -q exec sh -c "echo ran >>runs") &&
	isconf_on a -q ci
'

test_expect_success 'b and c learn the new head without any manual step' '
	wait_head b 4 && wait_head c 4
'

test_expect_success 'up on b and c replays it' '
	isconf_on b -q up && isconf_on c -q up &&
	cmp "$A/motd" "$B/motd" && cmp "$A/motd" "$C/motd" &&
	test "$(cat "$B/runs")" = ran && test "$(cat "$C/runs")" = ran
'

test_expect_success 'all hosts see the lock holder; ci releases it everywhere' '
	isconf_on b -q lock "b is working" &&
	wait_for 10 status_has a "lock: *held by .*@b" &&
	echo "lock:     held by USER@b since DATE UTC: b is working" >expect &&
	status_on c >out &&
	sed -n "s/^\(lock: *held by \).*@b since 20[0-9-]* [0-9:]* UTC:/\1USER@b since DATE UTC:/p" out >actual &&
	test_cmp expect actual &&
	expect_code 220 isconf_on c lock "c wants it" &&
	echo "isconf: error: branch generic is locked by USER@b since DATE UTC: b is working" >expect &&
	sed "s/by .*@b since 20[0-9-]* [0-9:]* UTC:/by USER@b since DATE UTC:/" err >actual &&
	test_cmp expect actual &&
	(cd "$B" && isconf_on b -q exec touch from-b) &&
	isconf_on b -q ci &&
	wait_head a 7 && wait_head c 7 &&
	wait_for 10 status_has a "^lock: *none"
'

test_expect_success 'a stopped host catches up in order when it comes back' '
	stop_host c &&
	isconf_on a -q up &&
	for i in 1 2 3; do
		isconf_on a -q lock "round $i" &&
		(cd "$A" && isconf_on a -q exec sh -c "echo $i >>order") &&
		isconf_on a -q ci || return 1
	done &&
	wait_head b 16 &&
	isconf_on c -q start &&
	isconf_on c -q up &&
	test "$(status_field c applied)" = 16 &&
	test "$(cat "$C/order")" = "$(printf "1\n2\n3")"
'

test_expect_success 'up fetches from peers first, with a bounded wait' '
	isconf_on a -q lock "more" && (cd "$A" && isconf_on a -q exec true) &&
	isconf_on a -q ci &&
	isconf_on b -q up &&
	test "$(status_field b applied)" = 19
'

test_expect_success 'the origin stopped after ci: b still gets all chunks from c' '
	head -c 3000000 /dev/urandom >"$A/blob" &&
	isconf_on a -q lock "blob" && isconf_on a -q snap "$A/blob" &&
	isconf_on a -q ci &&
	wait_head c 22 && wait_head b 22 &&
	isconf_on c -q up && cmp "$A/blob" "$C/blob" &&
	stop_host a &&
	isconf_on b -q up &&
	cmp "$C/blob" "$B/blob" &&
	isconf_on a -q start
'

test_done
