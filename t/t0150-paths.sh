#!/bin/sh
test_description='a target never writes, reads or runs outside its IS_ROOT through a symlink'
. "$(dirname "$0")/lib-isconf.sh"

A=$(host_dir a)/root
B=$(host_dir b)/root
# "Outside" is a directory of the trash, never a real system one.  Under
# b's IS_ROOT, a link to it leads to $B$OUT, which these tests make.
OUT=$SHARNESS_TRASH_DIRECTORY/outside

test_expect_success 'setup: hosts a and b, a directory outside both' '
	start_host a 1 && start_host b 2 &&
	mkdir "$OUT"
'

test_expect_success 'a journaled link to outside, then a file below it: up fails, nothing outside' '
	ln -s "$OUT" "$A/evil" &&
	isconf_on a -q lock "evil link" &&
	isconf_on a -q snap "$A/evil" &&
	rm "$A/evil" && mkdir "$A/evil" && echo pwned >"$A/evil/passwd" &&
	isconf_on a -q snap "$A/evil/passwd" &&
	isconf_on a -q ci && bundle_copy a b &&
	expect_code 1 isconf_on b up &&
	echo "isconf: error: entry 3 (snap /evil/passwd) failed: $B/evil: No such file or directory" >expect &&
	echo "isconf: fix the cause and run '\''isconf up'\'' again, or skip entry 3 from a host of generic: isconf lock --skip 3 MESSAGE, the fix, isconf ci (isconf(8): RECOVERING FROM A BAD CHANGE)" >>expect &&
	test_cmp expect err &&
	! test -e "$OUT/passwd" &&
	test "$(readlink "$B/evil")" = "$OUT"
'

test_expect_success 'with the link target made under IS_ROOT, the file lands there' '
	mkdir -p "$B$OUT" &&
	isconf_on b -q up &&
	test "$(cat "$B$OUT/passwd")" = pwned &&
	! test -e "$OUT/passwd"
'

# a replaced its link /evil by a directory before ci: verify on b
# compares with that directory (issue 20 item 14).
test_expect_success 'verify reads the file under IS_ROOT, not through the link' '
	expect_code 1 isconf_on b verify &&
	printf "%s\n" "DRIFT /evil (entry 2): type differs" "checked 2 paths: 1 drifted" >expect &&
	test_cmp expect out &&
	rm "$B$OUT/passwd" && echo pwned >"$OUT/passwd" &&
	chmod --reference="$A/evil/passwd" "$OUT/passwd" &&
	expect_code 1 isconf_on b verify &&
	printf "%s\n" "DRIFT /evil (entry 2): type differs" "DRIFT /evil/passwd (entry 3): missing" "checked 2 paths: 2 drifted" >expect &&
	test_cmp expect out &&
	rm "$OUT/passwd" && isconf_on b -q up
'

test_expect_success 'links already on the target: parents and files stay inside' '
	ln -s "../../../outside" "$B/etc" && mkdir "$B/outside" &&
	ln -s "$OUT" "$B/var" &&
	mkdir -p "$A/etc" "$A/var/new" &&
	echo secret >"$A/etc/shadow" && echo new >"$A/var/new/file" &&
	isconf_on a -q lock "through target links" &&
	isconf_on a -q snap "$A/etc/shadow" &&
	isconf_on a -q snap "$A/var/new/file" &&
	isconf_on a -q ci && bundle_copy a b &&
	isconf_on b -q up &&
	test "$(cat "$B/outside/shadow")" = secret &&
	test "$(cat "$B$OUT/new/file")" = new &&
	! test -e "$OUT/shadow" &&
	! test -e "$OUT/new"
'

test_expect_success 'an exec whose directory is a link to outside runs inside IS_ROOT' '
	mkdir "$A/work" &&
	ln -s "$OUT" "$B/work" &&
	isconf_on a -q lock "exec through a link" &&
	(cd "$A/work" && isconf_on a -q exec touch ran-here) &&
	isconf_on a -q ci && bundle_copy a b &&
	isconf_on b -q up &&
	test -f "$B$OUT/ran-here" &&
	! test -e "$OUT/ran-here"
'

test_expect_success 'an exec whose directory does not resolve fails with 126, runs nothing' '
	mkdir "$A/gone" &&
	ln -s /nowhere "$B/gone" &&
	isconf_on a -q lock "exec nowhere" &&
	(cd "$A/gone" && isconf_on a -q exec touch ran-nowhere) &&
	isconf_on a -q ci && bundle_copy a b &&
	expect_code 1 isconf_on b up &&
	echo "isconf: error: entry 13 (exec touch ran-nowhere) failed: cannot chdir to $B/gone: No such file or directory; stopping here" >expect &&
	echo "isconf: fix the cause and run '\''isconf up'\'' again, or skip entry 13 from a host of generic: isconf lock --skip 13 MESSAGE, the fix, isconf ci (isconf(8): RECOVERING FROM A BAD CHANGE)" >>expect &&
	test_cmp expect err &&
	isconf_on b status >status &&
	sed -n "/^last up:/s/[0-9-]* [0-9:]* UTC/DATE/p" status >actual &&
	echo "last up:  DATE, FAILED at entry 13 (touch ran-nowhere) with status 126" >expect &&
	test_cmp expect actual &&
	! find "$B" "$OUT" -name ran-nowhere | grep .
'

# Names of NAME_MAX (255) bytes: a directory the target lacks, a file in
# it and a link; their temporaries must fit too.  Hosts of their own: b
# is stopped at the exec above.
LONG=$(printf "%0255d" 0)
LINK=$(printf "%0254d1" 0)

test_expect_success 'a directory, a file and a link with 255-byte names replicate' '
	start_host l 4 && start_host m 5 &&
	L=$(host_dir l)/root && M=$(host_dir m)/root &&
	mkdir "$L/$LONG" && echo long >"$L/$LONG/$LONG" &&
	ln -s target "$L/$LINK" &&
	isconf_on l -q lock "long names" &&
	isconf_on l -q snap "$L/$LONG/$LONG" && isconf_on l -q snap "$L/$LINK" &&
	isconf_on l -q ci && bundle_copy l m &&
	isconf_on m -q up &&
	cmp "$L/$LONG/$LONG" "$M/$LONG/$LONG" &&
	test "$(readlink "$M/$LINK")" = target &&
	! ls -A "$M" "$M/$LONG" | grep isconf-tmp &&
	isconf_on m verify
'

test_done
