# Hosts in their own network namespaces (10.77.0.N on a bridge in a
# namespace of its own); a partition is a bridge port taken down.
# Sourced after lib-isconf.sh by the partition tests; they need root
# (the NETNS prerequisite).
NS=isct$$
if test "$(id -u)" = 0 && ip netns add ${NS}probe 2>/dev/null; then
	ip netns del ${NS}probe
	test_set_prereq NETNS
fi
NS_HOSTS=

# netns_setup N...: the bridge and a namespace hN for each N.
netns_setup() {
	{ ip netns list | grep -q "^${NS}br" ||
	  { ip netns add ${NS}br &&
	    ip -n ${NS}br link add br0 type bridge &&
	    ip -n ${NS}br link set br0 up; }; } &&
	for n in "$@"; do
		NS_HOSTS="$NS_HOSTS $n" &&
		ip netns add ${NS}h$n &&
		ip link add v$NS$n type veth peer name p$NS$n &&
		ip link set v$NS$n netns ${NS}h$n &&
		ip link set p$NS$n netns ${NS}br &&
		ip -n ${NS}br link set p$NS$n master br0 &&
		ip -n ${NS}br link set p$NS$n up &&
		ip -n ${NS}h$n addr add 10.77.0.$n/24 dev v$NS$n &&
		ip -n ${NS}h$n link set v$NS$n up &&
		ip -n ${NS}h$n link set lo up || return 1
	done
}

netns_cleanup() {
	stop_all_hosts
	for n in br $(for h in $NS_HOSTS; do echo h$h; done); do
		ip netns del ${NS}$n 2>/dev/null
	done
	return 0
}

# ns_host NAME N PEER_N... [VAR=VALUE...]: a host in namespace hN at
# 10.77.0.N whose nets lists the peers, started.
ns_host() {
	_name=$1 _num=$2
	shift 2
	_peers= _vars=
	for _a in "$@"; do
		case $_a in
		*=*) _vars="$_vars $_a" ;;
		*) _peers="$_peers $_a" ;;
		esac
	done
	make_host $_name $_num IS_BIND=10.77.0.$_num IS_GOSSIP_MS=300 \
	    IS_LOCK_WAIT_MS=500 $_vars &&
	for n in $_peers; do
		echo 10.77.0.$n >>"$(host_dir $_name)/home/conf/nets"
	done &&
	(. "$(host_dir $_name)/env" &&
	 ip netns exec ${NS}h$_num "$ISCONF" -q start)
}

# ns_restart NAME N: start NAME again in its namespace.
ns_restart() {
	(. "$(host_dir $1)/env" && ip netns exec ${NS}h$2 "$ISCONF" -q start)
}

partition() {
	ip -n ${NS}br link set p$NS$1 $2
}

# commit_on HOST MSG: a transaction of one exec that appends MSG to
# IS_ROOT/log.
commit_on() {
	isconf_on $1 -q lock "$2" &&
	(cd "$(host_dir $1)/root" && isconf_on $1 -q exec sh -c "echo $2 >>log") &&
	isconf_on $1 -q ci
}

# ns_three A NA B NB C NC: three hosts in namespaces that know each
# other, after a first transaction on A that B and C applied.
ns_three() {
	netns_setup $2 $4 $6 &&
	ns_host $1 $2 $4 $6 && ns_host $3 $4 $2 $6 && ns_host $5 $6 $2 $4 &&
	for _h in $1 $3 $5; do
		wait_for 10 peers_known $_h 2 || return 1
	done &&
	commit_on $1 base &&
	wait_head $3 3 && wait_head $5 3 &&
	isconf_on $3 -q up && isconf_on $5 -q up
}

# no_refusals HOST...: no host's log says it refused entries.
no_refusals() {
	for _h in "$@"; do
		! grep "bad signature\|refused entries" \
		    "$(host_dir $_h)/isconfd.log" || return 1
	done
}
