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
		echo \"isconf: error: branch generic is not locked: run 'isconf lock MESSAGE' first\" >expect &&
		test_cmp expect err
	"
done

test_expect_success 'unlock without a lock exits 221' '
	expect_code 221 isconf_on a unlock
'

test_expect_success 'lock without a message exits 222' '
	expect_code 222 isconf_on a lock &&
	echo "isconf: error: lock needs a message: isconf lock MESSAGE..." >expect &&
	test_cmp expect err &&
	expect_code 222 isconf_on a lock "   "
'

test_expect_success 'lock with -m works (ISconf 4 style)' '
	isconf_on a -m "from -m" lock >out &&
	echo "isconf: locked generic: from -m" >expect &&
	test_cmp expect out
'

test_expect_success 'a held lock: exit 220 naming holder, time and message' '
	expect_code 220 isconf_on a lock another change &&
	echo "isconf: error: branch generic is locked by USER@a since DATE UTC: from -m" >expect &&
	sed "s/by .*@a since 20[0-9-]* [0-9:]* UTC:/by USER@a since DATE UTC:/" err >actual &&
	test_cmp expect actual
'

test_expect_success 'snap of a missing file exits 2' '
	expect_code 2 isconf_on a snap "$A/nonexistent" &&
	echo "isconf: error: $A/nonexistent: No such file or directory" >expect &&
	test_cmp expect err
'

test_expect_success 'snap outside IS_ROOT is refused' '
	expect_code 1 isconf_on a snap /etc/hostname &&
	echo "isconf: error: snap /etc/hostname: /etc/hostname is not under IS_ROOT ($A)" >expect &&
	test_cmp expect err
'

test_expect_success 'snap of a device is refused' '
	expect_code 1 isconf_on a snap /dev/null
'

test_expect_success 'a failing exec returns its status and is not journaled' '
	(cd "$A" && expect_code 3 isconf_on a exec sh -c "echo partial >side; exit 3") &&
	echo "isconf: error: exec sh -c '\''echo partial >side; exit 3'\'': exit status 3; not journaled (any changes it made on this host stay)" >expect &&
	test_cmp expect err &&
	test -f "$A/side" &&
	(cd "$A" && expect_code 127 isconf_on a exec /no/such/command) &&
	(cd "$A" && expect_code 137 isconf_on a exec sh -c "kill -9 \$\$")
'

test_expect_success 'exec output streams to the client; a silent slow command is waited for' '
	(cd "$A" && isconf_on a exec sh -c "echo to-out; echo to-err >&2; sleep 2") >out 2>err &&
	echo to-out >expect && test_cmp expect out &&
	echo to-err >expect && test_cmp expect err
'

test_expect_success 'up, fork and migrate are refused while this host holds uncommitted work' '
	expect_code 1 isconf_on a up &&
	echo "isconf: error: up refused: this host holds the lock on generic with uncommitted work (from -m); run '\''isconf ci'\'' or '\''isconf unlock'\'' first" >expect &&
	test_cmp expect err &&
	expect_code 1 isconf_on a fork other &&
	sed "s/^isconf: error: up /isconf: error: fork /" expect >expect.fork &&
	test_cmp expect.fork err &&
	expect_code 1 isconf_on a migrate other &&
	sed "s/^isconf: error: up /isconf: error: migrate /" expect >expect.migrate &&
	test_cmp expect.migrate err
'

test_expect_success 'ci journals only the successful commands' '
	isconf_on a -q ci &&
	isconf_on a log >out &&
	cat >expect <<-\EOF &&
	1	lock	a	from -m	
	2	exec	a	from -m	sh -c '\''echo to-out; echo to-err >&2; sleep 2'\''
	3	ci	a	from -m	
	EOF
	cut -f 1,3,4,6- out >actual &&
	test_cmp expect actual
'

test_expect_success 'unlock discards the work in progress' '
	isconf_on a -q lock "to be discarded" &&
	isconf_on a -q snap "$A/file" &&
	isconf_on a unlock >out &&
	echo "isconf: unlocked generic; the uncommitted work of USER@a (to be discarded) is discarded" >expect &&
	sed "s/ of [^ ]*@a / of USER@a /" out >actual &&
	test_cmp expect actual &&
	head=$(status_field a head) &&
	isconf_on a -q lock "again" && isconf_on a -q ci &&
	test "$(status_field a head)" = "$head"
'

test_expect_success 'lock is refused while checked-in entries are not applied' '
	bundle_copy a b &&
	expect_code 1 isconf_on b lock mine &&
	echo "isconf: error: this host has applied 0 of the 3 entries of generic: run '\''isconf up'\'' before locking" >expect &&
	test_cmp expect err &&
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
	echo "isconf: error: ci refused: generic moved from entry 3 to 6 since the lock was taken; this transaction no longer extends the head (isconf unlock, up, and redo it)" >expect &&
	test_cmp expect err &&
	isconf_on b -q unlock
'

test_expect_success 'errors name the problem on stderr with the isconf: error: prefix' '
	expect_code 22 isconf_on a migrate "bad name!" &&
	echo "isconf: error: '\''bad name!'\'' is not a valid branch name (\w+[-\w.]+)" >expect &&
	test_cmp expect err &&
	expect_code 1 isconf_on a migrate nosuch &&
	echo "isconf: error: migrate: no branch nosuch is known here" >expect &&
	test_cmp expect err
'

test_done
