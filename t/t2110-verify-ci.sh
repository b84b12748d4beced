#!/bin/sh
test_description='verify compares with what the origin'\''s disk held at ci (issue 20 item 14)'
. "$(dirname "$0")/lib-isconf.sh"

A=$(host_dir a)/root
B=$(host_dir b)/root

# The QUICK START: snap a tarball, unpack it, remove it.  Before, verify
# said "DRIFT /tmp/foo-1.2.tar.gz: missing" on every host, for ever.
test_expect_success 'setup: the QUICK START on a, replayed on b' '
	start_host a 1 && start_host b 2 &&
	mkdir -p "$A/tmp/src" && echo "foo 1.2" >"$A/tmp/src/README" &&
	tar -C "$A/tmp/src" -czf "$A/tmp/foo-1.2.tar.gz" README &&
	echo "v1" >"$A/tmp/app.conf" &&
	isconf_on a -q lock "install foo" &&
	(cd "$A/tmp" &&
	 isconf_on a -q snap foo-1.2.tar.gz &&
	 isconf_on a -q snap app.conf &&
	 isconf_on a -q exec tar -xzf foo-1.2.tar.gz &&
	 isconf_on a -q exec sh -c "echo v2 >app.conf; chmod 600 app.conf" &&
	 isconf_on a -q exec rm -f foo-1.2.tar.gz) &&
	isconf_on a -q ci &&
	bundle_copy a b &&
	isconf_on b -q up &&
	! test -e "$B/tmp/foo-1.2.tar.gz" &&
	test -f "$B/tmp/README"
'

test_expect_success 'verify is quiet on the origin and the target' '
	echo "checked 2 paths: 0 drifted" >expect &&
	isconf_on a verify >out && test_cmp expect out &&
	isconf_on b verify >out && test_cmp expect out &&
	isconf_on b verify --json >v.json &&
	json_eval v.json "\$j->{checked} == 2 && !@{\$j->{drift}}"
'

test_expect_success 'drift from the recorded state is still found' '
	echo "v3" >"$B/tmp/app.conf" &&
	echo junk >"$B/tmp/foo-1.2.tar.gz" &&
	expect_code 1 isconf_on b verify &&
	cat >expect <<-\EOF &&
	DRIFT /tmp/app.conf (entry 3): content differs
	DRIFT /tmp/foo-1.2.tar.gz (entry 2): present, absent on the origin at ci
	checked 2 paths: 2 drifted
	EOF
	test_cmp expect out &&
	echo v2 >"$B/tmp/app.conf" && chmod 644 "$B/tmp/app.conf" &&
	rm "$B/tmp/foo-1.2.tar.gz" &&
	expect_code 1 isconf_on b verify &&
	echo "DRIFT /tmp/app.conf (entry 3): mode 0644, journal 0600" >expect &&
	head -1 out >actual && test_cmp expect actual &&
	chmod 600 "$B/tmp/app.conf" &&
	isconf_on b verify
'

test_expect_success 'a later transaction snapping the path again: its own record counts' '
	isconf_on a -q lock "again" &&
	(cd "$A/tmp" && echo v4 >app.conf && isconf_on a -q snap app.conf) &&
	isconf_on a -q ci &&
	bundle_copy a b &&
	isconf_on b -q up &&
	grep v4 "$B/tmp/app.conf" &&
	isconf_on b verify >out &&
	echo "checked 2 paths: 0 drifted" >expect && test_cmp expect out
'

test_done
