#!/bin/sh
test_description='forks on a branch made by fork, and on a fork of a fork: every host sees the fork, the copies replicate and verify'
. "$(dirname "$0")/lib-isconf.sh"
. "$ISCONF_TESTS/lib-netns.sh"

# A 12-digit id becomes HASH; the copies are named by them.
no_hash() {
	sed -e "s/[0-9a-f]\{12\}/HASH/g" "$@"
}

# branch_at HOST BRANCH SEQ: HOST's journal of BRANCH ends at SEQ.
branch_at() {
	test "$(isconf_on $1 log $2 | tail -1 | cut -f1)" = "$3"
}

# fork_branch HOST: the copy HOST keeps of the other side of its fork.
fork_branch() {
	isconf_on $1 status --json | perl -MJSON::PP -e '
		local $/; my $j = JSON::PP->new->decode(<STDIN>);
		print $j->{fork}{branch}, "\n";'
}

# has_copy HOST COPY MSG: HOST holds COPY, whose journal ends with MSG.
has_copy() {
	test "$(isconf_on $1 log $2 | tail -1 | cut -f6)" = "$3"
}

# both_copies HOST A B: HOST holds the copies of A's side and of B's.
both_copies() {
	has_copy $1 $(fork_branch $3) side-$2 &&
	has_copy $1 $(fork_branch $2) side-$3
}

# fork_scenario BRANCH NA A NB B NC C: hosts A, B, C (in namespaces
# hNA...) on BRANCH; A is cut off, A and B commit, the partition heals.
fork_scenario() {
	partition $2 down &&
	commit_on $3 "side-$3" &&
	commit_on $5 "side-$5" &&
	_h=$(status_field $5 head) &&
	wait_head $7 $_h &&
	partition $2 up
}

test_expect_success NETNS 'webserver, forked from generic with history' '
	at_exit=netns_cleanup &&
	ns_three a 1 b 2 c 3 &&
	isconf_on a -q fork webserver &&
	commit_on a web1 &&
	for h in b c; do
		wait_for 10 branch_at $h webserver 7 &&
		isconf_on $h -q migrate webserver &&
		isconf_on $h -q up || return 1
	done
'

test_expect_success NETNS 'split, commit on both sides, heal: every host reports the fork' '
	fork_scenario webserver 1 a 2 b 3 c &&
	for h in a b c; do
		wait_for 20 status_has $h ^FORK: || return 1
	done
'

test_expect_success NETNS 'both sides replicate to every host and verify' '
	for h in a b c; do
		wait_for 20 both_copies $h a b || return 1
	done &&
	no_refusals a b c
'

test_expect_success NETNS 'a bundle of a fork copy applies on a host that never saw it' '
	copy=$(fork_branch a) &&
	isconf_on a -q bundle create "$PWD/web.bundle" webserver &&
	isconf_on a -q bundle create "$PWD/copy.bundle" $copy &&
	start_host g 7 &&
	isconf_on g -q bundle apply "$PWD/web.bundle" &&
	isconf_on g bundle apply "$PWD/copy.bundle" >out &&
	grep "^isconf: applied bundle: 10 new entries on $copy, head 10" out &&
	has_copy g $copy side-b &&
	grep -q "FORK on webserver at entry 8: ours [0-9a-f]* by a, theirs [0-9a-f]* by b (kept as branch $copy)" \
	    "$(host_dir g)/isconfd.log" &&
	isconf_on g bundle apply "$PWD/copy.bundle" >out &&
	grep "^isconf: bundle holds nothing new for $copy" out &&
	no_refusals g &&
	stop_host g
'

api_hosts() {
	http_on $1 /api/v1/hosts
}

# http_on N PATH: PATH of the HTTP API of the host in namespace N.
http_on() {
	ip netns exec ${NS}h$1 curl -sf --max-time 10 http://127.0.0.1:65028$2
}

