#!/bin/sh
test_description='crash safety: killed at every named point, restarted, the same command re-run: nothing lost, nothing applied twice'
. "$(dirname "$0")/lib-isconf.sh"

grep -q "crash hook: killed" "$ISCONFD" && test_set_prereq CRASH_HOOKS

A=$(host_dir a)/root
B=$(host_dir b)/root

# crash_start HOST POINT: (re)start HOST so that it dies at POINT.
crash_start() {
	(. "$(host_dir $1)/env" && ISCONF_CRASH=$2 && export ISCONF_CRASH &&
	 "$ISCONF" -q start)
}
# died HOST: the daemon is gone (its pid-file lock is free).
died() {
	wait_for 10 flock -n "$(host_dir $1)/home/isconfd.pid" true
}
restart_clean() {
	died $1 && isconf_on $1 -q start
}
count_in() {
	test "$(grep -c "$2" "$1" 2>/dev/null)" = "$3"
}

test_expect_success CRASH_HOOKS 'setup: a and b in a mesh' '
	mesh a:1 b:2 && wait_for 10 peers_known a 1 &&
	echo "v1" >"$A/conf" && chmod 640 "$A/conf"
'

test_expect_success CRASH_HOOKS 'killed during snap: the re-run snap journals it once' '
	stop_host a && crash_start a snap &&
	isconf_on a -q lock "snap crash" &&
	expect_code 1 isconf_on a snap "$A/conf" &&
	echo "isconf: error: isconfd closed the connection without an answer (see its log)" >expect &&
	test_cmp expect err &&
	restart_clean a &&
	isconf_on a -q snap "$A/conf" &&
	isconf_on a -q ci &&
	isconf_on a log >log && count_in log "	snap	" 1 &&
	wait_head b 3 && isconf_on b -q up && cmp "$A/conf" "$B/conf"
'

test_expect_success CRASH_HOOKS 'killed between wip write and ci publish: ci publishes it intact' '
	stop_host a && crash_start a ci-publish &&
	isconf_on a -q lock "ci crash" &&
	(cd "$A" && isconf_on a -q exec sh -c "echo once >>ci-runs") &&
	expect_code 1 isconf_on a ci &&
	restart_clean a &&
	test "$(status_field a head)" = 3 &&
	isconf_on a ci >out &&
	echo "isconf: checked in 3 entries on generic: head 6 (HASH)" >expect &&
	sed "s/([0-9a-f]\{12\})$/(HASH)/" out >actual &&
	test_cmp expect actual &&
	wait_head b 6 && isconf_on b -q up &&
	test "$(cat "$B/ci-runs")" = once
'

test_expect_success CRASH_HOOKS 'killed after ci, before the release is announced: everyone sees the head and no lock' '
	stop_host a && crash_start a ci-release &&
	isconf_on a -q lock "release crash" &&
	wait_for 10 status_has b "held by .*@a" &&
	(cd "$A" && isconf_on a -q exec true) &&
	expect_code 1 isconf_on a ci &&
	restart_clean a &&
	test "$(status_field a head)" = 9 &&
	echo "lock:     none" >expect &&
	status_on a >out && grep "^lock:" out >actual &&
	test_cmp expect actual &&
	expect_code 221 isconf_on a ci &&
	wait_head b 9 &&
	wait_for 10 status_has b "^lock: *none" &&
	isconf_on a log >log && count_in log "release crash" 3
'

test_expect_success CRASH_HOOKS 'killed during up before an entry is applied: up applies everything once' '
	isconf_on b -q up &&
	isconf_on a -q lock "replay crash" &&
	(cd "$A" && isconf_on a -q exec sh -c "echo run >>up-runs") &&
	echo "v2" >"$A/conf" && isconf_on a -q snap "$A/conf" &&
	isconf_on a -q ci && wait_head b 13 &&
	stop_host b && crash_start b up-before-apply &&
	expect_code 1 isconf_on b up &&
	restart_clean b &&
	isconf_on b -q up &&
	test "$(cat "$B/up-runs")" = run && cmp "$A/conf" "$B/conf" &&
	test "$(status_field b applied)" = 13
