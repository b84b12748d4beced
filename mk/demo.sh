#!/bin/sh
# make demo: three hosts on loopback, one transaction on a, replayed on
# b and c.  Everything lives in a temporary directory and is stopped
# and removed at the end.
set -e
BUILD=${1:-$(pwd)/build}
DEMO=$(mktemp -d /tmp/isconf-demo.XXXXXX)
trap 'for h in a b c; do host $h "$BUILD/isconf" -q stop 2>/dev/null || true; done; rm -rf "$DEMO"' EXIT

host() {
	h=$1
	shift
	env IS_HOME="$DEMO/$h/home" IS_ROOT="$DEMO/$h/root" IS_HOSTNAME="$h" \
	    IS_DOMAIN=demo.example IS_MAINCF=/dev/null \
	    IS_REBOOT_CMD="echo '(pretend reboot)'" "$@"
}
say() {
	printf '\n\033[1m== %s\033[0m\n' "$*"
}
run() {
	h=$1
	shift
	printf '%s$ isconf %s\n' "$h" "$*"
	host "$h" "$BUILD/isconf" "$@"
}

for h in a b c; do
	mkdir -p "$DEMO/$h/home" "$DEMO/$h/root"
	run $h start
done

say "On the origin, a: one transaction"
mkdir -p "$DEMO/a/root/etc"
printf 'Welcome to the demo fleet.\n' >"$DEMO/a/root/etc/motd"
chmod 644 "$DEMO/a/root/etc/motd"
cd "$DEMO/a/root"
run a lock "install the motd and a marker"
run a snap etc/motd
run a exec sh -c 'date -u +%s >> "$IS_ROOT/installed-at"'
run a ci
run a log

say "Carry the journal to b and c (a bundle, for hosts off the mesh)"
run a bundle create "$DEMO/fleet.bundle"
for h in b c; do
	run $h bundle apply "$DEMO/fleet.bundle"
	say "Host $h replays it"
	run $h up
	printf '%s: /etc/motd says: %s\n' "$h" "$(cat "$DEMO/$h/root/etc/motd")"
	printf '%s: the exec ran %s time(s)\n' "$h" \
	    "$(wc -l <"$DEMO/$h/root/installed-at")"
done

say "A second up changes nothing"
run b up
run c status
say "Demo done: stopping the three daemons"
