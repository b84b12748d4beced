#!/bin/sh
test_description='fetching rarest first by the holdings peers announce (issue 24)'
. "$(dirname "$0")/lib-isconf.sh"

# Small chunks: a file of a few hundred of them, in list objects.
ISCONF_CHUNK_MAX=8192
export ISCONF_CHUNK_MAX
A=$(host_dir a)/root

# have N NAME: isconf_have_NAME_total on 127.0.0.N.
have() {
	curl -s "http://127.0.0.$1:65028/metrics" |
	    sed -n "s/^isconf_have_$2_total //p"
}

# joiner NAME N PEERS [VAR=VALUE...]: a host whose nets are PEERS (host
# numbers), not prefetching, started.
joiner() {
	_n=$1 _num=$2 _peers=$3
	shift 3
	make_host $_n $_num IS_GOSSIP_MS=300 IS_PREFETCH=0 "$@" &&
	for _p in $_peers; do echo 127.0.0.$_p; done \
	    >"$(host_dir $_n)/home/conf/nets" &&
	isconf_on $_n -q start
}

# snapfile NAME BYTES: a snaps a new random file; prints the head.
snapfile() {
	head -c $2 /dev/urandom >"$A/$1" &&
	isconf_on a -q lock "$1" && isconf_on a -q snap "$A/$1" &&
	isconf_on a -q ci
}

head_of() {
	status_field a head
}

# pair S SN C CN PEERS FILE BYTES VAR=VALUE: server S (127.0.0.SN,
# peer of a, with VAR set) and client C (CN, nets PEERS) started, C
# knowing all of PEERS (else its fetch may never meet S); then a snaps
# FILE of BYTES, which both know of.
pair() {
	joiner $1 $2 "1" $8 &&
	joiner $3 $4 "$5" &&
	wait_for 10 knows $3 $(echo $5 | wc -w) &&
	snapfile $6 $7 &&
	h=$(head_of) &&
	wait_head $1 $h && wait_head $3 $h
}

# knows HOST N: HOST knows N peers or more.
knows() {
	test "$(isconf_on $1 status | sed -n "s/^peers: *\([0-9]*\) known.*/\1/p")" -ge $2
}

test_expect_success 'setup: a origin, b c d fetching only on up' '
	make_host a 1 IS_GOSSIP_MS=300 &&
	printf "127.0.0.%s\n" 2 3 4 >"$(host_dir a)/home/conf/nets" &&
	isconf_on a -q start &&
	joiner b 2 "1 3 4" && joiner c 3 "1 2 4" && joiner d 4 "1 2 3" &&
	for h in a b c d; do wait_for 10 peers_known $h 3 || return 1; done
'

test_expect_success 'three hosts fetch at once, rarest first, and tell each other' '
	snapfile big 3000000 &&
	h=$(head_of) &&
	for x in b c d; do wait_head $x $h || return 1; done &&
	(isconf_on b -q up & isconf_on c -q up & isconf_on d -q up & wait) &&
	for x in b c d; do
		cmp "$A/big" "$(host_dir $x)/root/big" || return 1
	done &&
	test "$(have 1 requests)" -ge 3 &&
	asked=0 announced=0 received=0 &&
	for n in 2 3 4; do
		asked=$((asked + $(have $n asked))) &&
		announced=$((announced + $(have $n announced))) &&
		received=$((received + $(have $n received))) || return 1
	done &&
	echo "asked $asked announced $announced received $received" &&
	test $asked -ge 9 && test $announced -ge 3 &&
	test $received -gt 0 &&
	test "$(have 2 refused)" = 0
'

test_expect_success 'a peer that announces chunks it lacks: NOCHUNK, fetched elsewhere' '
	pair e 5 f 6 "1 5" small 100000 ISCONF_HAVE_EVIL=3 &&
	isconf_on f -q up &&
	cmp "$A/small" "$(host_dir f)/root/small" &&
	test "$(have 5 requests)" -ge 1 &&
	test "$(have 6 announced)" -ge 2 &&
	test "$(have 6 refused)" = 0
'

# The frames are checked before anything is done with them: the peer is
# dropped, counted, and its chunks come from the others.
for evil in 1:HAVE 2:BITFIELD; do
test_expect_success "a malformed ${evil#*:} closes the connection, counted" '
	n=$((6 + ${evil%%:*})) &&
	pair x$n $((n + 1)) y$n $((n + 3)) "1 $((n + 1))" evil$n 400000 \
	    ISCONF_HAVE_EVIL=${evil%%:*} &&
	isconf_on x$n -q up && isconf_on y$n -q up &&
	cmp "$A/evil$n" "$(host_dir y$n)/root/evil$n" &&
	test "$(have $((n + 3)) refused)" -ge 1 &&
	isconf_on x$n -q status && isconf_on y$n -q status &&
	stop_host x$n && stop_host y$n
'
done

# p's fetch gets chunks from o (which holds everything) through the
# connection it makes again without asking.
test_expect_success 'a daemon before holdings refuses the request: asked blind' '
	pair o 12 p 13 "12" old 400000 ISCONF_HAVE_OLD=1 &&
	isconf_on o -q up &&
	isconf_on p -q up &&
	cmp "$A/old" "$(host_dir p)/root/old" &&
	test "$(have 13 asked)" -ge 1 &&
	test "$(have 13 fallback)" -ge 1 &&
	test "$(have 12 requests)" = 0 &&
	curl -s http://127.0.0.12:65028/metrics >m &&
	grep "^isconf_chunks_total{direction=\"out\"} [1-9]" m
'

test_expect_success 'IS_FETCH_HAVE=no asks blind, as before' '
	joiner q 14 "1" IS_FETCH_HAVE=no &&
	wait_for 10 knows q 1 &&
	h=$(head_of) &&
	wait_head q $h && isconf_on q -q up &&
	cmp "$A/big" "$(host_dir q)/root/big" &&
	test "$(have 14 asked)" = 0 && test "$(have 14 announced)" = 0
'

test_expect_success 'teardown' '
	stop_all_hosts
'

test_done