'

test_expect_success CRASH_HOOKS 'killed right after an entry is recorded: the rest follows, nothing twice' '
	isconf_on a -q lock "after crash" &&
	(cd "$A" && isconf_on a -q exec sh -c "echo one >>after-runs") &&
	(cd "$A" && isconf_on a -q exec sh -c "echo two >>after-runs") &&
	isconf_on a -q ci && wait_head b 17 &&
	stop_host b && crash_start b up-after-apply &&
	expect_code 1 isconf_on b up &&
	restart_clean b &&
	isconf_on b -q up &&
	test "$(cat "$B/after-runs")" = "$(printf "one\ntwo")"
'

test_expect_success CRASH_HOOKS 'killed between writing a file and renaming it: the final path is never half-written, the start removes the temporary' '
	echo "old" >"$B/target" &&
	head -c 200000 /dev/urandom >"$A/target" &&
	isconf_on a -q lock "install crash" && isconf_on a -q snap "$A/target" &&
	isconf_on a -q ci && wait_head b 20 &&
	stop_host b && crash_start b install-rename &&
	expect_code 1 isconf_on b up &&
	test "$(cat "$B/target")" = old &&
	tmp=.isconf-tmp.$(printf target | b2sum -l 256 | cut -c1-16) &&
	test -f "$B/$tmp" &&
	restart_clean b &&
	! ls -A "$B" | grep isconf-tmp &&
	echo "isconfd: removed $B/target'"'"'s temporary $tmp, left by an interrupted install" >expect &&
	sed -n "s/^20[0-9T:-]* \[[0-9]*\] \(isconfd: removed \)/\1/p" "$(host_dir b)/isconfd.log" >actual &&
	test_cmp expect actual &&
	isconf_on b -q up &&
	cmp "$A/target" "$B/target" &&
	! ls -A "$B" | grep isconf-tmp
'

test_expect_success CRASH_HOOKS 'killed while making a missing parent directory: it still gets the origin'"'"'s mode' '
	mkdir -m 0751 "$A/pdir" && echo in >"$A/pdir/file" &&
	isconf_on a -q lock "parent crash" && isconf_on a -q snap "$A/pdir/file" &&
	isconf_on a -q ci && wait_head b 23 &&
	stop_host b && crash_start b make-parent &&
	expect_code 1 isconf_on b up &&
	ls -A "$B" | grep isconf-tmp &&
	restart_clean b &&
	! ls -A "$B" | grep isconf-tmp &&
	isconf_on b -q up &&
	test "$(stat -c %a "$B/pdir")" = 751 &&
	cmp "$A/pdir/file" "$B/pdir/file"
'

test_expect_success CRASH_HOOKS 'killed during a chunk download: the fetch resumes and the file is intact' '
	head -c 4000000 /dev/urandom >"$A/big" &&
	isconf_on a -q lock "download crash" && isconf_on a -q snap "$A/big" &&
	stop_host b &&
	isconf_on a -q ci &&
	crash_start b chunk-download &&
	isconf_on b up >/dev/null 2>&1;
	died b &&
	isconf_on b -q start &&
	isconf_on b -q up &&
	cmp "$A/big" "$B/big" &&
	test "$(status_field b applied)" = 26
'

test_expect_success CRASH_HOOKS 'killed during bundle apply: applying it again completes it' '
	start_host c 3 &&
	isconf_on a -q bundle create "$PWD/all.bundle" &&
	stop_host c && crash_start c bundle-apply &&
	expect_code 1 isconf_on c bundle apply "$PWD/all.bundle" &&
	restart_clean c &&
	test "$(status_field c head)" = 0 &&
	isconf_on c -q bundle apply "$PWD/all.bundle" &&
	isconf_on c -q up &&
	cmp "$A/big" "$(host_dir c)/root/big" &&
	test "$(cat "$(host_dir c)/root/after-runs")" = "$(printf "one\ntwo")"
'

test_done
