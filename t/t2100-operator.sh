#!/bin/sh
test_description='operator tools: verify, report, log --applied, failures in status, --json'
. "$(dirname "$0")/lib-isconf.sh"

A=$(host_dir a)/root
B=$(host_dir b)/root

grep -q "pause hook: paused" "$ISCONFD" && test_set_prereq PAUSE_HOOKS

test_expect_success 'setup: a transaction replayed on b, then one that fails on b only' '
	start_host a 1 && start_host b 2 &&
	mkdir -p "$A/etc" && echo "config" >"$A/etc/app.conf" &&
	chmod 640 "$A/etc/app.conf" && ln -s app.conf "$A/etc/link" &&
	isconf_on a -q lock "install app" &&
	isconf_on a -q snap "$A/etc/app.conf" && isconf_on a -q snap "$A/etc/link" &&
	(cd "$A" && isconf_on a -q exec sh -c "sleep 0.2") &&
	isconf_on a -q ci &&
	isconf_on a -q lock "breaks on b" &&
	(cd "$A" && isconf_on a -q exec sh -c "echo checking \$IS_HOSTNAME; [ \$IS_HOSTNAME = a ] || { echo line1; echo line2 >&2; echo no good on \$IS_HOSTNAME; exit 3; }") &&
	isconf_on a -q ci &&
	bundle_copy a b &&
	expect_code 1 isconf_on b up &&
	cat >expect <<-\EOF &&
	line2
	isconf: error: entry 7 (exec sh -c '\''echo checking $IS_HOSTNAME; [ $IS_HOSTNAME = a ] || { echo line1; echo line2 >&2; echo no good on $IS_HOSTNAME; exit 3; }'\'') failed: exit status 3; stopping here
	isconf: fix the cause and run '\''isconf up'\'' again, or skip entry 7 from a host of generic: isconf lock --skip 7 MESSAGE, the fix, isconf ci (isconf(8): RECOVERING FROM A BAD CHANGE)
	EOF
	test_cmp expect err &&
	cat >expect <<-\EOF &&
	isconf: [1/8] lock
	isconf: [2/8] snap /etc/app.conf
	isconf: [3/8] snap /etc/link
	isconf: [4/8] exec sh -c '\''sleep 0.2'\''
	isconf: [5/8] ci
	isconf: [6/8] lock
	isconf: [7/8] exec sh -c '\''echo checking $IS_HOSTNAME; [ $IS_HOSTNAME = a ] || { echo line1; echo line2 >&2; echo no good on $IS_HOSTNAME; exit 3; }'\''
	EOF
	grep "^isconf: " out >actual &&
	test_cmp expect actual &&
	printf "%s\n" "checking b" line1 "no good on b" >expect &&
	grep -v "^isconf: " out >actual &&
	test_cmp expect actual
'

test_expect_success 'status shows the failure with its last output lines' '
	isconf_on b status >st &&
	cat >expect <<-\EOF &&
	last up:  DATE UTC, FAILED at entry 7 (sh -c '\''echo checking $IS_HOSTNAME; [ $IS_HOSTNAME = a ] || { echo line1; echo line2 >&2; echo no good on $IS_HOSTNAME; exit 3; }'\'') with status 3
	EOF
	sed -n "s/^\(last up: *\)20[0-9-]* [0-9:]* UTC/\1DATE UTC/p" st >actual &&
	test_cmp expect actual &&
	printf "%s\n" "checking b" line1 line2 "no good on b" >expect.output &&
	sed -n "s/^          | //p" st | sort >actual &&
	test_cmp expect.output actual &&
	isconf_on b status --json >st.json &&
	json_eval st.json "\$j->{last_up}{result} eq q(failed) && \$j->{last_up}{entry} == 7 && \$j->{last_up}{status} == 3 && \$j->{last_up}{output} =~ /no good on b/"
'

test_expect_success 'log --applied shows what was applied and the failure' '
	isconf_on b log --applied >log &&
	cat >expect <<-\EOF &&
	1	lock	a	install app		applied DATE in N ms, status 0
	2	snap	a	install app	/etc/app.conf	applied DATE in N ms, status 0
	3	snap	a	install app	/etc/link	applied DATE in N ms, status 0
	4	exec	a	install app	sh -c '\''sleep 0.2'\''	applied DATE in N ms, status 0
	5	ci	a	install app		applied DATE in N ms, status 0
	6	lock	a	breaks on b		applied DATE in N ms, status 0
	7	exec	a	breaks on b	sh -c '\''echo checking $IS_HOSTNAME; [ $IS_HOSTNAME = a ] || { echo line1; echo line2 >&2; echo no good on $IS_HOSTNAME; exit 3; }'\''	FAILED with status 3
	8	ci	a	breaks on b		not applied
	EOF
	grep -v "^          | " log | cut -f 1,3,4,6- |
	    sed "s/	applied 20[0-9-]* [0-9:]* UTC in [0-9]* ms,/	applied DATE in N ms,/" >actual &&
	test_cmp expect actual &&
	sed -n "s/^          | //p" log | sort >actual &&
	test_cmp expect.output actual &&
	isconf_on b log --applied --json >log.json &&
	json_eval log.json "\$j->[3]{applied}{duration_ms} >= 150 && \$j->[6]{failed}{status} == 3 && !defined \$j->[7]{applied}"
