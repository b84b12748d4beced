#!/bin/sh
test_description='command lines with control characters and bytes that are not UTF-8: escaped in text output and logs, valid in JSON'
. "$(dirname "$0")/lib-isconf.sh"

A=$(host_dir a)/root
B=$(host_dir b)/root

# Ends at once on a; on b it runs until "release" appears, then fails.
CMD='test -f fast && exit 0; while ! test -f release; do sleep 0.1; done; exit 3'
ESC=$(printf '\033')
FF=$(printf '\377')
NL='a
exec: fake'

test_expect_success 'setup: a checks in an exec whose arguments hold ESC, a newline and 0xff' '
	start_host a 1 && start_host b 2 &&
	touch "$A/fast" &&
	isconf_on a -q lock "escapes" &&
	(cd "$A" && isconf_on a -q exec sh -c "$CMD" x "$ESC[2J" "$NL" "$FF") &&
	isconf_on a -q ci &&
	bundle_copy a b
'

test_expect_success 'status: the running exec on one line, escaped' '
	(isconf_on b up >up.out 2>&1 &) &&
	wait_for 10 eval "isconf_on b status >st && grep -q \"^exec:\" st" &&
	grep "^exec:" st | sed "s/ running as pid [0-9]* since [0-9-]* [0-9:]* UTC$/ running as pid PID since DATE/" >actual &&
	printf "%s\n" "exec:     entry 2 (sh -c '\''$CMD'\'' x \$'\''\\x1b[2J'\'' \$'\''a\\nexec: fake'\'' \$'\''\\xff'\'') on generic running as pid PID since DATE" >expect &&
	test_cmp expect actual &&
	grep -c "^exec:" st >count && echo 1 >expect && test_cmp expect count
'

test_expect_success 'status --json is valid UTF-8 JSON, 0xff as U+FFFD' '
	isconf_on b status --json >st.json &&
	python3 -c "
import json, sys
j = json.loads(open(sys.argv[1], \"rb\").read())
c = j[\"exec\"][\"command\"]
sys.exit(0 if c.endswith(\" x \$'\\\\x1b[2J' \$'a\\\\nexec: fake' \$'\\\\xff'\") else 1)
" st.json
'

test_expect_success 'the failure: last up, isconf log and the daemon log escaped' '
	touch "$B/release" &&
	wait_for 10 grep -q "failed: exit status 3" up.out &&
	isconf_on b status >st &&
	grep "^last up:" st | sed "s/^\(last up: *\)[0-9-]* [0-9:]* UTC, FAILED/\1DATE, FAILED/" >actual &&
	printf "%s\n" "last up:  DATE, FAILED at entry 2 (sh -c '\''$CMD'\'' x \$'\''\\x1b[2J'\'' \$'\''a\\nexec: fake'\'' \$'\''\\xff'\'') with status 3" >expect &&
	test_cmp expect actual &&
	isconf_on b log >log.out &&
	grep -c "	exec	" log.out >count && echo 1 >expect && test_cmp expect count &&
	! grep "^exec: fake" log.out &&
	sed -n "s/^20[0-9T:-]* \[[0-9]*\] \(isconfd: up stopped at \)/\1/p" "$(host_dir b)/isconfd.log" >actual &&
	printf "%s\n" "isconfd: up stopped at generic:2 (exec sh -c '\''$CMD'\'' x \$'\''\\x1b[2J'\'' \$'\''a\\nexec: fake'\'' \$'\''\\xff'\''): exit status 3" >expect &&
	test_cmp expect actual &&
	! grep "^exec: fake" "$(host_dir b)/isconfd.log" &&
	! grep "$ESC" up.out "$(host_dir b)/isconfd.log" log.out
'

test_done
