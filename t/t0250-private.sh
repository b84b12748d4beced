#!/bin/sh
test_description='IS_HOME is 0700 and its databases 0600, old homes tightened at start; a user who may not connect is told so'
. "$(dirname "$0")/lib-isconf.sh"

H=$(host_dir a)/home
A=$(host_dir a)/root

# modes: the mode of IS_HOME and of each database file that exists.
modes() {
	for f in "$H" "$H"/journal.db* "$H"/cache.db* "$H"/cache.pack; do
		test -e "$f" && echo "${f#$H} $(stat -c %a "$f")"
	done
}

test_expect_success 'a new IS_HOME: 0700, the databases, WAL and SHM 0600' '
	start_host a 1 &&
	isconf_on a -q lock "secret message" &&
	(cd "$A" && isconf_on a -q exec sh -c "echo secret-output") &&
	echo data >"$A/f" && isconf_on a -q snap "$A/f" &&
	isconf_on a -q ci &&
	test -e "$H/journal.db-wal" && test -e "$H/journal.db-shm" &&
	test -e "$H/cache.pack" &&
	modes >actual &&
	cat >expect <<-\EOF &&
	 700
	/journal.db 600
	/journal.db-shm 600
	/journal.db-wal 600
	/cache.db 600
	/cache.db-shm 600
	/cache.db-wal 600
	/cache.pack 600
	EOF
	test_cmp expect actual
'

# Before: 0755 and 0644 stayed as an older version had left them.
test_expect_success 'an IS_HOME from an older version (0755, 0644 files) is tightened at start' '
	stop_host a &&
	chmod 0755 "$H" &&
	chmod 0644 "$H"/journal.db* "$H"/cache.db* "$H"/cache.pack &&
	isconf_on a -q start &&
	modes >actual &&
	test_cmp expect actual
'

test_expect_success 'a shared directory as IS_HOME is refused, not chmod-ed' '
	mkdir -m 1777 shared &&
	make_host s 2 &&
	echo "IS_HOME=\"$PWD/shared\"; export IS_HOME" >>"$(host_dir s)/env" &&
	expect_code 1 isconf_on s start &&
	echo "isconfd: IS_HOME $PWD/shared must be a directory of its own, owned by uid N and not sticky (shared); chmod it 0700" >expect &&
	sed "s/owned by uid [0-9]* /owned by uid N /" err >actual &&
	test_cmp expect actual &&
	test "$(stat -c %a shared)" = 1777
'

test "$(id -u)" = 0 && command -v setpriv >/dev/null && test_set_prereq ROOT
# as_nobody CMD...: run CMD as uid and gid 65534, no other groups.
as_nobody() {
	setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
}

# Before: "isconfd is not running", though it was.
test_expect_success ROOT 'a user who may not connect gets "permission denied", and cannot read the journal' '
	# Let nobody reach IS_HOME itself: only its own mode stops it.
	for d in "$root" "$SHARNESS_TRASH_DIRECTORY" "$HOSTS_DIR" "$(host_dir a)"; do
		chmod 0711 "$d" || return 1
	done &&
	cp "$ISCONF" "$root/isconf" && chmod 0755 "$root/isconf" &&
	expect_code 1 as_nobody env IS_HOME="$H" IS_DOMAIN=test.example \
	    "$root/isconf" status &&
	echo "isconf: error: cannot connect to isconfd at $H/ctl.sock: Permission denied (run as root)" >expect.err &&
	test_cmp expect.err err &&
	expect_code 1 as_nobody env IS_HOME="$H" "$root/isconf" status &&
	echo "isconf: error: $H/conf/domain: Permission denied (run as root)" >expect.err &&
	test_cmp expect.err err &&
	expect_code 1 as_nobody cat "$H/journal.db" &&
	grep "Permission denied" err &&
	isconf_on a status >/dev/null
'

test_done
