#!/bin/sh
test_description='the children are programs of their own (isconfd-net, isconfd-http): without SQLite, zlib or libmicrohttpd; isconf start fails without isconfd-net or when the first network process does not get ready; a running daemon restarts the programs it started with'
. "$(dirname "$0")/lib-isconf.sh"

# child_net_pid HOST: the pid of HOST's network process (by its name).
child_net_pid() {
	pgrep -P "$(host_pid "$1")" -x isconfd-net
}
# net_restarted HOST PID: HOST has a network process, not PID.
net_restarted() {
	_q=$(child_net_pid "$1") && test -n "$_q" && test "$_q" != "$2"
}
# A copy of the programs where the test chooses which children exist.
BIN=$SHARNESS_TRASH_DIRECTORY/bin
mkdir -p "$BIN" &&
cp "$ISCONF" "$ISCONFD" "$BIN/"
# on HOST ARGS...: the copied isconf, with no install directory to fall
# back on (ISCONF_TEST_LIBEXECDIR, a test build's hook).
on() {
	_h=$1
	shift
	(. "$(host_dir "$_h")/env" &&
	ISCONFD=$BIN/isconfd \
	    ISCONF_TEST_LIBEXECDIR=$SHARNESS_TRASH_DIRECTORY/none "$BIN/isconf" "$@")
}

test_expect_success 'isconfd-net and isconfd-http link no SQLite, zlib or libmicrohttpd' '
	: >expect &&
	for b in isconfd-net isconfd-http; do
		{ ldd "$ISCONF_BUILD/$b" 2>/dev/null || echo "no $b"; } |
		    grep -E "^no |libsqlite3|libz\.|libmicrohttpd" || true
	done >actual &&
	test_cmp expect actual
'

test_expect_success 'run by hand, each says it is started by isconfd' '
	test_must_fail "$ISCONF_BUILD/isconfd-net" 2>err.net &&
	test_must_fail "$ISCONF_BUILD/isconfd-http" 2>err.http &&
	grep "of isconfd, which starts it" err.net &&
	grep "of isconfd, which starts it" err.http
'

test_expect_success 'without isconfd-net, isconf start fails, says why and leaves no daemon' '
	make_host a 1 &&
	test_must_fail on a -q start 2>err &&
	grep "isconfd-net not found (or not executable) in $BIN nor in" err &&
	test_must_fail pgrep -f "^$BIN/isconfd" &&
	flock -n "$(host_home a)/isconfd.pid" true
'

test_expect_success 'an isconfd-net others may write is not run: isconf start fails, says why' '
	cp "$ISCONF_BUILD/isconfd-net" "$BIN/" &&
	chmod 0757 "$BIN/isconfd-net" &&
	test_must_fail on a -q start 2>err &&
	grep "$BIN/isconfd-net: not a regular file of root.s, or writable by group or others: not run" err &&
	test_must_fail pgrep -f "^$BIN/isconfd" &&
	rm "$BIN/isconfd-net"
'

test_expect_success 'a network process that exits before it is ready: isconf start fails, says so, leaves no daemon' '
	make_host n 7 &&
	(ISCONF_TEST_NET_EXIT=1 && export ISCONF_TEST_NET_EXIT &&
	test_must_fail isconf_on n -q start 2>err) &&
	grep "network process (isconfd-net) exited with status 3 before it was ready" err &&
	flock -n "$(host_home n)/isconfd.pid" true &&
	isconf_on n -q start &&
	isconf_on n -q stop
'

test_expect_success 'without isconfd-http, the daemon runs, without the HTTP API' '
	cp "$ISCONF_BUILD/isconfd-net" "$BIN/" &&
	on a -q start &&
	grep "no HTTP status API: isconfd-http not found" \
	    "$(host_dir a)/isconfd.log" &&
	wait_for 10 child_net_pid a
'

test_expect_success 'replaced while the daemon runs (an upgrade), isconfd-net restarts as it was' '
	P=$(child_net_pid a) &&
	rm "$BIN/isconfd-net" &&
	printf "#!/bin/sh\nexit 1\n" >"$BIN/isconfd-net" &&
	chmod 755 "$BIN/isconfd-net" &&
	kill -9 "$P" &&
	wait_for 10 net_restarted a "$P" &&
	Q=$(child_net_pid a) &&
	readlink "/proc/$Q/exe" >exe &&
	grep "isconfd-net (deleted)\$" exe &&
	echo "isconfd: network" >expect &&
	ps -o args= -p "$Q" >actual &&
	test_cmp expect actual &&
	on a -q stop
'

test_done
