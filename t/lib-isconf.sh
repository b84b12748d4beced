# Shared test library for isconf's end-to-end tests (sharness).
#
# A "host" is a daemon with its own IS_HOME, IS_ROOT, IS_HOSTNAME and a
# 127.0.0.N address, all below the test's trash directory:
#
#	start_host a 1		# make and start host a on 127.0.0.1
#	isconf_on a lock "msg"	# run the client as host a
#	stop_host a / kill_host a
#	wait_for 10 CMD...	# retry CMD until it succeeds, or fail
#
# Every daemon a test started is stopped when the test script exits,
# whether it passed or not.

ISCONF_TESTS=$(cd "$(dirname "$0")" && pwd)	# t/, for other libraries
: "${ISCONF_BUILD:=$ISCONF_TESTS/../build}"
ISCONF="$ISCONF_BUILD/isconf"
ISCONFD="$ISCONF_BUILD/isconfd"
export ISCONF ISCONFD ISCONF_BUILD

# Unix socket paths are limited to 108 bytes: keep the trash short.
root=$(mktemp -d /tmp/isconf-t.XXXXXX)
SHARNESS_TEST_EXTENSION=sh
. /usr/share/sharness/sharness.sh

# Without -v, keep what the tests print in a file: on a failure it is
# shown on stderr with the daemons' logs, so that a CI log says why.
if test "$verbose" != t; then
	exec 3>>"$root/output" 4>>"$root/output"
fi

HOSTS_DIR="$SHARNESS_TRASH_DIRECTORY/hosts"
mkdir -p "$HOSTS_DIR"
unset IS_HOME IS_ROOT IS_HOSTNAME IS_DOMAIN IS_MAINCF IS_NETS IS_HMAC_KEYS \
    IS_REBOOT_CMD IS_FQDN IS_PORT IS_BIND IS_LOGFILE IS_EXEC_TIMEOUT \
    IS_EXEC_GRACE

host_dir() {
	echo "$HOSTS_DIR/$1"
}

# make_host NAME N [VAR=VALUE...]: lay out a host without starting it.
make_host() {
	_name=$1 _num=$2
	shift 2
	_d=$(host_dir "$_name")
	mkdir -p "$_d/home/conf" "$_d/root"
	cat >"$_d/env" <<-EOF
	IS_HOME='$_d/home'; export IS_HOME
	IS_ROOT='$_d/root'; export IS_ROOT
	IS_HOSTNAME='$_name'; export IS_HOSTNAME
	IS_DOMAIN='${TEST_DOMAIN:-test.example}'; export IS_DOMAIN
	IS_MAINCF='${TEST_MAINCF:-/dev/null}'; export IS_MAINCF
	IS_BIND='127.0.0.$_num'; export IS_BIND
	IS_REBOOT_CMD='echo rebooted >>"$_d/reboots"'; export IS_REBOOT_CMD
	IS_LOGFILE='$_d/isconfd.log'; export IS_LOGFILE
	EOF
	for _kv in "$@"; do
		echo "${_kv%%=*}='${_kv#*=}'; export ${_kv%%=*}" >>"$_d/env"
	done
}

