#!/bin/sh
test_description='a chunk that several snaps need is fetched once'
. "$(dirname "$0")/lib-isconf.sh"

A=$(host_dir a)/root

test_expect_success 'setup: two hosts, b fetching only when it runs up' '
	make_host a 1 IS_GOSSIP_MS=300 &&
	make_host b 2 IS_GOSSIP_MS=300 IS_PREFETCH=0 &&
	echo 127.0.0.2 >"$(host_dir a)/home/conf/nets" &&
	echo 127.0.0.1 >"$(host_dir b)/home/conf/nets" &&
	isconf_on a -q start && isconf_on b -q start &&
	wait_for 10 peers_known b 1
'

# fetch_collect de-duplicates the chunk hashes of all the snaps up will
# apply: the copy adds no chunk, and no byte, to the fetch.
test_expect_success 'one file snapped twice: its chunks are fetched once' '
	head -c 3000000 /dev/urandom >"$A/one" &&
	cp "$A/one" "$A/two" &&
	isconf_on a -q lock "twice" &&
	isconf_on a -q snap "$A/one" &&
	isconf_on a -q snap "$A/two" &&
	isconf_on a -q ci &&
	wait_head b 4 &&
	isconf_on b up >out 2>err &&
	echo "3000000 from 1 peer" >expect &&
	sed -n "s/^.*fetching [0-9]* chunks (\([0-9]*\) bytes) \(from [0-9]* peers*\)$/\1 \2/p" \
	    out err >actual &&
	test_cmp expect actual &&
	sed -n "s/^.*fetched \([0-9]*\) of \([0-9]*\) chunks (\([0-9]*\) bytes).*/\1 \2 \3/p" \
	    out err >fetched &&
	read got want bytes <fetched &&
	test "$got" = "$want" && test "$bytes" = 3000000 &&
	cmp "$A/one" "$(host_dir b)/root/one" &&
	cmp "$A/one" "$(host_dir b)/root/two"
'

# issue 20: a fetch nobody answers says so, and counts are singular.
test_expect_success 'the only peer is gone: up says no peer answered' '
	echo single >"$A/single" &&
	isconf_on a -q lock "single" && isconf_on a -q snap "$A/single" &&
	isconf_on a -q ci &&
	wait_head b 7 &&
	stop_host a &&
	expect_code 1 isconf_on b up &&
	grep "^isconf: fetching 1 chunk (7 bytes) from 1 peer\$" out &&
	grep "^isconf: fetched 0 of 1 chunk (0 bytes): no peer answered (1 tried)\$" out &&
	isconf_on a -q start
'

test_done
