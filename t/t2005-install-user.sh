#!/bin/sh
test_description='make install creates the _isconf system user where missing, as root only, once'
. "$(dirname "$0")/lib-isconf.sh"

SRC=$(cd "$SHARNESS_TEST_SRCDIR/.." && pwd)

# Stand-ins for getent and useradd: the user "exists" once useradd ran,
# and each useradd call is recorded; the system's users are not touched.
test_expect_success 'set up stand-in getent and useradd' '
	mkdir bin &&
	cat >bin/getent <<-EOF &&
	#!/bin/sh
	test -e "$PWD/created"
	EOF
	cat >bin/useradd <<-EOF &&
	#!/bin/sh
	echo "useradd \$*" >>"$PWD/calls" && : >"$PWD/created"
	EOF
	chmod +x bin/getent bin/useradd
'

test "$(id -u)" = 0 && test_set_prereq ROOT
command -v setpriv >/dev/null && test_have_prereq ROOT && test_set_prereq SETPRIV

test_expect_success ROOT 'as root: created once, with the options INSTALL names' '
	PATH="$PWD/bin:$PATH" sh "$SRC/mk/install-user.sh" >out &&
	PATH="$PWD/bin:$PATH" sh "$SRC/mk/install-user.sh" >>out &&
	nologin=/usr/sbin/nologin && { test -x $nologin || nologin=/sbin/nologin; } &&
	echo "useradd --system --no-create-home --shell $nologin --home-dir /nonexistent _isconf" >expect &&
	test_cmp expect calls &&
	echo "isconf: created system user _isconf" >expect &&
	test_cmp expect out
'

test_expect_success 'a staged install (DESTDIR) leaves the system alone' '
	rm -f calls created &&
	DESTDIR=/tmp/nowhere PATH="$PWD/bin:$PATH" sh "$SRC/mk/install-user.sh" >out &&
	! test -e calls
'

test_expect_success SETPRIV 'not root: says so, creates nothing, succeeds' '
	rm -f calls created &&
	chmod 755 . bin &&
	setpriv --reuid=65534 --regid=65534 --clear-groups \
	    env PATH="$PWD/bin:$PATH" sh "$SRC/mk/install-user.sh" 2>err &&
	! test -e calls &&
	grep "not root: user _isconf not created" err
'

test_done
