#!/bin/sh
# make test: the Debian package (make deb) is built from the source
# tree, holds what it should, passes lintian, and unpacks with dpkg
# into a throwaway root (no maintainer scripts run: make check-package
# runs them, in a chroot).
# usage: prove --exec /bin/sh mk/deb-test.sh :: SRCDIR BUILD
src=$1
work=$2/deb-test
n=0

for tool in dpkg-buildpackage dh fakeroot lintian dpkg-deb; do
	command -v $tool >/dev/null || {
		echo "1..0 # SKIP $tool is not installed (make deps installs it)"
		exit 0
	}
done
echo "1..6"

# ok DESCRIPTION CMD...: one TAP line; a failure shows CMD's output.
ok() {
	desc=$1
	shift
	n=$((n + 1))
	if "$@" >"$work/out" 2>&1; then
		echo "ok $n - $desc"
	else
		echo "not ok $n - $desc"
		sed 's/^/# /' "$work/out"
	fi
}

rm -rf "$work"
mkdir -p "$work"
version=$(sed -n 's/^#define ISCONF_VERSION "\(.*\)"$/\1/p' "$src/lib/util.h")
deb=$work/isconf_${version}_$(dpkg --print-architecture).deb

# No debug-symbols package: only the .deb is checked, and sooner.
ok "make deb builds isconf_${version}_ARCH.deb" env \
    DEB_BUILD_OPTIONS=noddebs sh "$src/mk/deb.sh" "$src" "$work/deb" "$work"

# Every file and directory with its mode and owner.
files() {
	dpkg-deb -c "$deb" | awk '{ print $1, $2, $6 }' >"$work/files.actual"
	cat >"$work/files.expect" <<-EOF
	drwxr-xr-x root/root ./
	drwxr-xr-x root/root ./etc/
	drwxr-xr-x root/root ./etc/cron.d/
	-rw-r--r-- root/root ./etc/cron.d/isconf
	drwxr-xr-x root/root ./lib/
	drwxr-xr-x root/root ./lib/systemd/
	drwxr-xr-x root/root ./lib/systemd/system/
	-rw-r--r-- root/root ./lib/systemd/system/isconf-up.service
	-rw-r--r-- root/root ./lib/systemd/system/isconfd.service
	drwxr-xr-x root/root ./usr/
	drwxr-xr-x root/root ./usr/bin/
	-rwxr-xr-x root/root ./usr/bin/isconf
	drwxr-xr-x root/root ./usr/libexec/
	drwxr-xr-x root/root ./usr/libexec/isconf/
	-rwxr-xr-x root/root ./usr/libexec/isconf/isconfd-http
	-rwxr-xr-x root/root ./usr/libexec/isconf/isconfd-net
	drwxr-xr-x root/root ./usr/sbin/
	-rwxr-xr-x root/root ./usr/sbin/isconfd
	drwxr-xr-x root/root ./usr/share/
	drwxr-xr-x root/root ./usr/share/bash-completion/
	drwxr-xr-x root/root ./usr/share/bash-completion/completions/
	-rw-r--r-- root/root ./usr/share/bash-completion/completions/isconf
	drwxr-xr-x root/root ./usr/share/doc/
	drwxr-xr-x root/root ./usr/share/doc/isconf/
	-rw-r--r-- root/root ./usr/share/doc/isconf/changelog.gz
	-rw-r--r-- root/root ./usr/share/doc/isconf/copyright
	drwxr-xr-x root/root ./usr/share/lintian/
	drwxr-xr-x root/root ./usr/share/lintian/overrides/
	-rw-r--r-- root/root ./usr/share/lintian/overrides/isconf
	drwxr-xr-x root/root ./usr/share/man/
	drwxr-xr-x root/root ./usr/share/man/man5/
	-rw-r--r-- root/root ./usr/share/man/man5/main.cf.5.gz
	drwxr-xr-x root/root ./usr/share/man/man8/
	-rw-r--r-- root/root ./usr/share/man/man8/isconf.8.gz
	-rw-r--r-- root/root ./usr/share/man/man8/isconfd.8.gz
	EOF
	diff -u "$work/files.expect" "$work/files.actual"
}
ok "its files, modes and owners" files

# The cron line is a conffile; isconfd starts on install, isconf-up
# (isconf -r up: it may reboot) is only enabled for the next boot; an
# upgrade stops and restarts neither (debian/rules says why); postinst
# makes /var/lib/isconf 0700 and postrm purges it.
scripts() {
	c=$work/control
	dpkg-deb -e "$deb" "$c" &&
	grep -qx /etc/cron.d/isconf "$c/conffiles" &&
	grep -q "deb-systemd-helper enable 'isconfd.service'" "$c/postinst" &&
	grep -q "deb-systemd-helper enable 'isconf-up.service'" "$c/postinst" &&
	grep -q "deb-systemd-invoke start 'isconfd.service'" "$c/postinst" &&
	! grep -q "deb-systemd-invoke.*isconf-up" "$c/postinst" &&
	! grep -q "restart" "$c/postinst" &&
	! test -e "$c/preinst" &&
	! grep -q "upgrade.*deb-systemd-invoke" "$c/prerm" &&
	grep -q "install -d -m 0700 -o root -g root /var/lib/isconf" \
	    "$c/postinst" &&
	grep -q "rm -rf /var/lib/isconf" "$c/postrm"
}
ok "conffiles and maintainer scripts" scripts

ok "lintian: no errors, no warnings" lintian --fail-on error,warning "$deb"

# dpkg --root: a dpkg database of its own in a throwaway root; the
# package unpacked (not configured: no maintainer scripts; conffiles
# wait as .dpkg-new) and known.
unpack() {
	root=$work/root
	mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates" &&
	: >"$root/var/lib/dpkg/status" &&
	dpkg --root="$root" --force-depends --no-triggers --unpack "$deb" &&
	dpkg-query --admindir="$root/var/lib/dpkg" -W -f='${Status}\n' \
	    isconf >"$work/status" &&
	echo "install ok unpacked" | diff - "$work/status" &&
	dpkg-query --admindir="$root/var/lib/dpkg" -L isconf |
	    grep -qx /usr/share/bash-completion/completions/isconf &&
	"$root/usr/bin/isconf" -V | grep -qx "isconf $version" &&
	grep -qa /usr/libexec/isconf "$root/usr/sbin/isconfd" &&
	grep -qx "ExecStart=/usr/sbin/isconfd -f" \
	    "$root/lib/systemd/system/isconfd.service" &&
	grep -qxF "*/30 * * * * root { test -e /var/lib/isconf/conf/domain || test -e /var/is/conf/domain; } && /usr/bin/isconf -q start && /usr/bin/isconf -q up" \
	    "$root/etc/cron.d/isconf.dpkg-new" &&
	test ! -e "$root/var/lib/isconf"
}
ok "dpkg --root unpacks it into a throwaway root" unpack

# The installed completion, with the installed client.
completion() {
	bash -c '. "$1"; COMP_WORDS=("$2" lo); COMP_CWORD=1; _isconf;
	    echo "${COMPREPLY[*]}"' sh \
	    "$work/root/usr/share/bash-completion/completions/isconf" \
	    "$work/root/usr/bin/isconf" >"$work/comp" &&
	echo "lock log" | diff - "$work/comp"
}
ok "the installed completion completes verbs" completion

rm -rf "$work/root" "$work/deb/src"
