#!/bin/sh
test_description='membership spreads: hosts that know only a learn each other, keep working without a, and remember peers across a restart'
. "$(dirname "$0")/lib-isconf.sh"

B=$(host_dir b)/root

# learned HOST OTHER: HOST's hosts lists OTHER.
knows() {
	isconf_on "$1" hosts | grep -q "^$2 "
}
hosts_view_b() {
	isconf_on b hosts >hosts.out &&
	grep "^a .* s ago (unreachable)$" hosts.out &&
	grep "^c .* s ago$" hosts.out
}
direct() {
	isconf_on "$1" hosts --json >"$SHARNESS_TRASH_DIRECTORY/hosts.json" &&
	json_eval "$SHARNESS_TRASH_DIRECTORY/hosts.json" \
	    "grep { \$_->{host} eq q($2) && \$_->{direct} } @{\$j->{hosts}}"
}

test_expect_success 'setup: a knows b and c; b and c know only a' '
	for h in a:1 b:2 c:3; do
		make_host ${h%:*} ${h#*:} IS_GOSSIP_MS=200 || return 1
	done &&
	printf "127.0.0.2\n127.0.0.3\n" >"$(host_dir a)/home/conf/nets" &&
	echo 127.0.0.1 >"$(host_dir b)/home/conf/nets" &&
	echo 127.0.0.1 >"$(host_dir c)/home/conf/nets" &&
	for h in a b c; do
		isconf_on $h -q start || return 1
	done &&
	wait_for 10 peers_known a 2
'

test_expect_success 'b and c learn each other from a, and become peers' '
	wait_for 20 peers_known b 2 && wait_for 20 peers_known c 2 &&
	direct b c && direct c b
'

test_expect_success 'with a stopped, a change committed on b reaches c' '
	stop_host a &&
	isconf_on b -q lock "without a" &&
	(cd "$B" && isconf_on b -q exec sh -c "echo ran >>runs") &&
	isconf_on b -q ci &&
	wait_head c 3
'

test_expect_success 'hosts, --json and /api/v1/hosts show the fleet: peers with address and last heard' '
	# Hellos from c reach b at random ticks: c can look unreachable for a
	# moment under load, so wait for the view rather than take one look.
	wait_for 10 hosts_view_b &&
	isconf_on b hosts --json >hosts.json &&
	json_eval hosts.json "my %d = map { \$_->{host} => \$_->{address} // q(self) } grep { \$_->{direct} } @{\$j->{hosts}}; \$d{a} eq q(127.0.0.1:65027) && \$d{c} eq q(127.0.0.3:65027) && \$d{b} eq q(self)" &&
	curl -s http://127.0.0.2:65028/api/v1/hosts >api.json &&
	json_eval api.json "3 == grep { \$_->{direct} } @{\$j->{hosts}}"
'

test_expect_success 'b restarted with an empty nets file still reaches c' '
	stop_host b &&
	test -s "$(host_dir b)/home/known_peers" &&
	grep -q "^c 127.0.0.3 65027 [0-9]*$" "$(host_dir b)/home/known_peers" &&
	: >"$(host_dir b)/home/conf/nets" &&
	isconf_on b -q start &&
	wait_for 20 direct b c &&
	isconf_on b -q lock "after restart" &&
	(cd "$B" && isconf_on b -q exec sh -c "echo again >>runs") &&
	isconf_on b -q ci &&
	wait_head c 6
'

# A peer that sends bad member records, and a record pointing at an
# address where no isconfd runs (127.0.0.8); then a host that is no
# peer (it never sent a whole hello) sending records.
cat >forger.pl <<\EOF
use strict;
use warnings;
use forge;
sub rec {
	my ($h, $a, $p, $age) = @_;
	return pack("C", length $h) . $h . Socket::inet_aton($a) .
	    pack("n", $p) . pack("N", $age);
}
sub members { return pack("C", scalar @_) . join("", map { rec(@$_) } @_) }
my $f = forge->new(host => "forger", bind => "127.0.0.9");
$f->confirm("127.0.0.2");
$f->send("127.0.0.2", 1, forge::hello("generic"));
select(undef, undef, undef, 0.2);
$f->send("127.0.0.2", 16, "junk");
$f->send("127.0.0.2", 16, members(map { ["h$_", "10.0.0.1", 65027, 1] } 1 .. 41));
$f->send("127.0.0.2", 16, members(["zero", "0.0.0.0", 65027, 1]));
$f->send("127.0.0.2", 16, members(["bcast", "255.255.255.255", 65027, 1]));
$f->send("127.0.0.2", 16, members(["mcast", "224.0.0.1", 65027, 1]));
$f->send("127.0.0.2", 16, members([".dot", "10.0.0.1", 65027, 1]));
$f->send("127.0.0.2", 16, members(["x", "10.0.0.1", 0, 1]));
$f->send("127.0.0.2", 16, members(["x", "10.0.0.1", 65027, 1]) . "z");
$f->send("127.0.0.2", 16, members(["old", "127.0.0.7", 65027, 86400]));
$f->send("127.0.0.2", 16, members(["victim", "127.0.0.8", 65027, 0]));
my $g = forge->new(host => "stranger", bind => "127.0.0.10");
$g->confirm("127.0.0.2");
$g->send("127.0.0.2", 16, members(["victim2", "127.0.0.8", 65027, 0]));
EOF

test_expect_success 'a forger peer: bad records are dropped and counted, a false address is never spread' '
	# A real peer too can be a stranger for a moment (its window came
	# before its first whole hello): count from here.
	strangers=$(isconf_on b status --json | perl -MJSON::PP -0e "print JSON::PP->new->decode(<STDIN>)->{members}{dropped}{stranger}") &&
	perl -I"$SHARNESS_TEST_SRCDIR" forger.pl &&
	wait_for 10 status_json b "\$j->{members}{dropped}{malformed} == 8 && \$j->{members}{dropped}{stale} == 1 && \$j->{members}{dropped}{stranger} > $strangers" &&
	curl -s http://127.0.0.2:65028/metrics >metrics &&
	grep "^isconf_member_dropped_total{reason=\"malformed\"} 8$" metrics &&
	isconf_on b hosts >hosts.out &&
	grep "^victim .*(learned)$" hosts.out &&
	! grep "^victim2 \|^old \|^h1 \|^zero " hosts.out &&
	wait_for 10 status_json b "\$j->{members}{probes} >= 1" &&
	wait_for 10 status_json c "\$j->{members}{records_in} >= 6" &&
	! knows c victim && ! direct b victim
'

test_done
