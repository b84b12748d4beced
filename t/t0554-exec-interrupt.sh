#!/bin/sh
test_description='issue 20: an interrupted isconf exec ends the command (its process group) and journals nothing'
. "$(dirname "$0")/lib-isconf.sh"

A=$(host_dir a)/root

# Runs 30 s unless ended; a member of its group does the same.
SLOW='echo $$ >leader; sleep 30 & echo $! >member; wait; touch finished'

# client_bg FILE ARGS...: isconf exec on a in the background, as the
# client process itself (so that a signal reaches it); its pid in FILE.
client_bg() {
	_f=$1
	shift
	(cd "$A" && . "$(host_dir a)/env" && exec "$ISCONF" exec "$@") \
	    >out.bg 2>err.bg &
	echo $! >"$_f"
}

gone() {
	! kill -0 "$1" 2>/dev/null
}

test_expect_success 'setup' '
	start_host a 1 IS_EXEC_GRACE=2 &&
	isconf_on a -q lock "interrupted"
'

test_expect_success 'SIGINT (Ctrl-C): the group is ended, the client says so and exits 130' '
	client_bg cpid sh -c "$SLOW" &&
	wait_for 10 test -s "$A/member" &&
	kill -INT "$(cat cpid)" &&
	wait_for 10 gone "$(cat cpid)" &&
	{ wait "$(cat cpid)"; echo $? >code; } &&
	echo 130 >expect && test_cmp expect code &&
	wait_for 5 gone "$(cat "$A/leader")" &&
	wait_for 5 gone "$(cat "$A/member")" &&
	test ! -e "$A/finished" &&
	cat >expect <<-EOF &&

	isconf: interrupted: stopping the command; nothing is journaled
	isconf: error: exec sh -c '\''$SLOW'\'': interrupted: killed by SIGTERM; not journaled (any changes it made on this host stay)
	EOF
	test_cmp expect err.bg &&
	grep "the client was interrupted: ending it, not journaled" "$(host_dir a)/isconfd.log"
'

test_expect_success 'a client killed outright (SIGKILL) ends the command too' '
	rm -f "$A/leader" "$A/member" &&
	client_bg cpid sh -c "$SLOW" &&
	wait_for 10 test -s "$A/member" &&
	kill -KILL "$(cat cpid)" &&
	wait_for 5 gone "$(cat "$A/leader")" &&
	wait_for 5 gone "$(cat "$A/member")" &&
	test ! -e "$A/finished"
'

test_expect_success 'neither was journaled: ci checks in only the later exec' '
	(cd "$A" && isconf_on a -q exec touch kept) &&
	isconf_on a -q ci &&
	isconf_on a log | cut -f 3,7 >actual &&
	printf "lock\t\nexec\ttouch kept\nci\t\n" >expect &&
	test_cmp expect actual
'

test_done
