#!/bin/sh
test_description='fork and migrate: allowed and refused'
. "$(dirname "$0")/lib-isconf.sh"

A=$(host_dir a)/root
B=$(host_dir b)/root

test_expect_success 'fork before the first ci works' '
	start_host z 9 &&
	isconf_on z fork early >out &&
	echo "isconf: forked early from generic at entry 0; this host is now on early" >expect &&
	test_cmp expect out &&
	test "$(status_field z branch)" = early &&
	test "$(cat "$(host_dir z)/home/conf/branch")" = early
'

test_expect_success 'setup: two transactions on generic' '
	start_host a 1 && start_host b 2 &&
	for i in 1 2; do
		isconf_on a -q lock "base $i" &&
		(cd "$A" && isconf_on a -q exec sh -c "echo base$i >>log") &&
		isconf_on a -q ci || return 1
	done
'

test_expect_success 'fork moves only this host to the child branch' '
	isconf_on a fork web >out &&
	echo "isconf: forked web from generic at entry 6; this host is now on web" >expect &&
	test_cmp expect out &&
	test "$(status_field a branch)" = web &&
	test "$(status_field a head)" = 7 &&
	test "$(status_field a applied)" = 7 &&
	isconf_on a log web >out && test $(wc -l <out) = 7 &&
	echo "7	fork	a	fork of generic	from generic" >expect &&
	sed -n "7p" out | cut -f 1,3,4,6- >actual &&
	test_cmp expect actual
'

test_expect_success 'fork to an existing branch is refused' '
	expect_code 1 isconf_on a fork generic &&
	echo "isconf: error: branch generic already exists; use '\''isconf migrate generic'\'' to move this host to it" >expect &&
	test_cmp expect err
'

test_expect_success 'web gets its own transaction' '
	isconf_on a -q lock "web only" &&
	(cd "$A" && isconf_on a -q exec sh -c "echo web >>log") &&
	isconf_on a -q ci && test "$(status_field a head)" = 10
'

test_expect_success 'b replays generic, then migrates to web and catches up' '
	bundle_copy a b &&
	isconf_on b -q bundle create "$PWD/dummy" generic 2>/dev/null;
	isconf_on a -q bundle create "$PWD/generic.bundle" generic &&
	isconf_on b -q bundle apply "$PWD/generic.bundle" &&
	isconf_on b -q up &&
	test "$(cat "$B/log")" = "$(printf "base1\nbase2")" &&
	isconf_on b migrate web >out &&
	echo "isconf: this host is now on web; run '\''isconf up'\'' to apply its entries" >expect &&
	test_cmp expect out &&
	test "$(status_field b applied)" = 6 &&
	isconf_on b -q up &&
	test "$(cat "$B/log")" = "$(printf "base1\nbase2\nweb")" &&
	test "$(status_field b applied)" = 10
'

test_expect_success 'migrate to a branch that does not exist is refused' '
	expect_code 1 isconf_on b migrate nosuch &&
	echo "isconf: error: migrate: no branch nosuch is known here" >expect &&
	test_cmp expect err
'

test_expect_success 'migrate back to the parent after applying child entries is refused' '
	expect_code 1 isconf_on b migrate generic &&
	echo "isconf: error: migrate refused: generic is not a contiguous superset of what this host applied on web (entry 7 differs or is missing)" >expect &&
	test_cmp expect err &&
	test "$(status_field b branch)" = web
'

test_expect_success 'migrate is judged by history, not by the old journal' '
	start_host c 3 &&
	isconf_on a -q bundle create "$PWD/generic.bundle" generic &&
	isconf_on c -q bundle apply "$PWD/generic.bundle" &&
	isconf_on a -q bundle create "$PWD/web.bundle" web &&
	isconf_on c -q bundle apply "$PWD/web.bundle" &&
	isconf_on c migrate web >out &&
	test "$(status_field c branch)" = web &&
	isconf_on c -q up && test "$(status_field c applied)" = 10
'

test_expect_success 'a child forked at what b applied is a valid target' '
	isconf_on c fork db >out &&
	isconf_on c -q bundle create "$PWD/db.bundle" db &&
	isconf_on b -q bundle apply "$PWD/db.bundle" &&
	isconf_on b migrate db >out &&
	echo "isconf: this host is now on db; run '\''isconf up'\'' to apply its entries" >expect &&
	test_cmp expect out &&
	isconf_on b -q migrate web
'

test_expect_success 'once b applied more of web, the fork db is refused' '
	isconf_on a -q lock "web later" &&
	(cd "$A" && isconf_on a -q exec true) &&
	isconf_on a -q ci &&
	isconf_on a -q bundle create "$PWD/web.bundle" web &&
	isconf_on b -q bundle apply "$PWD/web.bundle" &&
	isconf_on b -q up && test "$(status_field b applied)" = 13 &&
	expect_code 1 isconf_on b migrate db &&
	echo "isconf: error: migrate refused: db is not a contiguous superset of what this host applied on web (entry 11 differs or is missing)" >expect &&
	test_cmp expect err
'

test_done
