#!/bin/sh
test_description='large files reach peers intact; nothing crosses the wire in clear'
. "$(dirname "$0")/lib-isconf.sh"

A=$(host_dir a)/root

test_expect_success 'setup: three hosts' '
	mesh a:1 b:2 c:3 &&
	for h in a b c; do wait_for 10 peers_known $h 2 || return 1; done
'

test_expect_success 'nothing crosses the wire in clear: a relay logs every byte' '
	perl "$SHARNESS_TEST_SRCDIR/relay.pl" 127.0.0.9 127.0.0.2 127.0.0.4 \
	    65027 relay.log relay.ready &
	rpid=$! &&
	at_exit="kill $rpid 2>/dev/null" &&
	wait_for 10 test -f relay.ready &&
	make_host d 4 IS_GOSSIP_MS=300 &&
	echo 127.0.0.9 >"$(host_dir d)/home/conf/nets" &&
	echo 127.0.0.9 >>"$(host_dir b)/home/conf/nets" &&
	isconf_on d -q start &&
	marker=SECRET-CONTENT-$$-XYZZY &&
	for i in $(seq 2000); do echo "$marker line $i"; done >"$A/secret.txt" &&
	isconf_on a -q lock "secret" &&
	isconf_on a -q snap "$A/secret.txt" &&
	(cd "$A" && isconf_on a -q exec sh -c "echo CMD-$marker >/dev/null") &&
	isconf_on a -q ci &&
	wait_head b 4 && isconf_on b -q up &&
	isconf_on d -q up &&
	kill $rpid &&
	cmp "$A/secret.txt" "$(host_dir d)/root/secret.txt" &&
	echo "3	exec	a	secret	sh -c '\''echo CMD-$marker >/dev/null'\''" >expect &&
	isconf_on d log >out && sed -n 3p out | cut -f 1,3,4,6- >actual &&
	test_cmp expect actual &&
	test $(wc -c <relay.log) -gt 20000 &&
	! grep -a -q "XYZZY" relay.log &&
	! grep -a -q "SECRET-CONTENT" relay.log
'

test_expect_success 'a 64 MiB snapped file reaches two peers intact' '
	head -c 67108864 /dev/urandom >"$A/big.img" &&
	isconf_on a -q lock "big file" &&
	isconf_on a -q snap "$A/big.img" &&
	isconf_on a -q ci &&
	wait_head b 7 && wait_head c 7 &&
	isconf_on b -q up && isconf_on c -q up &&
	cmp "$A/big.img" "$(host_dir b)/root/big.img" &&
	cmp "$A/big.img" "$(host_dir c)/root/big.img"
'

test_expect_success 'transfers show progress on a terminal, and only there' '
	for h in b c; do
		isconf_on $h -q stop &&
		echo "IS_PREFETCH=0; export IS_PREFETCH" >>"$(host_dir $h)/env" &&
		isconf_on $h -q start || return 1
	done &&
	# 12 MB: about 60 chunks, never 32 or fewer, which would be
	# journaled inline (SNAP_INLINE_MAX) with no chunk lists to fetch
	# (8 MB was, once in CI).
	head -c 12000000 /dev/urandom >"$A/medium" &&
	isconf_on a -q lock "medium" && isconf_on a -q snap "$A/medium" &&
	isconf_on a -q ci && wait_head b 10 && wait_head c 10 &&
	(. "$(host_dir b)/env" && script -qec "\"$ISCONF\" up" /dev/null) >tty.out &&
	grep "fetched [0-9.]* of 11.4 MiB" tty.out &&
	isconf_on c up >plain.out 2>plain.err &&
	cat >expect <<-\EOF &&
	isconf: fetching N chunk lists from N peers
	isconf: fetched N of N chunk lists from N peers
	isconf: fetching N chunks (12000000 bytes) from N peers
	isconf: fetched N of N chunks (12000000 bytes) from N peers
	isconf: [8/10] lock
	isconf: [9/10] snap /medium
	isconf: [10/10] ci
	isconf: generic is up to date at entry 10 (3 applied now)
	EOF
	sed -e "s/ [0-9]* of [0-9]* chunk/ N of N chunk/" -e "s/ [0-9]* chunk/ N chunk/" \
	    -e "s/ from [0-9]* peers*\$/ from N peers/" -e "s/chunk list /chunk lists /" \
	    -e "s/N chunk (/N chunks (/" plain.out >actual &&
	test_cmp expect actual && test_cmp /dev/null plain.err &&
	cmp "$A/medium" "$(host_dir b)/root/medium" &&
	cmp "$A/medium" "$(host_dir c)/root/medium"
'

served() {
	curl -s "http://127.0.0.$1:65028/metrics" |
	    sed -n "s/^isconf_chunk_bytes_total{direction=.out.} //p"
}

test_expect_success 'hosts fetching at once serve each other, each chunk once' '
	isconf_on d -q stop &&
	a0=$(served 1) && b0=$(served 2) && c0=$(served 3) &&
	head -c 33554432 /dev/urandom >"$A/shared.img" &&
	isconf_on a -q lock "shared" && isconf_on a -q snap "$A/shared.img" &&
	isconf_on a -q ci && wait_head b 13 && wait_head c 13 &&
	{ isconf_on b -q up & isconf_on c -q up; } &&
	wait $! &&
	cmp "$A/shared.img" "$(host_dir b)/root/shared.img" &&
	cmp "$A/shared.img" "$(host_dir c)/root/shared.img" &&
	da=$(($(served 1) - a0)) && db=$(($(served 2) - b0)) &&
	dc=$(($(served 3) - c0)) &&
	echo "origin $da, b $db, c $dc" &&
	# and the chunk list objects: 36 bytes a chunk, less than 8 KiB
	# here, where one chunk more would be 64 KiB at least.
	test $((da + db + dc)) -ge $((2 * 33554432)) &&
	test $((da + db + dc)) -le $((2 * 33554432 + 16384))
'

test_expect_success 'a peer that lacks the chunks at first is asked again once it has them' '
	make_host e 5 IS_PREFETCH=0 IS_GOSSIP_MS=500 &&
	make_host f 6 IS_PREFETCH=0 IS_GOSSIP_MS=500 &&
	printf "127.0.0.1\n127.0.0.6\n" >"$(host_dir e)/home/conf/nets" &&
	echo 127.0.0.5 >"$(host_dir f)/home/conf/nets" &&
	isconf_on e -q start && isconf_on f -q start &&
	wait_for 10 peers_known f 1 &&
	head -c 8000000 /dev/urandom >"$A/relayed" &&
	isconf_on a -q lock "relayed" && isconf_on a -q snap "$A/relayed" &&
	isconf_on a -q ci && wait_head e 16 && wait_head f 16 &&
	# f knows only e, and e has the entries but not the chunks yet.
	{ isconf_on f up >f.out 2>f.err & } &&
	fpid=$! &&
	wait_for 10 grep -q "fetching" f.out f.err &&
	isconf_on e -q up &&
	wait $fpid &&
	cmp "$A/relayed" "$(host_dir f)/root/relayed" &&
	test "$(served 5)" -ge 8000000
'

test_done
