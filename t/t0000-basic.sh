#!/bin/sh
test_description='client and daemon basics: flags, start/stop, one daemon per IS_HOME, config errors'
. "$(dirname "$0")/lib-isconf.sh"

test_expect_success 'version and help go to stdout and exit 0' '
	"$ISCONF" -V >out && grep "^isconf [0-9]" out &&
	"$ISCONF" -h >out && grep "usage: isconf" out && grep "snap \[-R\] PATH" out
'

test_expect_success 'isconfd -h and -V answer on stdout, exit 0 (issue 20)' '
	"$ISCONFD" -V >out 2>err && test_must_be_empty err &&
	echo "isconfd $("$ISCONF" -V | sed "s/^isconf //")" >expect &&
	test_cmp expect out &&
	"$ISCONFD" --version >out && test_cmp expect out &&
	"$ISCONFD" -h >out 2>err && test_must_be_empty err &&
	echo "usage: isconfd [-dfhnV] [-c main.cf]" >expect &&
	test_cmp expect out &&
	"$ISCONFD" --help >out && test_cmp expect out &&
	expect_code 22 "$ISCONFD" -x &&
	test_must_be_empty out && grep "usage: isconfd" err
'

test_expect_success 'usage errors exit 22' '
	make_host a 1 &&
	expect_code 22 isconf_on a &&
	expect_code 22 isconf_on a frobnicate &&
	cat >expect <<-\EOF &&
	isconf: error: unknown verb '\''frobnicate'\'' (isconf -h lists them)
	EOF
	test_cmp expect err &&
	expect_code 22 isconf_on a snap &&
	expect_code 22 isconf_on a snap x y &&
	expect_code 22 isconf_on a exec &&
	expect_code 22 isconf_on a fork &&
	expect_code 22 isconf_on a status extra &&
	expect_code 22 isconf_on a -Z status
'

test_expect_success 'a verb without a daemon says so' '
	expect_code 1 isconf_on a status &&
	echo "isconf: error: isconfd is not running for IS_HOME=$(host_dir a)/home (isconf start)" >expect &&
	test_cmp expect err
'

test_expect_success 'start, status, and a second start is harmless' '
	isconf_on a start >out &&
	echo "isconf: isconfd started (pid PID)" >expect &&
	sed "s/(pid [0-9][0-9]*)/(pid PID)/" out >actual &&
	test_cmp expect actual &&
	isconf_on a start >out &&
	echo "isconf: isconfd already running (pid $(host_pid a))" >expect &&
	test_cmp expect out &&
	isconf_on a status >out &&
	cat >expect <<-\EOF &&
	domain:   test.example
	host:     a
	branch:   generic
	EOF
	grep -E "^(host|branch|domain):" out >actual &&
	test_cmp expect actual
'

test_expect_success 'a second isconfd on the same IS_HOME is refused, naming the pid' '
	expect_code 1 isconfd_on a -f &&
	echo "isconfd: isconfd is already running for IS_HOME=$(host_dir a)/home (pid $(host_pid a))" >expect &&
	test_cmp expect err
'

test_expect_success 'control socket and host key are private' '
	test "$(stat -c %a "$(host_dir a)/home/ctl.sock")" = 600 &&
	test "$(stat -c %a "$(host_dir a)/home/conf/host.key")" = 600 &&
	isconf_on a key >out &&
	grep -x "[0-9a-f]\{64\}" out
'

test_expect_success 'SIGHUP reloads; SIGTERM stops cleanly' '
	pid=$(host_pid a) &&
	kill -HUP $pid &&
	isconf_on a status >/dev/null &&
	kill -TERM $pid &&
	wait_for 10 flock -n "$(host_dir a)/home/isconfd.pid" true &&
	test ! -e "$(host_dir a)/home/ctl.sock"
'

test_expect_success 'stop and restart' '
	isconf_on a start >/dev/null &&
	old=$(host_pid a) &&
	isconf_on a restart >out &&
	cat >expect <<-\EOF &&
	isconf: isconfd (pid PID) stopped
	isconf: isconfd started (pid PID)
	EOF
	sed "s/(pid [0-9][0-9]*)/(pid PID)/" out >actual &&
	test_cmp expect actual &&
	test "$(host_pid a)" != "$old" &&
	isconf_on a stop >out &&
	echo "isconf: isconfd (pid PID) stopped" >expect &&
	sed "s/(pid [0-9][0-9]*)/(pid PID)/" out >actual &&
	test_cmp expect actual &&
	expect_code 1 isconf_on a status
'

cat >main.cf <<'CF'
DEFAULT:
    IS_DOMAIN = fromcf.example   # main.cf beats the environment
    COLOUR = blue
^b.*:
    COLOUR = green
CF

test_expect_success '-D shows the environment main.cf produces' '
	TEST_MAINCF=$PWD/main.cf make_host b 2 &&
	isconf_on b -D 2>err &&
	cat >expect <<-\EOF &&
	export IS_DOMAIN='\''fromcf.example'\''
	export IS_HOSTNAME='\''b'\''
	export COLOUR='\''green'\''
	EOF
	grep -E "^export (COLOUR|IS_DOMAIN|IS_HOSTNAME)=" err >actual &&
	test_cmp expect actual
'

test_expect_success 'main.cf variables reach exec and override IS_DOMAIN' '
	start_host b 2 &&
	echo fromcf.example >expect &&
	status_field b domain >actual && test_cmp expect actual &&
	isconf_on b -q lock env test &&
	(cd "$(host_dir b)/root" &&
	 isconf_on b exec sh -c "echo \$COLOUR \$IS_DOMAIN \$PATH >env.out") &&
	echo "green fromcf.example /usr/local/sbin:PATH" >expect &&
	sed "s/sbin:.*/sbin:PATH/" "$(host_dir b)/root/env.out" >actual &&
	test_cmp expect actual &&
	isconf_on b -q unlock && stop_host b
'

test_expect_success 'a broken main.cf: client exits 2, daemon refuses to start' '
	printf "DEFAULT:\n  X = 1\nthis is junk\n" >bad.cf &&
	TEST_MAINCF=$PWD/bad.cf make_host c 3 &&
	expect_code 2 isconf_on c start &&
	cat >expect <<-EOF &&
	isconf: error: $PWD/bad.cf:3: expected '\''target: includes'\'' or '\''var = value'\'' (isconfd -n checks the configuration)
	EOF
	test_cmp expect err &&
	expect_code 1 isconfd_on c -f &&
	cat >expect <<-EOF &&
	isconfd: $PWD/bad.cf:3: expected '\''target: includes'\'' or '\''var = value'\''
	EOF
	test_cmp expect err &&
	expect_code 1 isconfd_on c -n
'

test_expect_success 'bad domain and branch names are refused' '
	make_host d 4 IS_DOMAIN=../etc &&
	expect_code 1 isconfd_on d -f &&
	cat >expect <<-\EOF &&
	isconfd: domain '\''../etc'\'' is not a valid name (\w+[-\w.]+)
	EOF
	test_cmp expect err &&
	make_host e 5 &&
	echo "bad/branch" >"$(host_dir e)/home/conf/branch" &&
	expect_code 1 isconfd_on e -f &&
	cat >expect <<-EOF &&
	isconfd: $(host_dir e)/home/conf/branch:1: branch '\''bad/branch'\'' is not a valid name (\w+[-\w.]+)
	EOF
	test_cmp expect err
'

test_done
