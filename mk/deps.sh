#!/bin/sh
# Install the Debian packages that building and testing isconf need,
# when they are missing.  A no-op when everything is present.
# dpkg-dev, debhelper, fakeroot and lintian build and check the
# package (make deb, make test); debootstrap is for make check-package;
# busybox-static is the base t2400-image.sh builds images from.
set -e
pkgs="pkg-config libsodium-dev libevent-dev libsqlite3-dev libmicrohttpd-dev
zlib1g-dev libseccomp-dev libcmocka-dev sharness perl iproute2 procps util-linux curl bc
busybox-static
dpkg-dev debhelper fakeroot lintian debootstrap"
missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
# Chromium is for the dashboard's browser test only: installed when it
# can be, and that test is skipped, saying so, where it cannot.  clang
# is for make fuzz only (make check replays the corpora with gcc).
optional="chromium chromium-driver clang"
for p in $optional; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		optmissing="$optmissing $p"
done
if [ -z "$missing" ] && { [ -z "$optmissing" ] || [ "$(id -u)" != 0 ] ||
    [ -e /var/lib/isconf-deps-optional-tried ]; }; then
	exit 0
fi
if [ -n "$missing" ] && [ "$(id -u)" != 0 ]; then
	echo "isconf: missing packages:$missing" >&2
	echo "isconf: run 'make deps' as root, or: apt-get install$missing" >&2
	exit 1
fi
echo "isconf: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
[ -z "$missing" ] ||
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
if [ -n "$optmissing" ]; then
	echo "isconf: installing$optmissing (optional: browser test, make fuzz)"
	apt-get install -y -qq --no-install-recommends $optmissing >/dev/null ||
		echo "isconf: could not install$optmissing; its test will be skipped"
	touch /var/lib/isconf-deps-optional-tried 2>/dev/null || true
fi