test_expect_success NETNS 'every host shows the fork: status, hosts, --json, API, metrics, dashboard, up -n' '
	for n in 1 2 3; do
		api_hosts $n >api.json &&
		json_eval api.json "
			my @f = map { \$_->{fork} } @{\$j->{hosts}};
			@f == 3 && !grep { !\$_ || \$_->{entry} != 8 ||
			    @{\$_->{heads}} != 2 } @f" &&
		http_on $n /metrics >metrics &&
		grep -q "^isconf_branch_forked{branch=\"webserver\"} 1$" metrics &&
		grep -q "^isconf_branch_forked{branch=\"generic\"} 0$" metrics &&
		http_on $n / | grep -q "FORK at" || return 1
	done &&
	for h in a b c; do
		isconf_on $h hosts >out &&
		test "$(grep -c "FORK at 8" out)" = 3 &&
		isconf_on $h hosts --json >hosts.json &&
		json_eval hosts.json "
			my @f = map { \$_->{fork} } @{\$j->{hosts}};
			@f == 3 && !grep { !\$_ || \$_->{entry} != 8 ||
			    @{\$_->{heads}} != 2 } @f" || return 1
	done &&
	status_on a >out &&
	echo "FORK:     at entry 8: ours HASH by a, theirs HASH by b (kept as branch webserver.fork-HASH)" >expect &&
	sed -n "/^FORK:/p" out | no_hash >actual &&
	test_cmp expect actual &&
	status_on c >out &&
	echo "FORK:     at entry 8: ours HASH by b, theirs HASH by a (kept as branch webserver.fork-HASH)" >expect &&
	sed -n "/^FORK:/p" out | no_hash >actual &&
	test_cmp expect actual &&
	expect_code 1 isconf_on c up -n &&
	echo "isconf: error: webserver forked at entry 8: this host has HASH (by b), a has HASH (kept as branch webserver.fork-HASH); up stops before the fork until it is resolved: isconf resolve webserver HASH (or HASH), on any host" >expect &&
	no_hash err >actual &&
	test_cmp expect actual &&
	expect_code 1 isconf_on c up &&
	no_hash err >actual &&
	test_cmp expect actual
'

# side HOST: the id (12 digits) of HOST's side of the fork, and
# other HOST: of the other side, as HOST's status records them.
side() {
	isconf_on $1 status --json | perl -MJSON::PP -e '
		local $/; my $j = JSON::PP->new->decode(<STDIN>);
		print $j->{fork}{ours}, "\n";'
}

no_fork() {
	! status_has $1 ^FORK: && status_has $1 "^resolved: fork at entry $2: $3 wins"
}

test_expect_success NETNS 'resolve on one host (no lock): every host stops reporting the fork' '
	win=$(side a) && lose=$(side b) &&
	echo "$win $lose" >sides &&
	isconf_on c resolve webserver $win >out &&
	grep "^isconf: resolved the fork of webserver at entry 8: $win wins" out &&
	for h in a b c; do
		wait_for 20 no_fork $h 8 $win || return 1
	done &&
	isconf_on b hosts >out &&
	! grep "FORK at" out &&
	http_on 2 /metrics >metrics &&
	grep -q "^isconf_branch_forked{branch=\"webserver\"} 0$" metrics
'

test_expect_success NETNS 'a host that applied only common entries goes on with up' '
	isconf_on c -q up &&
	test "$(status_field c applied)" = 10 &&
	tail -1 "$(host_dir c)/root/log" >actual &&
	echo side-a >expect &&
	test_cmp expect actual &&
	isconf_on a -q up
'

# diverged_on HOST LOSE: HOST lists b as diverged, with the entries it
# applied: status, hosts, --json and /api/v1/hosts (namespace N).
diverged_on() {
	status_has $1 "^DIVERGED: host b applied entries 8 9 10 of the losing side of webserver (kept as branch webserver.fork-$2); isconf up --adopt there moves it onto the winner" &&
	isconf_on $1 hosts >out &&
	grep -q "^b  *webserver  *10  *1[0-9]  *DIVERGED at 8-10 " out &&
	isconf_on $1 hosts --json >hosts.json &&
	json_eval hosts.json "
		my (\$b) = grep { \$_->{host} eq q(b) } @{\$j->{hosts}};
		\$b->{diverged}{from} == 8 && \$b->{diverged}{to} == 10 &&
		\$b->{diverged}{kept_as} eq q(webserver.fork-$2)" &&
	status_on $1 --json >st.json &&
	json_eval st.json "
		my \$d = \$j->{diverged_hosts};
		@\$d == 1 && \$d->[0]{host} eq q(b) && \$d->[0]{from} == 8 &&
		\$d->[0]{to} == 10"
}

not_diverged() {
	! status_has $1 ^DIVERGED && ! isconf_has $1 DIVERGED hosts
}

test_expect_success NETNS 'a host that applied the losing side is listed as diverged on every host' '
	read win lose <sides &&
	for h in a c; do
		wait_for 20 diverged_on $h $lose || return 1
	done &&
	status_has b "^DIVERGED: applied entries 8 9 10 of the losing side (kept as branch webserver.fork-$lose)" &&
	isconf_on b hosts >out &&
	grep -q "^b  *webserver  *10  *1[0-9]  *DIVERGED at 8-10 " out &&
	api_hosts 3 >api.json &&
	json_eval api.json "
		my (\$b) = grep { \$_->{host} eq q(b) } @{\$j->{hosts}};
		\$b->{diverged}{from} == 8 && \$b->{diverged}{to} == 10" &&
	! status_has c "^DIVERGED: host a"
