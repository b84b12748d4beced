#!/bin/sh
test_description='a snap of a file of many chunks stays a small entry and replicates'
. "$(dirname "$0")/lib-isconf.sh"

# A test build lowers the frame limit to 8.5 KiB and the chunk size to
# 8 KiB: a file of 4 MiB is then 512 chunks, whose inline chunk list
# (18 KiB) would not fit a frame, as 31,000 chunks (5.7 GiB) do not fit
# the real 1.1 MiB.
ISCONF_MAX_FRAME=8704 ISCONF_CHUNK_MAX=8192
export ISCONF_MAX_FRAME ISCONF_CHUNK_MAX

A=$(host_dir a)/root
B=$(host_dir b)/root

test_expect_success 'setup: two hosts with a lowered frame limit' '
	mesh a:1 b:2 &&
	wait_for 10 peers_known a 1 && wait_for 10 peers_known b 1
'

test_expect_success 'a file of 512 chunks replicates, and the entries after it' '
	head -c 4194304 /dev/urandom >"$A/big" &&
	head -c 100000 /dev/urandom >"$A/small" &&
	isconf_on a -q lock "big" &&
	isconf_on a -q snap "$A/big" &&
	isconf_on a -q snap "$A/small" &&
	isconf_on a -q ci &&
	wait_head b 4 &&
	isconf_on b -q up &&
	cmp "$A/big" "$B/big" &&
	cmp "$A/small" "$B/small"
'

test_expect_success 'a changed big file replicates again' '
	head -c 100000 /dev/urandom >>"$A/big" &&
	isconf_on a -q lock "bigger" &&
	isconf_on a -q snap "$A/big" &&
	isconf_on a -q ci &&
	wait_head b 7 &&
	isconf_on b -q up &&
	cmp "$A/big" "$B/big"
'

test_expect_success 'a bundle carries the chunk list objects: a lone host installs from it' '
	start_host c 3 &&
	bundle_copy a c &&
	isconf_on c -q up &&
	cmp "$A/big" "$(host_dir c)/root/big" &&
	cmp "$A/small" "$(host_dir c)/root/small"
'

test_expect_success 'verify on the targets finds the big file as journaled' '
	isconf_on b verify >out 2>err && test_cmp /dev/null err &&
	isconf_on c verify >out 2>err && test_cmp /dev/null err &&
	echo x >>"$B/big" &&
	! isconf_on b verify >out 2>err &&
	grep "/big" out err
'

test_done
