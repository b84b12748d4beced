# Helpers of the keeper tests (t26*-keepers*.sh), sourced after
# lib-isconf.sh; they read $KEY and $HOSTS ("NAME:N ...").

# lay_out NAME N [VAR=VALUE...]: a host of the keyed mesh of $HOSTS.
lay_out() {
	_h=$1 _num=$2
	shift 2
	make_host $_h $_num IS_GOSSIP_MS=200 "$@" &&
	echo $KEY >"$(host_dir $_h)/home/conf/hmac_keys" &&
	for _o in $HOSTS; do
		test "${_o#*:}" = $_num || echo "127.0.0.${_o#*:}"
	done >"$(host_dir $_h)/home/conf/nets"
}
# cache_json HOST EXPR: HOST's cache --json satisfies EXPR ($j).
cache_json() {
	isconf_on $1 cache --json >"$SHARNESS_TRASH_DIRECTORY/cache.json" &&
	json_eval "$SHARNESS_TRASH_DIRECTORY/cache.json" "$2"
}
# cache_field HOST FIELD: one field of HOST's cache --json.
cache_field() {
	isconf_on $1 cache --json | perl -MJSON::PP -e \
	    'local $/; print JSON::PP->new->decode(<STDIN>)->{$ARGV[0]}' "$2"
}
# check_in N SIZE: check in a new SIZE-byte version of /f on a (3
# entries); $A is a's root.
check_in() {
	head -c $2 /dev/urandom >"$A/f" &&
	isconf_on a -q lock "v$1" && isconf_on a -q snap "$A/f" &&
	isconf_on a -q ci
}
# stat_of N RESULT: host 127.0.0.N's isconf_statements_total{result}.
stat_of() {
	curl -s "http://127.0.0.$1:65028/metrics" |
	    sed -n "s/^isconf_statements_total{result=\"$2\"} //p"
}
stat_above() {
	test "$(stat_of $1 $2)" -gt "$3"
}
# check_in_on HOST N: check in a new 600 kB version N of /f on HOST (3
# entries), a copy kept as vN.
check_in_on() {
	head -c 600000 /dev/urandom >"$(host_dir $1)/root/f" &&
	cp "$(host_dir $1)/root/f" v$2 &&
	isconf_on $1 -q lock "v$2" && isconf_on $1 -q snap "$(host_dir $1)/root/f" &&
	isconf_on $1 -q ci
}
# holds FIRST LAST TIMES: send 127.0.0.2 holds of branch elsewhere by
# made-up-FIRST .. made-up-LAST, names no host has, each TIMES times (4
# to a datagram), signed by a key holder's own key (forger.pem, $KEY).
holds() {
	forge_as forger "
		\$f->confirm(q(127.0.0.2));
		for my \$i ($1 .. $2) {
			my \$body = forge::str(q(elsewhere)) . chr(1) .
			    forge::str(q(root)) . forge::str(q(made up)) .
			    forge::u64(int(time * 1000));
			my \$s = forge::stmt(kind => 6, issuer => qq(made-up-\$i),
			    epoch => 2**40, seq => 1, key => q(forger.pem),
			    body => \$body);
			for (my \$n = 0; \$n < $3; \$n += 4) {
				\$f->send(q(127.0.0.2), 24, forge::stmts((\$s) x ($3 < 4 ? $3 : 4)));
				select(undef, undef, undef, 0.002);
			}
		}
	"
}