'

test_expect_success NETNS 'a host that applied the losing side is diverged until up --adopt' '
	read win lose <sides &&
	status_has b "^DIVERGED: applied entries 8 9 10 of the losing side (kept as branch webserver.fork-$lose)" &&
	expect_code 1 isconf_on b up -n &&
	expect_code 1 isconf_on b up &&
	echo "isconf: error: up: this host applied entries of the losing side of webserver'"'"'s fork from entry 8 on (kept as branch webserver.fork-$lose); '"'"'isconf up --adopt'"'"' moves it onto the winning side (nothing is undone); nothing was applied" >expect &&
	test_cmp expect err &&
	isconf_on b up --adopt >out &&
	grep "adopted the winning side of webserver: entries from 8 on that this host applied are recorded as applied on webserver.fork-$lose" out &&
	test "$(status_field b applied)" = 10 &&
	! status_has b ^DIVERGED &&
	printf "side-b\nside-a\n" >expect &&
	tail -2 "$(host_dir b)/root/log" >actual &&
	test_cmp expect actual &&
	isconf_on b log --applied webserver.fork-$lose | grep -q side-b &&
	for h in a c; do
		wait_for 20 not_diverged $h || return 1
	done
'

test_expect_success NETNS 'the losing side is kept; a later ci replays everywhere' '
	read win lose <sides &&
	for h in a b c; do
		has_copy $h webserver.fork-$lose side-b || return 1
	done &&
	commit_on a after &&
	for h in b c; do
		wait_head $h 13 && isconf_on $h -q up &&
		test "$(tail -1 "$(host_dir $h)/root/log")" = after || return 1
	done &&
	no_refusals a b c
'

test_expect_success NETNS 'a fork of a fork: web-eu, forked from webserver' '
	TEST_DOMAIN=eu.example &&
	ns_three d 4 e 5 f 6 &&
	isconf_on d -q fork webserver &&
	commit_on d web1 &&
	isconf_on d -q fork web-eu &&
	commit_on d eu1 &&
	for h in e f; do
		wait_for 10 branch_at $h web-eu 11 &&
		isconf_on $h -q migrate web-eu &&
		isconf_on $h -q up || return 1
	done &&
	fork_scenario web-eu 4 d 5 e 6 f &&
	for h in d e f; do
		wait_for 20 status_has $h ^FORK: &&
		wait_for 20 both_copies $h d e || return 1
	done &&
	no_refusals d e f
'

test_expect_success NETNS 'two conflicting decisions: shown as such, the later wins' '
	dside=$(side d) && eside=$(side e) &&
	echo "$dside $eside" >eu-sides &&
	isconf_on f -q resolve web-eu $dside &&
	for h in d e f; do
		wait_for 20 no_fork $h 12 $dside || return 1
	done &&
	isconf_on d -q resolve web-eu $eside &&
	for h in d e f; do
		wait_for 20 no_fork $h 12 $eside &&
		status_has $h "CONFLICTING decisions" || return 1
	done &&
	isconf_on e -q up && isconf_on f -q up &&
	expect_code 1 isconf_on d up &&
	isconf_on d -q up --adopt &&
	for h in d e f; do
		test "$(tail -1 "$(host_dir $h)/root/log")" = side-e || return 1
	done
'

# resolved_for HOST SIDE: HOST applies the decision that SIDE wins.
resolved_for() {
	status_has $1 "^resolved: fork at entry 12: $2 wins"
}

# decisions HOST: how many decisions HOST holds (status lists each).
decisions() {
	isconf_on $1 status | sed -n "s/^resolved: .*the latest wins: //p" |
	    awk -F", " "{ print NF }"
}

# same_decisions HOST REF: HOST holds as many decisions as REF.  Each
# is a branch of its own, so they need not arrive in the order made.
same_decisions() {
	test "$(decisions $1)" = "$(decisions $2)"
}

test_expect_success NETNS 'the later decision wins: several in one second, and one from a host whose clock is behind' '
	read dside eside <eu-sides &&
	for w in $dside $eside $dside $eside $dside $eside; do
		isconf_on f -q resolve web-eu $w &&
		resolved_for f $w || return 1
	done &&
	for h in d e; do
		wait_for 20 resolved_for $h $eside &&
		wait_for 20 same_decisions $h f || return 1
	done &&
	test "$(decisions f)" = 8 &&
	stop_host e &&
	echo "ISCONF_CLOCK_OFFSET_S=-30; export ISCONF_CLOCK_OFFSET_S" \
	    >>"$(host_dir e)/env" &&
	ns_restart e 5 &&
	isconf_on e -q resolve web-eu $dside &&
	for h in d e f; do
		wait_for 20 resolved_for $h $dside || return 1
	done
'

test_done
