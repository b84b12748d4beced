#!/bin/sh
# make demo: three hosts on 127.0.0.1-3 that find each other through
# their nets files; one transaction on a reaches b and c over the mesh
# and is replayed there; a fourth, "air-gapped" host gets it from a
# bundle.  Everything lives in a temporary directory (port 65127, so a
# real isconfd on this machine is not disturbed) and is stopped and
# removed at the end.
set -e
BUILD=${1:-$(pwd)/build}
DEMO=$(mktemp -d /tmp/isconf-demo.XXXXXX)
trap 'for h in a b c d; do host $h "$BUILD/isconf" -q stop 2>/dev/null || true; done; rm -rf "$DEMO"' EXIT

host() {
	h=$1
	shift
	case $h in a) n=1 ;; b) n=2 ;; c) n=3 ;; *) n=4 ;; esac
	env IS_HOME="$DEMO/$h/home" IS_ROOT="$DEMO/$h/root" IS_HOSTNAME="$h" \
	    IS_DOMAIN=demo.example IS_MAINCF=/dev/null IS_PORT=65127 \
	    IS_BIND=127.0.0.$n IS_GOSSIP_MS=1000 \
	    IS_REBOOT_CMD="echo '(pretend reboot)'" "$@"
}
head_of() {
	host "$1" "$BUILD/isconf" status | sed -n 's/^head: *\([0-9]*\).*/\1/p'
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

say "Three hosts on loopback; each one's nets file lists the others"
for h in a b c d; do
	mkdir -p "$DEMO/$h/home/conf" "$DEMO/$h/root"
done
printf '127.0.0.2\n127.0.0.3\n' >"$DEMO/a/home/conf/nets"
printf '127.0.0.1\n127.0.0.3\n' >"$DEMO/b/home/conf/nets"
printf '127.0.0.1\n127.0.0.2\n' >"$DEMO/c/home/conf/nets"
for h in a b c d; do
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

say "The ci was pushed to b and c; they replay it"
for h in b c; do
	i=0
	while [ "$(head_of $h)" != 4 ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	run $h up
	printf '%s: /etc/motd says: %s\n' "$h" "$(cat "$DEMO/$h/root/etc/motd")"
	printf '%s: the exec ran %s time(s)\n' "$h" \
	    "$(wc -l <"$DEMO/$h/root/installed-at")"
done

say "Host d is off the mesh (air-gapped): it takes a bundle"
run a bundle create "$DEMO/fleet.bundle"
run d bundle apply "$DEMO/fleet.bundle"
run d up

say "A second up changes nothing"
run b up
run c status
say "Demo done: stopping the four daemons"
