#!/bin/sh
# The cost of keeping a list of statements (review: each statement
# taken rewrote the whole stored list): one daemon on 127.0.7.1 whose
# holds list a key holder (t/forge.pm) fills with K (250) holds in
# made-up names, then sends M (100) newer ones of the same names.
# Figure, per statement of the M: the bytes the daemon writes
# (/proc/PID/io write_bytes: SQLite's pages and WAL) and its CPU time.
#   stmtstore.sh BUILD  ->  "bytes_per_stmt cpu_us_per_stmt"
set -e
BUILD=$1 K=${K:-250} M=${M:-100}
ISCONF=$BUILD/isconf
HERE=$(cd "$(dirname "$0")" && pwd)
W=$(mktemp -d /tmp/isconf-stmtstore.XXXXXX)
KEY=bench-key-of-the-mesh-0123456789
trap 'host 1 "$ISCONF" -q stop 2>/dev/null || true; rm -rf "$W"' EXIT

. "$HERE/lib.sh"
host() {
	bench_host s 127.0.7 63827 "$@"
}
accepted() {
	curl -s http://127.0.7.1:63828/metrics |
	    sed -n 's/^isconf_statements_total{result="accepted"} //p'
}
wait_accepted() {
	_n=0
	until [ "$(accepted)" -ge "$1" ] 2>/dev/null; do
		_n=$((_n + 1))
		[ $_n -lt 600 ] || { echo "only $(accepted) of $1 taken" >&2; exit 1; }
		sleep 0.1
	done
}
# io: the daemon's write_bytes and its CPU ticks (utime + stime).
io() {
	_p=$(cat "$W/1/home/isconfd.pid")
	echo "$(sed -n 's/^write_bytes: //p' /proc/$_p/io)" \
	    "$(awk '{ print $14 + $15 }' /proc/$_p/stat)"
}
# send FIRST LAST SEQ: holds of made-up-FIRST .. LAST, at seq SEQ.
send() {
	(cd "$W" && perl -I"$HERE/../t" -Mforge -e "
		\$forge::PORT = 63827;
		my \$f = forge->new(key => q($KEY), host => q(forger),
		    domain => q(bench.example), bind => q(127.0.7.9));
		\$f->confirm(q(127.0.7.1));
		my @s;
		for my \$i ($1 .. $2) {
			push @s, forge::stmt(kind => 6, issuer => qq(made-up-\$i),
			    domain => q(bench.example), epoch => 2**40,
			    seq => $3, key => q(k.pem),
			    body => forge::str(q(elsewhere)) . chr(1) .
			    forge::str(q(root)) . forge::str(q(made up)) .
			    forge::u64(1000 * $3));
		}
		for my \$s (@s) {
			\$f->send(q(127.0.7.1), 24, forge::stmts(\$s));
			select(undef, undef, undef, 0.005);
		}
	")
}

mkdir -p "$W/1/home/conf" "$W/1/root"
echo $KEY >"$W/1/home/conf/hmac_keys"
: >"$W/1/home/conf/nets"
openssl genpkey -algorithm ed25519 -out "$W/k.pem" 2>/dev/null
host 1 "$ISCONF" -q start
accepted >/dev/null	# load libmicrohttpd
send 1 $K 1
wait_accepted $K
set -- $(io)
w0=$1 c0=$2
send 1 $M 2
wait_accepted $((K + M))
set -- $(io)
echo "$w0 $1 $c0 $2 $M $(getconf CLK_TCK)" | awk '{
	printf "%.0f %.0f\n", ($2 - $1) / $5, ($4 - $3) * 1e6 / $6 / $5 }'
