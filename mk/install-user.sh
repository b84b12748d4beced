#!/bin/sh
# make install: the unprivileged system user isconfd's network-facing
# children run as (daemon/privdrop.c, doc/design.md "Privilege
# separation"), created where missing.  Only as root and only for an
# install into this system (no DESTDIR): a staged install is a package's
# business (debian/isconf.postinst makes it there).  Idempotent.
user=_isconf
if [ -n "$DESTDIR" ]; then
	echo "isconf: DESTDIR set: not creating user $user here"
	exit 0
fi
if getent passwd "$user" >/dev/null; then
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "isconf: not root: user $user not created;" \
	    "isconfd's children will run as nobody" >&2
	exit 0
fi
nologin=/usr/sbin/nologin
[ -x "$nologin" ] || nologin=/sbin/nologin
useradd --system --no-create-home --shell "$nologin" \
    --home-dir /nonexistent "$user"
echo "isconf: created system user $user"
