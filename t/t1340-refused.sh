#!/bin/sh
test_description='a peer that refuses the entries we serve is shown in status and counted'
. "$(dirname "$0")/lib-isconf.sh"

test_expect_success 'setup: a commits while b is down, and its signature is then broken' '
	mesh a:1 b:2 &&
	stop_host b &&
	isconf_on a -q lock "refused" &&
	(cd "$(host_dir a)/root" && isconf_on a -q exec true) &&
	isconf_on a -q ci &&
	stop_host a &&
	echo "UPDATE entries SET sig = zeroblob(64) WHERE seq = 3;" |
	    sqlite3 "$(host_home a)/journal.db" &&
	isconf_on a -q start && isconf_on b -q start
'

test_expect_success 'a sees that b refuses its entries, and why' '
	wait_for 10 status_has a "^REFUSED:" &&
	isconf_on a status >out &&
	grep "^REFUSED:  by b (127.0.0.[0-9]*), [0-9]* times, last at .*: refused: entry 3: bad signature$" out &&
	status_json a "\$j->{refused_by}[0]{peer} =~ /^b \\(/" &&
	curl -s http://127.0.0.1:65028/metrics >m &&
	grep "^isconf_peer_refusals_total [1-9]" m &&
	test_head_is b 0
'

test_expect_success 'the host that refused shows no refusal of its own' '
	isconf_on b status >out &&
	! grep REFUSED out &&
	status_json b "\$j->{refused_by} && !@{\$j->{refused_by}}" &&
	curl -s http://127.0.0.2:65028/metrics >m &&
	grep "^isconf_peer_refusals_total 0$" m
'

test_done
