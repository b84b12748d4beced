#!/bin/sh
test_description='a full disk: snap, ci, up and chunk fetches fail with a clear message, nothing is corrupted, and succeed once there is room'
. "$(dirname "$0")/lib-isconf.sh"

A=$(host_dir a)/root
B=$(host_dir b)/root
MNT=$root/full
if test "$(id -u)" = 0 && mkdir -p "$MNT" &&
    mount -t tmpfs -o size=4m isconf-test "$MNT" 2>/dev/null; then
	umount "$MNT"
	test_set_prereq TMPFS
fi

small() {	# small DIR SIZE: a tmpfs of SIZE at DIR, 0700 (not 1777:
		# isconfd refuses a shared directory as IS_HOME)
	mkdir -p "$1" && mount -t tmpfs -o size=$2,mode=0700 isconf-test "$1"
}
grow() {
	mount -o remount,size=$2 "$1"
}
unmount_all() {
	stop_all_hosts
	umount "$MNT/a" "$MNT/b" "$MNT/broot" 2>/dev/null
	return 0
}

test_expect_success TMPFS 'setup: a and b with their state on small tmpfs mounts' '
	at_exit=unmount_all &&
	small "$MNT/a" 3m && small "$MNT/b" 3m &&
	mesh a:1 b:2 && wait_for 10 peers_known a 1 &&
	isconf_on a -q stop && isconf_on b -q stop &&
	for h in a b; do
		cp -a "$(host_dir $h)/home/." "$MNT/$h/" &&
		echo "IS_HOME=$MNT/$h; export IS_HOME" >>"$(host_dir $h)/env" &&
		isconf_on $h -q start || return 1
	done &&
	wait_for 10 peers_known a 1
'

test_expect_success TMPFS 'snap of a file larger than the free space fails clearly' '
	head -c 6000000 /dev/urandom >"$A/big" &&
	isconf_on a -q lock "too big" &&
	expect_code 1 isconf_on a snap "$A/big" &&
	grep -i "disk is full\|No space left" err &&
	echo "lock:     held by USER@a since DATE UTC: too big" >expect &&
	status_on a >out &&
	sed -n "s/^\(lock: *held by \).*@a since 20[0-9-]* [0-9:]* UTC:/\1USER@a since DATE UTC:/p" out >actual &&
	test_cmp expect actual &&
	isconf_on a log >/dev/null
'

test_expect_success TMPFS 'with room, the same snap and ci succeed' '
	grow "$MNT/a" 64m &&
	isconf_on a -q snap "$A/big" &&
	isconf_on a -q ci &&
	test "$(status_field a head)" = 3
'

test_expect_success TMPFS 'chunk fetches that hit a full disk fail clearly; the journal stays consistent' '
	wait_head b 3 &&
	expect_code 1 isconf_on b up &&
	grep -i "not in the cache\|disk is full\|No space" err &&
	test "$(status_field b applied)" -lt 3 &&
	isconf_on b log >log && test $(wc -l <log) = 3
'

test_expect_success TMPFS 'with room, the same up succeeds' '
	grow "$MNT/b" 64m &&
	isconf_on b -q up &&
	cmp "$A/big" "$B/big"
'

test_expect_success TMPFS 'up that cannot write a file under IS_ROOT fails clearly, leaves nothing half-written' '
	small "$MNT/broot" 1m &&
	isconf_on b -q stop &&
	echo "IS_ROOT=$MNT/broot; export IS_ROOT" >>"$(host_dir b)/env" &&
	isconf_on b -q start &&
	head -c 2000000 /dev/urandom >"$A/big2" &&
	isconf_on a -q lock "big2" && isconf_on a -q snap "$A/big2" &&
	isconf_on a -q ci && wait_head b 6 &&
	expect_code 1 isconf_on b up &&
	grep "No space left on device" err &&
	test ! -e "$MNT/broot/big2" &&
	! ls "$MNT/broot" | grep isconf-tmp &&
	grow "$MNT/broot" 64m &&
	isconf_on b -q up &&
	cmp "$A/big2" "$MNT/broot/big2"
'

test_expect_success TMPFS 'ci with no room for the journal fails clearly and keeps the work' '
	isconf_on a -q lock "tight" &&
	(cd "$A" && isconf_on a -q exec true) &&
	fill=$MNT/a/filler &&
	(dd if=/dev/zero of="$fill" bs=1M count=100 2>/dev/null; true) &&
	expect_code 1 isconf_on a ci &&
	grep -i "disk is full\|No space" err &&
	rm -f "$fill" &&
	isconf_on a ci >out &&
	echo "isconf: checked in 3 entries on generic: head 9 (HASH)" >expect &&
	sed "s/([0-9a-f]\{12\})$/(HASH)/" out >actual &&
	test_cmp expect actual
'

test_done
