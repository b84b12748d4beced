#!/bin/sh
test_description='every misuse gets its message and its ISconf 4 exit code'
. "$(dirname "$0")/lib-isconf.sh"

A=$(host_dir a)/root

test_expect_success 'setup' '
	start_host a 1 && start_host b 2 &&
	echo data >"$A/file"
'

for verb in "snap file" "exec true" "reboot" "ci"; do
	test_expect_success "$verb without the lock exits 221" "
		(cd \"\$A\" && expect_code 221 isconf_on a $verb) &&
		grep 'isconf: error: branch generic is not locked' err
	"
done

test_expect_success 'unlock without a lock exits 221' '
	expect_code 221 isconf_on a unlock
'

test_expect_success 'lock without a message exits 222' '
	expect_code 222 isconf_on a lock &&
	grep "lock needs a message" err &&
	expect_code 222 isconf_on a lock "   "
'

test_expect_success 'lock with -m works (ISconf 4 style)' '
	isconf_on a -m "from -m" lock >out &&
	grep "locked generic: from -m" out
'

test_expect_success 'a held lock: exit 220 naming holder, time and message' '
	expect_code 220 isconf_on a lock another change &&
	grep "branch generic is locked by .*@a since 20[0-9-]* [0-9:]* UTC: from -m" err
'

test_expect_success 'snap of a missing file exits 2' '
	expect_code 2 isconf_on a snap "$A/nonexistent" &&
	grep "No such file" err
'

test_expect_success 'snap outside IS_ROOT is refused' '
	expect_code 1 isconf_on a snap /etc/hostname &&
	grep "not under IS_ROOT" err
'

test_expect_success 'snap of a device is refused' '
	expect_code 1 isconf_on a snap /dev/null
'

test_expect_success 'a failing exec returns its status and is not journaled' '
	(cd "$A" && expect_code 3 isconf_on a exec sh -c "echo partial >side; exit 3") &&
	grep "exit status 3; not journaled" err &&
	test -f "$A/side" &&
	(cd "$A" && expect_code 127 isconf_on a exec /no/such/command) &&
	(cd "$A" && expect_code 137 isconf_on a exec sh -c "kill -9 \$\$")
'

test_expect_success 'exec output streams to the client; a silent slow command is waited for' '
	(cd "$A" && isconf_on a exec sh -c "echo to-out; echo to-err >&2; sleep 2") >out 2>err &&
	grep -x to-out out && grep -x to-err err
'

test_expect_success 'up, fork and migrate are refused while this host holds uncommitted work' '
	expect_code 1 isconf_on a up && grep "up refused.*uncommitted work" err &&
	expect_code 1 isconf_on a fork other && grep "fork refused" err &&
	expect_code 1 isconf_on a migrate other && grep "migrate refused" err
'

test_expect_success 'ci journals only the successful commands' '
	isconf_on a -q ci &&
	isconf_on a log >out &&
	! grep "exit 3" out && ! grep /no/such out &&
	grep "sleep 2" out
'

test_expect_success 'unlock discards the work in progress' '
	isconf_on a -q lock "to be discarded" &&
	isconf_on a -q snap "$A/file" &&
	isconf_on a unlock >out &&
	grep "discarded" out &&
	head=$(status_field a head) &&
	isconf_on a -q lock "again" && isconf_on a -q ci &&
	test "$(status_field a head)" = "$head"
'

test_expect_success 'lock is refused while checked-in entries are not applied' '
	bundle_copy a b &&
	expect_code 1 isconf_on b lock mine &&
	grep "run .isconf up. before locking" err &&
	isconf_on b -q up &&
	isconf_on b -q lock mine && isconf_on b -q unlock
'

test_expect_success 'a ci whose parent is no longer the head is refused' '
	isconf_on b -q lock "stale base" &&
	(cd "$(host_dir b)/root" && isconf_on b -q exec true) &&
	isconf_on a -q lock "newer" && (cd "$A" && isconf_on a -q exec true) &&
	isconf_on a -q ci &&
	isconf_on a -q bundle create "$PWD/newer.bundle" &&
	isconf_on b -q bundle apply "$PWD/newer.bundle" &&
	expect_code 1 isconf_on b ci &&
	grep "no longer extends the head" err &&
	isconf_on b -q unlock
'

test_expect_success 'errors name the problem on stderr with the isconf: error: prefix' '
	expect_code 22 isconf_on a migrate "bad name!" &&
	grep "^isconf: error: .bad name!. is not a valid branch name" err &&
	expect_code 1 isconf_on a migrate nosuch &&
	grep "^isconf: error: migrate: no branch nosuch" err
'

test_done
