#!/bin/sh
test_description='hostile configuration files: refused at start-up and by isconfd -n, with file:line (reload: t1200)'
. "$(dirname "$0")/lib-isconf.sh"

# IS_DOMAIN empty: conf/domain is read.
C=$(host_dir c)/home/conf

# refuses WHAT: isconf start and isconfd -n both fail saying WHAT on
# stderr, and no daemon is left running.  (The client reads main.cf and
# conf/domain itself: it may refuse before isconfd does, exit code 2.)
refuses() {
	! isconf_on c start >out 2>err &&
	grep -F "$1" err &&
	test -z "$(host_pid c)" &&
	expect_code 1 isconfd_on c -n &&
	grep -F "$1" err &&
	! grep "configuration OK" out
}

test_expect_success 'setup: host c with a domain file, and good keys' '
	make_host c 3 IS_DOMAIN= &&
	echo test.example >"$C/domain" &&
	printf "good-key-0123456789\n" >"$C/hmac_keys" &&
	chmod 600 "$C/hmac_keys" &&
	isconfd_on c -n >out 2>err &&
	echo "configuration OK" >expect &&
	test_cmp expect out &&
	test_must_be_empty err
'

test_expect_success 'a malformed hmac_keys line refuses start-up, naming file and line' '
	printf "good-key-0123456789\n# c\nbad key\n" >"$C/hmac_keys" &&
	refuses "$C/hmac_keys:3: key has a space"
'

test_expect_success 'a NUL byte in hmac_keys refuses start-up' '
	printf "good-key-0123456789\nsecond\0key\n" >"$C/hmac_keys" &&
	refuses "$C/hmac_keys:2: NUL byte"
'

test_expect_success 'a NUL byte in branch refuses start-up (not branch "gen")' '
	printf "good-key-0123456789\n" >"$C/hmac_keys" &&
	printf "gen\0eric\n" >"$C/branch" &&
	refuses "$C/branch:1: NUL byte" &&
	printf "generic\nsecond\n" >"$C/branch" &&
	refuses "$C/branch:2: more than one branch name" &&
	rm "$C/branch"
'

test_expect_success 'a NUL byte or a second line in domain refuses start-up' '
	printf "test.\0example\n" >"$C/domain" &&
	refuses "$C/domain:1: NUL byte" &&
	printf "test.example\nother\n" >"$C/domain" &&
	refuses "$C/domain:2: more than one domain name" &&
	echo test.example >"$C/domain"
'

test_expect_success 'a NUL byte or a bad line in nets refuses start-up' '
	printf "127.0.0.1\0junk\n" >"$C/nets" &&
	refuses "$C/nets:1: NUL byte" &&
	printf "127.0.0.1\n\n127.0.0.x\n" >"$C/nets" &&
	refuses "$C/nets:3: not an IP address" &&
	rm "$C/nets"
'

test_expect_success 'a bad trusted_keys line refuses start-up' '
	printf "# nobody yet\nnot-a-key\n" >"$C/trusted_keys" &&
	refuses "$C/trusted_keys:2: not a hex Ed25519 public key" &&
	rm "$C/trusted_keys"
'

test_expect_success 'an unbounded main.cf regex target refuses start-up and the client' '
	printf "DEFAULT:\n  X = 1\n^c+++++++++++++++++++++++++:\n  Y = 2\n" >main.cf &&
	echo "IS_MAINCF=\"$PWD/main.cf\"" >>"$(host_dir c)/env" &&
	refuses "main.cf:3: regex target ^c+++" &&
	expect_code 2 isconf_on c -D status &&
	echo "isconf: error: $PWD/main.cf:3: regex target ^c+++++++++++++++++++++++++: a repetition that follows neither one character, '\''.'\'' nor a [] expression (main.cf(5): REGEX BOUNDS) (isconfd -n checks the configuration)" >expect &&
	test_cmp expect err &&
	sed -i "\$d" "$(host_dir c)/env"
'

# Each bounded regex may take ~12 MB compiled: 400 of them kept
# compiled took 4 GB at start-up.  Now one is compiled at a time.
test_expect_success 'many bounded regex targets: memory stays small' '
	re="^$(printf "[a-z]{1,255}%.0s" $(seq 21))" &&
	{
		printf "DEFAULT:\n  X = 1\n" &&
		for i in $(seq 200); do printf "%s:\n  Y = %s\n" "$re" $i; done
	} >many.cf &&
	echo "IS_MAINCF=\"$PWD/many.cf\"" >>"$(host_dir c)/env" &&
	isconf_on c -q start &&
	kib=$(sed -n "s/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p" \
	    "/proc/$(host_pid c)/status") &&
	echo "peak $kib KiB" &&
	test "$kib" -lt 400000 &&
	isconf_on c -D status >out &&
	stop_host c &&
	sed -i "\$d" "$(host_dir c)/env"
'

test_expect_success 'a 0644 hmac_keys is warned about by isconfd -n and in the log' '
	chmod 644 "$C/hmac_keys" &&
	isconfd_on c -n >out 2>err &&
	echo "configuration OK" >expect &&
	test_cmp expect out &&
	echo "isconfd: warning: $C/hmac_keys holds secrets but is accessible to group or others (mode 0644; want 0600)" >expect &&
	test_cmp expect err &&
	isconf_on c -q start &&
	sed -n "s/^20[0-9T:-]* \[[0-9]*\] \(.*hmac_keys holds secrets\)/\1/p" "$(host_dir c)/isconfd.log" >actual &&
	test_cmp expect actual &&
	chmod 600 "$C/hmac_keys" &&
	stop_host c
'

# Issue 20: a typo in main.cf kept the operator from stopping the
# daemon or looking at it ("stop", "status" and so "restart" failed).
test_expect_success 'a broken main.cf does not block stop, status, log, hosts, key' '
	isconf_on c -q start &&
	printf "DEFAULT:\n  X = 1\nnot a stanza line\n" >typo.cf &&
	echo "IS_MAINCF=\"$PWD/typo.cf\"" >>"$(host_dir c)/env" &&
	isconfd_on c -n 2>cause; sed "s/^isconfd: //" cause >cause.txt &&
	echo "isconf: warning: $(cat cause.txt) (isconfd -n checks the configuration); looking for isconfd at IS_HOME=$(host_home c)" >expect &&
	for verb in status log hosts key report verify; do
		isconf_on c $verb >out 2>err &&
		test_cmp expect err || return 1
	done &&
	isconf_on c status | grep "^host: *c" &&
	expect_code 2 isconf_on c lock "needs main.cf" &&
	echo "isconf: error: $(cat cause.txt) (isconfd -n checks the configuration)" >expect.err &&
	test_cmp expect.err err &&
	expect_code 2 isconf_on c restart &&
	test_cmp expect.err err &&
	test -n "$(host_pid c)" &&
	isconf_on c stop >out 2>err &&
	grep "stopped" out &&
	test_cmp expect err &&
	expect_code 1 isconf_on c status &&
	grep "isconfd is not running" err &&
	sed -i "\$d" "$(host_dir c)/env"
'

test_done
