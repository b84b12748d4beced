#!/bin/sh
test_description='issue 15, first item: a split and heal on a branch made by fork (and on a fork of a fork), two hosts a side: every host reports the fork, no host refuses the copies'
. "$(dirname "$0")/lib-isconf.sh"
. "$ISCONF_TESTS/lib-netns.sh"

# ns_four A NA B NB C NC D ND: four hosts in namespaces that know each
# other.
ns_four() {
	netns_setup $2 $4 $6 $8 &&
	ns_host $1 $2 $4 $6 $8 && ns_host $3 $4 $2 $6 $8 &&
	ns_host $5 $6 $2 $4 $8 && ns_host $7 $8 $2 $4 $6 &&
	for _h in $1 $3 $5 $7; do
		wait_for 10 peers_known $_h 3 || return 1
	done
}

branch_at() {
	test "$(isconf_on $1 log $2 | tail -1 | cut -f1)" = "$3"
}

# on_branch BRANCH SEQ HOST...: each host moves to BRANCH once it holds
# it up to SEQ, and applies it.
on_branch() {
	_b=$1 _s=$2
	shift 2
	for _h in "$@"; do
		wait_for 10 branch_at $_h $_b $_s &&
		isconf_on $_h -q migrate $_b &&
		isconf_on $_h -q up || return 1
	done
}

# split: a and b (namespaces 1, 2) reach each other but not c and d
# (3, 4), which reach each other; heal undoes it.  Routes, not bridge
# ports: each side is two hosts that talk.
routes() {
	for _p in "1 3" "1 4" "2 3" "2 4"; do
		set -- $_p
		ip -n ${NS}h$1 route $op unreachable 10.77.0.$2/32 &&
		ip -n ${NS}h$2 route $op unreachable 10.77.0.$1/32 || return 1
	done
}
split() {
	op=add routes
}
heal() {
	op=del routes
}

# fork_line HOST SEQ: HOST's status has a FORK line at entry SEQ.
fork_line() {
	status_has $1 "^FORK:     at entry $2: ours [0-9a-f]* by [a-z], theirs [0-9a-f]* by [a-z] (kept as branch $3.fork-[0-9a-f]*)"
}

# copies HOST BRANCH SEQ: HOST holds BRANCH and one copy, whose
# entries at SEQ differ (both sides).
copies() {
	_n=$(sqlite3 "$(host_dir $1)/home/journal.db" "SELECT count(DISTINCT id) FROM entries WHERE seq = $3 AND (branch = '$2' OR branch LIKE '$2.fork-%')") &&
	test "$_n" = 2
}

# Sides a b (namespaces 1 2) and c d (3 4): a cut off from c and d
# while a and b talk (each side is two hosts, so the hosts that made
# the other side's entries are never the ones a host pulls from
# first).
test_expect_success NETNS 'webserver, forked from generic with history, on four hosts' '
	at_exit=netns_cleanup &&
	ns_four a 1 b 2 c 3 d 4 &&
	commit_on a g1 && commit_on a g2 &&
	for h in b c d; do
		wait_head $h 6 && isconf_on $h -q up || return 1
	done &&
	isconf_on a -q fork webserver &&
	commit_on a web1 &&
	on_branch webserver 10 b c d
'

# split_commit MSG HEAD: a and c commit MSG-a, MSG-c apart; b and d
# get their side's head HEAD; the split heals.
split_commit() {
	split &&
	commit_on c $1-c &&
	commit_on a $1-a &&
	wait_head d $2 && wait_head b $2 &&
	heal
}

# forked_everywhere BRANCH SEQ: every host reports the fork at SEQ
# (status and hosts), holds both sides, and refused nothing after
# several sync rounds (gossip every 300 ms: a refusal repeats).
forked_everywhere() {
	for _h in a b c d; do
		wait_for 20 fork_line $_h $2 $1 &&
		wait_for 20 copies $_h $1 $2 || return 1
	done &&
	sleep 2 &&
	no_refusals a b c d &&
	for _h in a b c d; do
		isconf_on $_h hosts >out &&
		test "$(grep -c "FORK at $2" out)" = 4 || return 1
	done
}

test_expect_success NETNS 'split, commit on both sides, heal: every host reports the fork and holds both sides, none refuses the copy' '
	split_commit side 13 &&
	forked_everywhere webserver 11
'

fork_gone() {
	! status_has $1 ^FORK:
}

test_expect_success NETNS 'resolved, every host on the winner; then a fork of a fork: web-eu, forked from webserver' '
	isconf_on a -q resolve webserver $(isconf_on a status --json |
	    perl -MJSON::PP -e "local \$/; print JSON::PP->new->decode(<STDIN>)->{fork}{ours}") &&
	for h in a b c d; do
		wait_for 20 fork_gone $h || return 1
	done &&
	isconf_on b -q up && isconf_on d -q up &&
	isconf_on c -q up --adopt &&
	for h in a b c d; do
		test "$(tail -1 "$(host_dir $h)/root/log")" = side-a || return 1
	done &&
	isconf_on a -q fork web-eu &&
	commit_on a eu1 &&
	on_branch web-eu 17 b c d &&
	split_commit eu 20 &&
	forked_everywhere web-eu 18
'

test_done
