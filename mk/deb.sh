#!/bin/sh
# make deb: build isconf_VERSION_ARCH.deb from debian/.
# usage: sh mk/deb.sh SRCDIR WORKDIR OUTDIR
# dpkg-buildpackage writes its results into the parent of the tree it
# builds, so the tree is copied to WORKDIR/src first (the files git
# tracks and the new ones it does not ignore, or, outside a git
# checkout, everything but the build directories); the .deb is then
# copied to OUTDIR and its name printed.
set -e
src=$1 work=$2 out=$3
for tool in dpkg-buildpackage dh fakeroot; do
	command -v $tool >/dev/null || {
		echo "isconf: make deb needs $tool: make deps as root, or" \
		    "apt-get install dpkg-dev debhelper fakeroot" >&2
		exit 1
	}
done
rm -rf "$work"
mkdir -p "$work/src"
if git -C "$src" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	(cd "$src" && git ls-files -z -c -o --exclude-standard |
	    xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\n" "$f";
	    done' sh | tar -cf - -T -) | tar -xf - -C "$work/src"
else
	(cd "$src" && tar -cf - --exclude='./build*' --exclude='./t/trash*' \
	    --exclude='./isconf_*.deb' .) | tar -xf - -C "$work/src"
fi
cd "$work/src"
version=$(dpkg-parsechangelog -S Version)
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
# The package's version is the program's (isconf -V).
code=$(sed -n 's/^#define ISCONF_VERSION "\(.*\)"$/\1/p' lib/util.h)
if [ "$version" != "$code" ]; then
	echo "isconf: debian/changelog says $version, lib/util.h $code" >&2
	exit 1
fi
dpkg-buildpackage -b -us -uc -j2 >"$work/build.log" 2>&1 || {
	tail -40 "$work/build.log" >&2
	echo "isconf: dpkg-buildpackage failed (log: $work/build.log)" >&2
	exit 1
}
deb=isconf_${version}_$arch.deb
mkdir -p "$out"
cp "$work/$deb" "$out/$deb"
echo "$out/$deb"
