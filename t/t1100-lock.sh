#!/bin/sh
test_description='one lock per branch across the mesh: concurrent claims have exactly one winner'
. "$(dirname "$0")/lib-isconf.sh"

test_expect_success 'setup: three hosts' '
	mesh a:1 b:2 c:3 &&
	for h in a b c; do wait_for 10 peers_known $h 2 || return 1; done
'

for round in 1 2 3 4 5; do
test_expect_success "concurrent lock from a and b, round $round: exactly one wins" '
	( isconf_on a lock "from a" >a.out 2>a.err; echo $? >a.rc ) &
	( isconf_on b lock "from b" >b.out 2>b.err; echo $? >b.rc ) &
	wait &&
	rcs="$(cat a.rc) $(cat b.rc)" &&
	case "$rcs" in
	"0 220") winner=a loser=b ;;
	"220 0") winner=b loser=a ;;
	*) echo "exit codes: $rcs"; cat a.err b.err; false ;;
	esac &&
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

test_done
