#!/bin/sh
test_description='waves and holds in the fleet view: a peer'\''s wait and its reason, from its receipt (issues 25, 26)'
. "$(dirname "$0")/lib-isconf.sh"

# Four hosts in two waves: c1 c2 canary, l1 l2 rest (the last, no
# IS_WAVE).  l2 checks in; l1 is the one that waits.
cat >main.cf <<-\EOF
DEFAULT:
    IS_WAVES = canary rest
c1 c2:
    IS_WAVE = canary
EOF
TEST_MAINCF=$PWD/main.cf
L2=$(host_dir l2)/root

all="c1 c2 l1 l2"
wait_all_head() {
	for h in $all; do wait_head $h $1 || return 1; done
}
# checkin MSG FILE: l2 (brought up to date) checks in a transaction
# of one exec creating FILE.
checkin() {
	isconf_on l2 -q up &&
	isconf_on l2 -q lock "$1" &&
	(cd "$L2" && isconf_on l2 -q exec touch "$2") &&
	isconf_on l2 -q ci
}
# hosts_of HOST: its isconf hosts table into view.HOST.
hosts_of() {
	isconf_on $1 hosts >view.$1
}
# row_is HOST PEER STATE: HOST's table shows PEER in STATE.
row_is() {
	hosts_of $1 && grep "^$2 .* $3" view.$1
}
# api HOST QUERY: HOST's /api/v1/hosts?QUERY into api.json.
api() {
	curl -sf --max-time 20 "http://127.0.0.$1:65028/api/v1/hosts?$2" \
	    >api.json
}
# summary_col HOST COL: HOST's hosts --summary, column COL of the
# branch's line (6 WAVE, 7 HELD).
summary_col() {
	isconf_on $1 hosts --summary >summary.$1 &&
	awk -v c=$2 '$1 == "generic" { print $c }' summary.$1
}

test_expect_success 'setup: four hosts in two waves; l2 checks in' '
	mesh c1:1 c2:2 l1:3 l2:4 &&
	for h in $all; do wait_for 10 peers_known $h 3 || return 1; done &&
	checkin "one" one &&
	wait_all_head 3
'

why1="waiting for wave canary: 0 of 2 hosts applied the transaction at 1; 1 needed (IS_WAVE_MIN)"

test_expect_success 'l1 waits for the canaries' '
	expect_code 223 isconf_on l1 up &&
	echo "isconf: error: $why1" >expect &&
	head -1 err >actual &&
	test_cmp expect actual
'

for h in c1 l2; do
test_expect_success "$h (wave $(test $h = c1 && echo canary || echo rest)) shows l1 waiting, and why" '
	wait_for 10 row_is '$h' l1 "WAITING at 1, wave rest" &&
	grep -A1 "^l1 " view.'$h' | sed -n 2p >actual &&
	echo "  $why1" >expect &&
	test_cmp expect actual &&
	n='$(test $h = c1 && echo 1 || echo 4)' &&
	api $n "state=wave" &&
	json_eval api.json "@{\$j->{hosts}} == 1 && \$j->{hosts}[0]{host} eq q(l1) &&
	    \$j->{hosts}[0]{waiting} == 1 && !\$j->{hosts}[0]{held} &&
	    \$j->{hosts}[0]{why} eq q($why1)" &&
	api $n "limit=0" &&
	json_eval api.json "\$j->{summary}{branches}[0]{states}{wave} == 1 &&
	    (grep { \$_->{wave} eq q(rest) && \$_->{states}{wave} == 1 }
	    @{\$j->{summary}{waves}}) == 1" &&
	test "$(summary_col '$h' 6)" = 1
'
done

test_expect_success 'once l1 applies, no host shows it waiting' '
	isconf_on c1 -q up &&
	isconf_on l1 -q up &&
	test "$(status_field l1 applied)" = 3 &&
	wait_for 10 row_is c1 l1 "up to date, wave rest" &&
	! grep "^  waiting" view.c1 &&
	test "$(summary_col c1 6)" = 0
'

# Entries 4 lock, 5 exec, 6 ci.
test_expect_success 'a hold: every host shows the held one, and why' '
	checkin "two" two &&
	wait_all_head 6 &&
	isconf_on c2 -q hold "web3 fails: looking" &&
	wait_for 10 status_has l1 "^hold: *HELD by .*@c2" &&
	expect_code 224 isconf_on l1 up &&
	for h in c1 l2; do
		wait_for 10 row_is $h l1 "HELD at 4, wave rest" &&
		grep -A1 "^l1 " view.$h | sed -n 2p >actual &&
		grep "^  generic is held by .*@c2 since .*: web3 fails: looking$" actual &&
		test "$(summary_col $h 7)" = 1 || return 1
	done &&
	api 1 "state=held" &&
	json_eval api.json "@{\$j->{hosts}} == 1 && \$j->{hosts}[0]{host} eq q(l1) &&
	    \$j->{hosts}[0]{waiting} == 4 && \$j->{hosts}[0]{held} &&
	    \$j->{hosts}[0]{why} =~ /^generic is held by .*\@c2 since .*: web3 fails: looking\$/" &&
	api 1 "state=wave" &&
	json_eval api.json "@{\$j->{hosts}} == 0"
'

test_expect_success 'released, l1 goes on and no host shows it held' '
	isconf_on c2 -q release &&
	wait_for 10 eval "! status_has l1 \"^hold:\"" &&
	isconf_on c1 -q up &&
	isconf_on l1 -q up &&
	test "$(status_field l1 applied)" = 6 &&
	wait_for 10 row_is c1 l1 "up to date, wave rest" &&
	test "$(summary_col c1 7)" = 0
'

test_done
