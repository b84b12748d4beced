#!/bin/sh
# Install the Debian packages that building and testing isconf need,
# when they are missing.  A no-op when everything is present.
set -e
pkgs="pkg-config libsodium-dev libevent-dev libsqlite3-dev libmicrohttpd-dev
zlib1g-dev libcmocka-dev sharness perl iproute2 procps util-linux"
missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "isconf: missing packages:$missing" >&2
	echo "isconf: run 'make deps' as root, or: apt-get install$missing" >&2
	exit 1
fi
echo "isconf: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing >/dev/null
