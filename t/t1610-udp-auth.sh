#!/bin/sh
test_description='authenticated but hostile datagrams: no junk peers, a capped peer table, drops counted by reason'
. "$(dirname "$0")/lib-isconf.sh"

KEY=key-of-the-mesh-0123456789

# keyed_mesh NAME:N ...: hosts listing each other, all with KEY.
keyed_mesh() {
	for _hn in "$@"; do
		_h=${_hn%%:*}
		make_host $_h ${_hn#*:} IS_GOSSIP_MS=500 &&
		echo $KEY >"$(host_dir $_h)/home/conf/hmac_keys" &&
		: >"$(host_dir $_h)/home/conf/nets" || return 1
		for _other in "$@"; do
			test "$_other" = "$_hn" ||
			echo "127.0.0.${_other#*:}" >>"$(host_dir $_h)/home/conf/nets"
		done
	done
	for _hn in "$@"; do
		isconf_on ${_hn%%:*} -q start || return 1
	done
}

# forge PERL: run PERL with $f, a forger holding KEY, bound to 127.0.0.9.
forge() {
	perl -I"$SHARNESS_TEST_SRCDIR" -Mforge -e "
		my \$f = forge->new(key => q($KEY), host => q(forger),
		    bind => q(127.0.0.9));
		$1"
}

test_expect_success 'setup: a and b with hmac_keys' '
	keyed_mesh a:1 b:2 &&
	wait_for 10 peers_known b 1
'

test_expect_success 'authenticated junk makes no peer; each drop is counted by reason' '
	forge "
		for my \$i (1 .. 50) {
			my \$h = forge::hello(q(generic));
			\$f->send(q(127.0.0.2), 1, substr(\$h, 0, 7), host => qq(junk\$i));
			\$f->send(q(127.0.0.2), 1, \$h . q(x), host => qq(trail\$i));
			\$f->send(q(127.0.0.2), 9, \$h, host => qq(type\$i));
			\$f->send(q(127.0.0.2), 0, \$h, host => qq(zero\$i));
			\$f->send(q(127.0.0.2), 5, q(junk), host => qq(locked\$i));
			\$f->send(q(127.0.0.2), 2, q(), host => qq(claim\$i));
			Time::HiRes::sleep(0.005);	# paced: within the socket buffer
		}
		\$f->send(q(127.0.0.2), 1, forge::hello(q(generic)), host => q(good));
	" &&
	wait_for 10 peers_known b 2 &&
	wait_for 10 status_json b "\$j->{dropped}{body} >= 200 && \$j->{dropped}{type} >= 100" &&
	isconf_on b hosts >hosts.out &&
	sed -n "s/^\([a-z0-9]*\) .*/\1/p" hosts.out | sort >actual &&
	printf "%s\n" a b good >expect &&
	test_cmp expect actual &&
	curl -s http://127.0.0.2:65028/metrics >metrics &&
	grep "^isconf_dropped_total{reason=\"\(body\|type\)\"}" metrics | sed "s/ [0-9]*$//" >actual &&
	printf "isconf_dropped_total{reason=\"%s\"}\n" body type >expect &&
	test_cmp expect actual
'

test_expect_success 'the peer table is capped: hellos from new hosts beyond it are dropped and counted' '
	stop_host b &&
	echo "ISCONF_MAX_PEERS=3; export ISCONF_MAX_PEERS" >>"$(host_dir b)/env" &&
	isconf_on b -q start &&
	wait_for 10 peers_known b 1 &&
	forge "
		\$f->send(q(127.0.0.2), 1, forge::hello(q(generic)), host => qq(many\$_))
		    for 1 .. 5;
	" &&
	wait_for 10 status_json b "\$j->{dropped}{peers_full} >= 3" &&
	echo "peers:    3 known" >expect &&
	status_on b | sed -n "s/^\(peers: *[0-9]* known\),.*/\1/p" >actual &&
	test_cmp expect actual &&
	grep -q "peer table full (3 hosts): hello from many" "$(host_dir b)/isconfd.log"
'

test_done
