#!/bin/sh
# make check-package: the package (make deb) with its maintainer scripts
# in a Debian chroot: installed with apt-get (its dependencies come from
# the mirror), the daemon started and asked for its status, upgraded to
# a higher version of itself, and purged.  Takes minutes (the first run
# debootstraps a base system, kept in WORKDIR/base.tar); needs root,
# debootstrap and the network.  The daemon runs in a private network
# namespace under the daemon lock of the tests (t/README, COMMON rules).
# usage: sh mk/check-package.sh SRCDIR WORKDIR
set -e
src=$1 work=$2
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
suite=${DEBIAN_SUITE:-bookworm}
version=$(sed -n 's/^#define ISCONF_VERSION "\(.*\)"$/\1/p' "$src/lib/util.h")
deb=$src/isconf_${version}_$(dpkg --print-architecture).deb
root=$work/root

[ "$(id -u)" = 0 ] || { echo "check-package: needs root" >&2; exit 1; }
command -v debootstrap >/dev/null || {
	echo "check-package: needs debootstrap (make deps installs it)" >&2
	exit 1
}
mkdir -p "$work"
if [ ! -s "$work/base.tar" ]; then
	echo "check-package: debootstrap $suite from $mirror"
	rm -rf "$work/base"
	debootstrap --variant=minbase "$suite" "$work/base" "$mirror" \
	    >"$work/debootstrap.log" 2>&1 || {
		tail "$work/debootstrap.log" >&2
		exit 1
	}
	tar -C "$work/base" -cf "$work/base.tar.tmp" . &&
	    mv "$work/base.tar.tmp" "$work/base.tar"
	rm -rf "$work/base"
fi

cleanup() {
	umount "$root/proc" 2>/dev/null || true
	rm -rf "$root"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
cleanup
mkdir -p "$root"
tar -C "$root" -xf "$work/base.tar"
mount -t proc proc "$root/proc"
cp /etc/resolv.conf "$root/etc/resolv.conf"

# The same package, one version higher, for the upgrade.
rm -rf "$work/next"
dpkg-deb -R "$deb" "$work/next"
sed -i "s/^Version: .*/Version: $version+next/" "$work/next/DEBIAN/control"
dpkg-deb -b "$work/next" "$root/tmp/isconf-next.deb" >/dev/null
rm -rf "$work/next"
cp "$deb" "$root/tmp/isconf.deb"
cp "$src/mk/check-package-chroot.sh" "$root/tmp/check.sh"

echo "check-package: apt-get install $(basename "$deb") in a $suite chroot"
chroot "$root" sh -c 'export DEBIAN_FRONTEND=noninteractive &&
    apt-get update -qq && apt-get install -y -qq /tmp/isconf.deb' \
    >"$work/install.log" 2>&1 || {
	tail -20 "$work/install.log" >&2
	exit 1
}

# No network beyond loopback for the daemon, one test run at a time.
flock /tmp/isconf-daemons.lock unshare -n sh -c \
    'ip link set lo up && chroot "$1" sh /tmp/check.sh' sh "$root"
echo "check-package: OK"