'

test_expect_success 'report: per-entry timings and status of the last up' '
	isconf_on b report >rep &&
	cat >expect <<-\EOF &&
	last up: ended DATE UTC: failed
	  seq   kind   status       ms  detail
	  1     lock   0       MS  
	  2     snap   0       MS  /etc/app.conf
	  3     snap   0       MS  /etc/link
	  4     exec   0       MS  sh -c '\''sleep 0.2'\''
	  5     ci     0       MS  
	  6     lock   0       MS  
	  7     exec   FAILED        -  exit status 3: sh -c '\''echo checking $IS_HOSTNAME; [ $IS_HOSTNAME = a ] || { echo line1; echo line2 >&2; echo no good on $IS_HOSTNAME; exit 3; }'\''
	  output of the failed entry (last lines):
	last transaction checked in here: none
	EOF
	sed -e "/^  output of/,/^last transaction/{//!d}" \
	    -e "s/^\(last up: ended \)20[0-9-]* [0-9:]* UTC/\1DATE UTC/" \
	    -e "/^  [0-9s]/s/^\(.\{32\}\).\{65\}/\1/" \
	    -e "s/^\(  [0-9] *[a-z]* *0 \) *[0-9]*  /\1      MS  /" rep >actual &&
	test_cmp expect actual &&
	sed "/^  output of/,/^last transaction/!d;//d" rep | sort >actual &&
	test_cmp expect.output actual &&
	isconf_on b report --json >rep.json &&
	json_eval rep.json "\$j->{last_up}{result} eq q(failed) && \$j->{last_up}{entries}[3]{duration_ms} >= 150 && \$j->{last_up}{entries}[-1]{failed}" &&
	isconf_on a report --json >repa.json &&
	json_eval repa.json "scalar(@{\$j->{last_ci}{entries}}) == 3"
'

test_expect_success 'verify: no drift right after up' '
	isconf_on a verify >v &&
	echo "checked 2 paths: 0 drifted" >expect && test_cmp expect v
'

test_expect_success 'verify catches a changed mode, a changed byte, a missing path, a retargeted link' '
	chmod 644 "$A/etc/app.conf" &&
	expect_code 1 isconf_on a verify &&
	cat >expect <<-\EOF &&
	DRIFT /etc/app.conf (entry 2): mode 0644, journal 0640
	checked 2 paths: 1 drifted
	EOF
	test_cmp expect out &&
	chmod 640 "$A/etc/app.conf" &&
	printf "Config\n" >"$A/etc/app.conf.new" && chmod 640 "$A/etc/app.conf.new" &&
	mv "$A/etc/app.conf.new" "$A/etc/app.conf" &&
	expect_code 1 isconf_on a verify &&
	cat >expect <<-\EOF &&
	DRIFT /etc/app.conf (entry 2): content differs
	checked 2 paths: 1 drifted
	EOF
	test_cmp expect out &&
	rm "$A/etc/link" && ln -s elsewhere "$A/etc/link" &&
	expect_code 1 isconf_on a verify --json &&
	json_eval out "\$j->{checked} == 2 && scalar(@{\$j->{drift}}) == 2 && \$j->{drift}[1]{problems} =~ /target elsewhere/" &&
	rm "$A/etc/link" &&
	expect_code 1 isconf_on a verify &&
	cat >expect <<-\EOF &&
	DRIFT /etc/app.conf (entry 2): content differs
	DRIFT /etc/link (entry 3): missing
	checked 2 paths: 2 drifted
	EOF
	test_cmp expect out
'

test_expect_success 'verify checks the latest version of each path' '
	echo "config" >"$A/etc/app.conf" && chmod 600 "$A/etc/app.conf" &&
	ln -s app.conf "$A/etc/link" &&
	isconf_on a -q lock "v2" && isconf_on a -q snap "$A/etc/app.conf" &&
	isconf_on a -q ci &&
	isconf_on a verify >v &&
	echo "checked 2 paths: 0 drifted" >expect && test_cmp expect v
'

# v pauses in verify after it has looked at a file's type, before it
# opens it, until the test removes $PAUSED.
PAUSED=$SHARNESS_TRASH_DIRECTORY/verify.paused
V=$(host_dir v)/root
# A daemon stuck opening the FIFO (the defect) is let go, so that the
# failing test can stop it.
release_fifo() {
	timeout 1 sh -c ': >"$1"' sh "$V/f"
}

test_expect_success PAUSE_HOOKS 'a FIFO swapped in for a snapped file as verify opens it: drift, promptly, and the daemon answers' '
	start_host v 9 ISCONF_PAUSE=verify-open ISCONF_PAUSE_FILE="$PAUSED" &&
	echo "data" >"$V/f" &&
	isconf_on v -q lock "a file" && isconf_on v -q snap "$V/f" &&
	isconf_on v -q ci &&
	{ isconf_on v verify >vout 2>verr; echo $? >vcode; } &
	wait_for 10 test -f "$PAUSED" &&
	rm "$V/f" && mkfifo "$V/f" && rm "$PAUSED" &&
	{ wait_for 5 test -s vcode || { release_fifo; false; }; } &&
	test "$(cat vcode)" = 1 &&
	grep "^DRIFT /f (entry 2): content differs" vout &&
	isconf_on v status >/dev/null
'

test_done
