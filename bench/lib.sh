# Shared by the bench scripts (sourced; W is the work directory).
# bench_host NAME NET PORT I CMD...: run CMD as host NAME$I, with its
# IS_HOME and IS_ROOT under $W/$I, bound to NET.$I, on IS_PORT PORT and
# the HTTP port PORT + 1, not prefetching.  Each script defines host()
# with its own NAME, NET and PORT.
bench_host() {
	_name=$1 _net=$2 _port=$3 _i=$4
	shift 4
	env IS_HOME="$W/$_i/home" IS_ROOT="$W/$_i/root" IS_HOSTNAME=$_name$_i \
	    IS_DOMAIN=bench.example IS_MAINCF=/dev/null IS_BIND=$_net.$_i \
	    IS_PORT=$_port IS_HTTP_PORT=$((_port + 1)) IS_PREFETCH=0 "$@"
}
# head_of I: host I's head.
head_of() {
	host $1 "$ISCONF" status 2>/dev/null | sed -n 's/^head: *\([0-9]*\).*/\1/p'
}
