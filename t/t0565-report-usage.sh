#!/bin/sh
test_description='issue 20: report shows what each exec used (wait4 rusage) and each install wrote, for the last up and the origin, kept in history'
. "$(dirname "$0")/lib-isconf.sh"

A=$(host_dir a)/root
B=$(host_dir b)/root

# Burns some CPU and memory, and writes a file (blocks out).
BURN='i=0; x=; while [ $i -lt 20000 ]; do i=$((i + 1)); x="$x."; done; head -c 300000 /dev/zero >burn.out; sync burn.out'

test_expect_success 'setup: a checks in a snap and an exec that burns' '
	start_host a 1 && start_host b 2 &&
	head -c 5000 /dev/zero >"$A/blob" &&
	isconf_on a -q lock "usage" &&
	isconf_on a -q snap "$A/blob" &&
	(cd "$A" && isconf_on a -q exec sh -c "$BURN") &&
	isconf_on a -q ci &&
	bundle_copy a b
'

test_expect_success 'origin: report shows what its own exec used' '
	isconf_on a report >rep &&
	sed -n "/^last transaction/,\$p" rep >ci &&
	grep "^  seq   kind   time                      user_s   sys_s   rss_kb majflt  minflt in_blk outblk     bytes  detail\$" ci &&
	grep "^  3     exec   " ci >row &&
	awk "{ exit !(\$6 + \$7 > 0 && \$8 > 100 && \$10 > 0) }" row &&
	isconf_on a report --json >rep.json &&
	json_eval rep.json "\$j->{last_ci}{entries}[2]{usage}{maxrss_kb} > 100 && \$j->{last_ci}{entries}[2]{usage}{user_us} + \$j->{last_ci}{entries}[2]{usage}{sys_us} > 0 && !defined \$j->{last_ci}{entries}[0]{usage}"
'

test_expect_success 'target: report of the last up, rusage per exec and bytes per install' '
	isconf_on b up >/dev/null &&
	isconf_on b report >rep &&
	grep "^  2     snap   0      *[0-9]*        -       -        -      -       -      -      -      5000  /blob\$" rep &&
	grep "^  3     exec   0 " rep >row &&
	awk "{ exit !(\$5 + \$6 > 0 && \$7 > 100 && \$9 > 0 && \$11 >= 0) }" row &&
	isconf_on b report --json >rep.json &&
	json_eval rep.json "\$j->{last_up}{entries}[1]{usage}{bytes} == 5000 && \$j->{last_up}{entries}[2]{usage}{maxrss_kb} > 100 && \$j->{last_up}{entries}[2]{usage}{minflt} > 0 && exists \$j->{last_up}{entries}[2]{usage}{oublock} && !defined \$j->{last_up}{entries}[0]{usage}"
'

test_expect_success 'a failed exec: its usage is shown on the FAILED row' '
	isconf_on a -q lock "fails on b" &&
	(cd "$A" && isconf_on a -q exec sh -c "test \$IS_HOSTNAME = a || { $BURN; exit 4; }") &&
	isconf_on a -q ci && bundle_copy a b &&
	expect_code 1 isconf_on b up &&
	isconf_on b report >rep &&
	grep "^  6     exec   FAILED        - " rep >row &&
	awk "{ exit !(\$7 > 100) }" row &&
	grep "exit status 4: sh -c " row &&
	isconf_on b report --json >rep.json &&
	json_eval rep.json "\$j->{last_up}{entries}[1]{usage}{maxrss_kb} > 100 && \$j->{last_up}{entries}[1]{status} == 4"
'

test_expect_success 'history rows from before the usage column read as not measured' '
	isconf_on b -q stop &&
	sqlite3 "$(host_home b)/journal.db" "CREATE TABLE h2 AS SELECT branch, seq, id, time, status, duration_ms FROM history; DROP TABLE history; CREATE TABLE history(branch TEXT NOT NULL, seq INTEGER NOT NULL, id BLOB NOT NULL, time INTEGER, status INTEGER, duration_ms INTEGER, PRIMARY KEY(branch, seq)); INSERT INTO history SELECT * FROM h2; DROP TABLE h2;" &&
	isconf_on b -q start &&
	isconf_on b report --json >rep.json &&
	json_eval rep.json "!defined \$j->{last_up}{entries}[0]{usage}" &&
	isconf_on b log --applied >log &&
	test $(grep -c "	applied " log) = 5
'

test_done
