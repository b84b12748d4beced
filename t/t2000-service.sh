#!/bin/sh
test_description='service integration: systemd units, readiness over NOTIFY_SOCKET, restart during a lock, up -n'
. "$(dirname "$0")/lib-isconf.sh"

SRC=$(cd "$SHARNESS_TEST_SRCDIR/.." && pwd)
A=$(host_dir a)/root

test_expect_success 'make install-units writes the units and the cron line' '
	make -s -C "$SRC" install-units PREFIX="$root/pfx" BUILD="$root/b" >/dev/null &&
	ln -s "$root/pfx" pfx &&
	printf "%s\n" "Type=notify" "ExecStart=$root/pfx/sbin/isconfd -f" >expect &&
	grep -E "^(Type|ExecStart)=" pfx/lib/systemd/system/isconfd.service >actual &&
	test_cmp expect actual &&
	printf "%s\n" "Type=oneshot" "ExecStart=$root/pfx/bin/isconf -r up" >expect &&
	grep -E "^(Type|ExecStart)=" pfx/lib/systemd/system/isconf-up.service >actual &&
	test_cmp expect actual &&
	echo "*/30 * * * * root { test -e /var/lib/isconf/conf/domain || test -e /var/is/conf/domain; } && $root/pfx/bin/isconf -q start && $root/pfx/bin/isconf -q up" >expect &&
	grep -v "^#" pfx/share/isconf/isconf.cron >actual &&
	test_cmp expect actual
'

command -v systemd-analyze >/dev/null && test_set_prereq SYSTEMD_ANALYZE
test_expect_success SYSTEMD_ANALYZE 'systemd-analyze verify accepts the units' '
	mkdir -p pfx/sbin pfx/bin &&
	ln -sf "$ISCONFD" pfx/sbin/isconfd && ln -sf "$ISCONF" pfx/bin/isconf &&
	systemd-analyze verify --man=no pfx/lib/systemd/system/isconfd.service \
	    pfx/lib/systemd/system/isconf-up.service
'

test_expect_success 'isconfd -f tells NOTIFY_SOCKET: READY, RELOADING, STOPPING' '
	make_host a 1 &&
	perl -MIO::Socket::UNIX -MSocket -e "
		my \$s = IO::Socket::UNIX->new(Type => SOCK_DGRAM, Local => q(notify.sock)) or die \$!;
		open(my \$r, q(>), q(notify.ready)); close(\$r);
		open(my \$o, q(>>), q(notify.log)) or die; \$o->autoflush(1);
		while (defined(\$s->recv(my \$m, 4096))) { print \$o \$m, qq(\n); exit if \$m =~ /STOPPING/ }
	" &
	wait_for 10 test -S notify.sock &&
	(. "$(host_dir a)/env" && NOTIFY_SOCKET=$PWD/notify.sock "$ISCONFD" -f 2>daemon.err &) &&
	wait_for 10 grep -q "READY=1" notify.log &&
	isconf_on a status >/dev/null &&
	kill -HUP $(host_pid a) &&
	wait_for 10 grep -q "RELOADING=1" notify.log &&
	test $(grep -c "READY=1" notify.log) -ge 1 &&
	kill -TERM $(host_pid a) &&
	wait_for 10 grep -q "STOPPING=1" notify.log &&
	wait_for 10 flock -n "$(host_dir a)/home/isconfd.pid" true
'

test_expect_success 'restart during an open lock loses nothing' '
	isconf_on a -q start &&
	echo v1 >"$A/f" &&
	isconf_on a -q lock "across a restart" &&
	isconf_on a -q snap "$A/f" &&
	isconf_on a -q restart &&
	echo "lock:     held by USER@a since DATE UTC: across a restart" >expect &&
	status_on a >out &&
	sed -n "s/^\(lock: *held by \).*@a since 20[0-9-]* [0-9:]* UTC:/\1USER@a since DATE UTC:/p" out >actual &&
	test_cmp expect actual &&
	isconf_on a ci >out &&
	echo "isconf: checked in 3 entries on generic: head 3 (HASH)" >expect &&
	sed "s/([0-9a-f]\{12\})$/(HASH)/" out >actual &&
	test_cmp expect actual
'

test_expect_success 'up -n shows what up would do and changes nothing' '
	start_host b 2 && bundle_copy a b &&
	(cd "$(host_dir b)" && find root -exec stat -c "%n %a %s %Y" {} + | sort) >before &&
	isconf_on b status >status.before &&
	isconf_on b up -n >out &&
	cat >expect <<-\EOF &&
	[1] record lock
	[2] install file /f (0644 OWNER, 3 bytes)
	[3] record ci
	EOF
	sed "s/(0644 [^ ,]*, /(0644 OWNER, /" out >actual &&
	test_cmp expect actual &&
	isconf_on b up -n --json >out.json &&
	json_eval out.json "scalar(@\$j) == 3 && \$j->[1]{action} eq q(install)" &&
	(cd "$(host_dir b)" && find root -exec stat -c "%n %a %s %Y" {} + | sort) >after &&
	test_cmp before after &&
	isconf_on b status >status.after &&
	test_cmp status.before status.after &&
	isconf_on b -q up && isconf_on b up -n >out &&
	echo "nothing to do: generic is applied up to entry 3" >expect &&
	test_cmp expect out
'

test_done
