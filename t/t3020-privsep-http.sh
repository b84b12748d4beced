#!/bin/sh
test_description='the HTTP child: unprivileged, sandboxed, restarted when it dies, gone with its parent (issue 19)'
. "$(dirname "$0")/lib-isconf.sh"

get() {	# get PATH: from host a's HTTP API, without the token
	curl -sf --max-time 10 "http://127.0.0.1:65028$1"
}
# field PID NAME: a field of /proc/PID/status
field() {
	sed -n "s/^$2:[[:space:]]*//p" /proc/$1/status
}

test_expect_success 'setup: no HTTP child until the first request' '
	start_host a 1 &&
	test -z "$(http_pid a)" &&
	get /metrics >/dev/null &&
	http_pid a >pid &&
	test $(wc -l <pid) = 1 &&
	ps -o comm= -p $(cat pid) >actual &&
	ps -o args= -p $(cat pid) >>actual &&
	printf "%s\n" "isconfd: http" "isconfd: http" >expect &&
	test_cmp expect actual
'

test_expect_success 'the child: not root, no capabilities, no-new-privs, seccomp, chrooted' '
	pid=$(cat pid) &&
	field $pid Uid | awk "{ exit !(\$1 != 0 && \$2 != 0 && \$3 != 0) }" &&
	field $pid Gid | awk "{ exit !(\$1 != 0 && \$2 != 0 && \$3 != 0) }" &&
	printf "%s\n" 0000000000000000 1 2 >expect &&
	{ field $pid CapEff && field $pid NoNewPrivs && field $pid Seccomp; } >actual &&
	test_cmp expect actual &&
	test "$(readlink /proc/$pid/root)" != / &&
	test "$(readlink /proc/$pid/root)" = "$(host_home a)/empty"
'

test_expect_success 'the child holds no descriptor to the journal, the cache or the key' '
	pid=$(cat pid) &&
	for fd in /proc/$pid/fd/*; do readlink "$fd"; done >fds &&
	test -s fds &&
	! grep -E "journal\.db|cache\.db|cache\.pack|host\.key|http_token" fds
'

test_expect_success 'a test-only request to open journal.db: refused, or the filter kills the child' '
	pid=$(cat pid) &&
	code=$(curl -s -o body -w "%{http_code}" --max-time 10 \
	    http://127.0.0.1:65028/test/open-journal) ;
	case "$code" in
	000)	wait_for 10 sh -c "! kill -0 $pid 2>/dev/null" &&
		grep "HTTP child $pid exited: killed by signal 31" \
		    "$(host_dir a)/isconfd.log" ;;
	403)	grep "open journal.db: " body ;;
	*)	echo "unexpected $code: $(cat body)"; false ;;
	esac
'

test_expect_success 'kill -9 of the child: logged, the next request served, status unaffected' '
	wait_for 10 curl -sf --max-time 10 -o /dev/null http://127.0.0.1:65028/metrics &&
	pid=$(http_pid a) &&
	test -n "$pid" &&
	kill -9 $pid &&
	isconf_on a status >st &&
	grep "^branch" st &&
	wait_for 10 grep -q "HTTP child $pid exited: killed" "$(host_dir a)/isconfd.log" &&
	get /api/v1/hosts >hosts.json &&
	json_eval hosts.json "\$j->{hosts}[0]{host} eq q(a)" &&
	new=$(http_pid a) &&
	test -n "$new" && test "$new" != "$pid" &&
	isconf_on a status >st &&
	grep "^branch" st
'

test_expect_success 'the parent dies: the child exits' '
	pid=$(http_pid a) &&
	test -n "$pid" &&
	kill_host a &&
	wait_for 10 sh -c "! kill -0 $pid 2>/dev/null"
'

test_done
