#!/bin/sh
test_description='one lock per branch across the mesh: concurrent claims have exactly one winner'
. "$(dirname "$0")/lib-isconf.sh"

test_expect_success 'setup: three hosts' '
	mesh a:1 b:2 c:3 &&
	for h in a b c; do wait_for 10 peers_known $h 2 || return 1; done
'

# race: a and b lock at once; exactly one must win (exit 0, the other
# 220): sets winner and loser.
race() {
	( isconf_on a lock "from a" >a.out 2>a.err; echo $? >a.rc ) &
	( isconf_on b lock "from b" >b.out 2>b.err; echo $? >b.rc ) &
	wait &&
	rcs="$(cat a.rc) $(cat b.rc)" &&
	case "$rcs" in
	"0 220") winner=a loser=b ;;
	"220 0") winner=b loser=a ;;
	*) echo "exit codes: $rcs"; cat a.err b.err; false ;;
	esac
}

for round in 1 2 3 4 5; do
test_expect_success "concurrent lock from a and b, round $round: exactly one wins" '
	race &&
	echo "isconf: error: branch generic is locked by USER@$winner since DATE UTC: from $winner" >expect &&
	sed -e "s/by .*@$winner since 20[0-9-]* [0-9:]* UTC:/by USER@$winner since DATE UTC:/" \
	    -e "s/ (its claim came first)$//" $loser.err >actual &&
	test_cmp expect actual &&
	wait_for 10 status_has c "held by .*@$winner" &&
	(cd "$(host_dir $winner)/root" && isconf_on $winner -q exec true) &&
	isconf_on $winner -q ci &&
	h=$(status_field $winner head) &&
	wait_head $loser $h && isconf_on $loser -q up &&
	wait_head c $h && isconf_on c -q up &&
	isconf_on $loser -q lock "loser after the ci" &&
	isconf_on $loser -q ci
'
done

test_expect_success 'unlock on the holder releases the lock everywhere' '
	isconf_on a -q up && isconf_on b -q up && isconf_on c -q up &&
	isconf_on a -q lock "to be unlocked" &&
	wait_for 10 status_has b "held by .*@a" &&
	isconf_on a -q unlock &&
	wait_for 10 status_has b "^lock: *none" &&
	isconf_on b -q lock "now b" && isconf_on b -q unlock
'

test_expect_success 'a host that is behind cannot take the lock' '
	isconf_on a -q lock "ahead" && (cd "$(host_dir a)/root" && isconf_on a -q exec true) &&
	isconf_on a -q ci &&
	h=$(status_field a head) && wait_head b $h &&
	expect_code 1 isconf_on b lock "behind" &&
	echo "isconf: error: this host has applied $((h - 3)) of the $h entries of generic: run '\''isconf up'\'' before locking" >expect &&
	test_cmp expect err
'

test_expect_success 'lock with a peer down: taken at once, the silent peer named' '
	isconf_on a -q up && isconf_on b -q up && isconf_on c -q up &&
	stop_host c &&
	isconf_on a lock "c is down" >out 2>err &&
	echo "isconf: locked generic: c is down" >expect &&
	test_cmp expect out &&
	echo "isconf: lock on generic: no answer from c (1 of 2 peers, taken as down after MS ms)" >expect &&
	sed "s/after [0-9]* ms/after MS ms/" err >actual &&
	test_cmp expect actual &&
	isconf_on a -q unlock
'

for round in 1 2 3; do
test_expect_success "concurrent locks from a and b while c is down, round $round: exactly one wins" '
	race &&
	isconf_on $winner -q unlock
'
done

test_expect_success 'a lock broken by unlock on another host: the holder is told so' '
	isconf_on a -q lock "to be broken" &&
	(cd "$(host_dir a)/root" && isconf_on a -q exec true && isconf_on a -q exec true) &&
	wait_for 10 status_has b "held by .*@a" &&
	isconf_on b -q unlock &&
	wait_for 10 status_has a "^lock: *none" &&
	(cd "$(host_dir a)/root" && expect_code 221 isconf_on a exec true) &&
	echo "isconf: error: your lock on generic was broken by b at DATE UTC; 2 uncommitted entries discarded" >expect &&
	sed "s/at 20[0-9-]* [0-9:]* UTC;/at DATE UTC;/" err >actual &&
	test_cmp expect actual &&
	expect_code 221 isconf_on a ci &&
	sed "s/at 20[0-9-]* [0-9:]* UTC;/at DATE UTC;/" err >actual &&
	test_cmp expect actual &&
	isconf_on a -q lock "again" && isconf_on a -q unlock
'

# d and e know only a, and gossip too rarely for anti-entropy to tell
# them anything during the test: a lock reaches e only if a passes on
# the news it got from d.
test_expect_success 'a host that learns of a new lock, or of its release, passes it on' '
	start_host c 3 &&
	for h in d:4 e:5; do
		make_host ${h%%:*} ${h#*:} IS_GOSSIP_MS=600000 &&
		echo 127.0.0.1 >"$(host_dir ${h%%:*})/home/conf/nets" &&
		isconf_on ${h%%:*} -q start || return 1
	done &&
	wait_for 10 status_has a "^peers: *4 known" &&
	h=$(status_field a head) && wait_head d $h && isconf_on d -q up &&
	isconf_on d -q lock "from d" &&
	wait_for 10 status_has e "held by .*@d" &&
	wait_for 10 status_has b "held by .*@d" &&
	isconf_on d -q unlock &&
	wait_for 10 status_has e "^lock: *none" &&
	wait_for 10 status_has b "^lock: *none"
'

# e drops every RELEASE (a test fault): it learned of d's lock only
# second-hand, from a, and the holder d does not know it, so only the
# release a's hellos carry can clear it.
test_expect_success 'a host that missed every RELEASE clears the lock from a hello' '
	stop_host e &&
	(. "$(host_dir e)/env" && ISCONF_FAULT=release-recv &&
	 export ISCONF_FAULT && "$ISCONF" -q start) &&
	isconf_on d -q lock "e misses the release" &&
	wait_for 10 status_has e "held by .*@d" &&
	isconf_on d -q unlock &&
	wait_for 10 status_has b "^lock: *none" &&
	wait_for 10 status_has e "^lock: *none"
'

test_done