# mesh NAME:N NAME:N ...: lay out hosts whose nets files list each
# other, gossiping every 500 ms, and start them.
mesh() {
	for _hn in "$@"; do
		_n=${_hn#*:}
		make_host "${_hn%%:*}" "$_n" IS_GOSSIP_MS=500 || return 1
		: >"$(host_dir "${_hn%%:*}")/home/conf/nets"
		for _other in "$@"; do
			test "$_other" = "$_hn" ||
			echo "127.0.0.${_other#*:}" >>"$(host_dir "${_hn%%:*}")/home/conf/nets"
		done
	done
	for _hn in "$@"; do
		isconf_on "${_hn%%:*}" -q start || return 1
	done
}

# keyed_mesh NAME:N ...: as mesh, all hosts with the hmac key $KEY.
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

# wait_head HOST SEQ: wait (10 s at most) until HOST knows entry SEQ.
wait_head() {
	wait_for 10 test_head_is "$1" "$2"
}
test_head_is() {
	test "$(status_field "$1" head)" = "$2"
}

# stat_of N RESULT: isconf_statements_total{result=RESULT} on 127.0.0.N;
# stat_above N RESULT COUNT: above COUNT.
stat_of() {
	curl -s "http://127.0.0.$1:65028/metrics" |
	    sed -n "s/^isconf_statements_total{result=\"$2\"} //p"
}
stat_above() {
	test "$(stat_of $1 $2)" -gt "$3"
}

peers_known() {
	status_has "$1" "^peers: *$2 known"
}

# start_host NAME N [VAR=VALUE...]
start_host() {
	test -f "$(host_dir "$1")/env" || make_host "$@"
	isconf_on "$1" -q start
}

isconf_on() {
	_h=$1
	shift
	(. "$(host_dir "$_h")/env" && "$ISCONF" "$@")
}

isconfd_on() {
	_h=$1
	shift
	(. "$(host_dir "$_h")/env" && "$ISCONFD" "$@")
}

# IS_HOME, or the default home a test moved (ISCONF_TEST_HOME_DEFAULT).
host_home() {
	(. "$(host_dir "$1")/env" &&
	echo "${IS_HOME:-$ISCONF_TEST_HOME_DEFAULT}")
}

host_pid() {
	cat "$(host_home "$1")/isconfd.pid" 2>/dev/null
}

# http_pid HOST: the pid of its HTTP child (daemon/http_child.c), if any.
http_pid() {
	pgrep -P "$(host_pid "$1")" -x "isconfd: http"
}

stop_host() {
	isconf_on "$1" -q stop
}

kill_host() {
	_pid=$(host_pid "$1")
	test -n "$_pid" && kill -9 "$_pid" 2>/dev/null
	# Wait until the pid-file lock is free again (a zombie may linger).
	wait_for 10 flock -n "$(host_home "$1")/isconfd.pid" true
}

stop_all_hosts() {
	for _d in "$HOSTS_DIR"/*/; do
		test -f "$_d/env" || continue
		_home=$(host_home "$(basename "$_d")")
		_pid=$(cat "$_home/isconfd.pid" 2>/dev/null)
		test -n "$_pid" && kill "$_pid" 2>/dev/null &&
		wait_for 10 flock -n "$_home/isconfd.pid" true
	done
	return 0
}

# wait_for SECONDS CMD...: run CMD every 50 ms until it succeeds.
wait_for() {
	_limit=$(( $1 * 20 ))
	shift
	_i=0
	while ! "$@" >/dev/null 2>&1; do
		_i=$((_i + 1))
		if test $_i -ge $_limit; then
			echo "wait_for: gave up on: $*" >&2
			return 1
		fi
		sleep 0.05
	done
}

# expect_code CODE CMD...: CMD must exit with CODE; its output is kept
# in out and err in the trash directory for later greps.
expect_code() {
	_want=$1
	shift
	"$@" >"$SHARNESS_TRASH_DIRECTORY/out" 2>"$SHARNESS_TRASH_DIRECTORY/err"
	_got=$?
	if test "$_got" != "$_want"; then
		echo "expected exit $_want, got $_got from: $*" >&2
		cat "$SHARNESS_TRASH_DIRECTORY/out" "$SHARNESS_TRASH_DIRECTORY/err" >&2
		return 1
	fi
}

# json_eval FILE EXPR: parse FILE as JSON into $j and require EXPR.
json_eval() {
	perl -MJSON::PP -e '
		local $/; open(my $f, "<", $ARGV[0]) or die "$ARGV[0]: $!";
		my $j = JSON::PP->new->decode(<$f>);
		exit((eval $ARGV[1]) ? 0 : 1);' "$1" "$2"
}

# status_on HOST [ARGS...]: HOST's status.  status_has HOST PATTERN:
# a line of it matches PATTERN.  Both are functions, so wait_for can
# retry them: wait_for 10 status_has b "^lock: *none".
status_on() {
	_h=$1
	shift
	isconf_on "$_h" status "$@"
}
status_has() {
	status_on "$1" | grep -q "$2"
}

# isconf_has HOST PATTERN VERB [ARGS...]: a line of what VERB prints
# on HOST matches PATTERN.  status_json HOST EXPR: HOST's status --json,
# parsed into $j, satisfies EXPR (as json_eval).
isconf_has() {
	_h=$1 _pat=$2
	shift 2
	isconf_on "$_h" "$@" | grep -q "$_pat"
}
status_json() {
	status_on "$1" --json >"$SHARNESS_TRASH_DIRECTORY/status.json" &&
	json_eval "$SHARNESS_TRASH_DIRECTORY/status.json" "$2"
}

# The status field of a host (head, applied, branch...).
status_field() {
	status_on "$1" | sed -n "s/^$2: *\([^ ]*\).*/\1/p"
}

# starve_fds HOST ADDR:PORT WHAT: restart HOST with 48 descriptors,
# hold 80 connections to ADDR:PORT for 2 s (from 10 addresses, under
# the per-address limits); succeeds if its log says
# WHAT's accept paused and it used under half a CPU-second meanwhile
# (a listener that retries at once spins a whole core).
starve_fds() {
	stop_host "$1" &&
	(ulimit -n 48 && isconf_on "$1" -q start) &&
	_pid=$(host_pid "$1") &&
	_cpu0=$(cut -d" " -f14,15 /proc/$_pid/stat | tr " " +) &&
	perl -MIO::Socket::INET -e '
		my @s;
		for (1 .. 80) {
			my $c = IO::Socket::INET->new(PeerAddr => $ARGV[0],
			    LocalAddr => "127.0.3." . ($_ % 10 + 1)) or last;
			push @s, $c;
		}
		sleep 2;' "$2" &&
	_cpu1=$(cut -d" " -f14,15 /proc/$_pid/stat | tr " " +) &&
	grep -q "$3: accept (paused for 1 s): Too many open files" \
	    "$(host_dir "$1")/isconfd.log" &&
	test $(( $_cpu1 - ($_cpu0) )) -lt 50
}

# forge_as HOST PERL: run PERL with $f, a holder of the mesh key $KEY
# without any host key, saying hellos as HOST from 127.0.0.9 (t/forge.pm).
forge_as() {
	perl -I"$ISCONF_TESTS" -Mforge -e "
		my \$f = forge->new(key => q($KEY), host => q($1),
		    bind => q(127.0.0.9), port => 0);
		$2"
}

# Copy host FROM's branch to host TO with a bundle.
bundle_copy() {
	isconf_on "$1" -q bundle create "$SHARNESS_TRASH_DIRECTORY/copy.bundle" &&
	isconf_on "$2" -q bundle apply "$SHARNESS_TRASH_DIRECTORY/copy.bundle"
}

# Before sharness removes the trash (success), and on any other exit.
# A test that mounts or makes namespaces sets at_exit to undo them.
at_exit=:
cleanup 'stop_all_hosts; eval "$at_exit"'
show_failure() {
	test "$test_failure" = 0 && return 0
	{
		echo "--- $this_test: output of the tests (last 150 lines)"
		tail -n 150 "$root/output" 2>/dev/null
		for _d in "$HOSTS_DIR"/*/; do
			test -f "$_d/isconfd.log" || continue
			echo "--- $this_test: log of host $(basename "$_d") (last 60 lines)"
			tail -n 60 "$_d/isconfd.log"
		done
	} | sed 's/^/# /' >&2
}
trap 'stop_all_hosts; eval "$at_exit"; show_failure; rm -rf "$root"; die' EXIT
