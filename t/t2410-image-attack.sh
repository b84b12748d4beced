#!/bin/sh
test_description='image build and ci --test under attack: a hostile base and hostile execs must not reach the host'
. "$(dirname "$0")/lib-isconf.sh"

A=$(host_dir a)/root
HOME_A=$(host_dir a)/home
BASE=$SHARNESS_TRASH_DIRECTORY/base

if ! test -x /bin/busybox; then
	skip_all='busybox-static is not installed (make deps)'
	test_done
fi
if ! command -v cc >/dev/null ||
    ! printf 'int main(void){return 0;}\n' | cc -static -x c -o /dev/null - 2>/dev/null; then
	skip_all='no C compiler that links statically'
	test_done
fi

# Each attack is an exec gated by a file only its own base has: on the
# origin and in the other bases' images it does nothing.
DEV='test -f /attack-dev || exit 0
echo x >/hostnull && echo opened >/dev-opened
true'
# The image's IS_HOME replaced by a link to the host's: a path the
# daemon resolves on the host after this exec would land there.
WAL="test -f /attack-wal || exit 0
mv /var/lib/isconf /var/lib/isconf.real && ln -s '$HOME_A' /var/lib/isconf"
LINGER='test -f /attack-linger || exit 0
exec /bin/isconf-linger'
KEYS='test -f /attack-keys || exit 0
/bin/isconf-keys find >/key-read
true'

# base NAME: a copy of the busybox base with NAME's gate.
base() {
	cp -a "$BASE" "$BASE-$1" && touch "$BASE-$1/attack-$1"
}

test_expect_success 'setup: a busybox base, a branch of attacks' '
	mkdir -p "$BASE/bin" "$BASE/tmp" &&
	cp /bin/busybox "$BASE/bin/" &&
	for a in sh echo cat mkdir mv ln ls test true sleep touch; do
		ln -s busybox "$BASE/bin/$a" || return 1
	done &&
	touch "$BASE/marker" &&
	cat >linger.c <<-\EOC &&
	#include <sys/prctl.h>
	#include <fcntl.h>
	#include <signal.h>
	#include <unistd.h>
	/* Outlive the build: no parent-death signal, no SIGTERM, out of
	 * the process group the daemon kills. */
	int main(void) {
		int fd;
		prctl(PR_SET_PDEATHSIG, 0);
		signal(SIGTERM, SIG_IGN);
		setsid();
		sleep(6);
		if ((fd = open("/late", O_WRONLY | O_CREAT, 0644)) != -1)
			write(fd, "late\n", 5);
		return 0;
	}
	EOC
	cc -static -o linger linger.c &&
	cat >keys.c <<-\EOC &&
	#include <linux/keyctl.h>
	#include <stdio.h>
	#include <string.h>
	#include <sys/syscall.h>
	#include <unistd.h>
	/* add: a key in root'"'"'s user keyring; find: print it; del. */
	int main(int argc, char **argv) {
		char buf[64] = "";
		long id;
		if (argc > 1 && strcmp(argv[1], "add") == 0)
			return syscall(SYS_add_key, "user", "isconf-attack",
			    "secret", 6, KEY_SPEC_USER_KEYRING) == -1;
		id = syscall(SYS_keyctl, KEYCTL_SEARCH, KEY_SPEC_USER_KEYRING,
		    "user", "isconf-attack", 0);
		if (id == -1)
			return 1;
		if (argc > 1 && strcmp(argv[1], "del") == 0)
			return syscall(SYS_keyctl, KEYCTL_UNLINK, id,
			    KEY_SPEC_USER_KEYRING) == -1;
		if (syscall(SYS_keyctl, KEYCTL_READ, id, buf, sizeof buf - 1) == -1)
			return 1;
		printf("%s\n", buf);
		return 0;
	}
	EOC
	cc -static -o keys keys.c &&
	base dev && mknod "$BASE-dev/hostnull" c 1 3 &&
	tar -cf "$BASE-dev.tar" -C "$BASE-dev" . &&
	base wal &&
	base linger && cp linger "$BASE-linger/bin/isconf-linger" &&
	base keys && cp keys "$BASE-keys/bin/isconf-keys" &&
	start_host a 1 IS_EXEC_TIMEOUT=2 IS_EXEC_GRACE=1 &&
	isconf_on a -q lock "attacks" &&
	(cd "$A" && isconf_on a -q exec sh -c "$DEV") &&
	(cd "$A" && isconf_on a -q exec sh -c "$WAL") &&
	(cd "$A" && isconf_on a -q exec sh -c "$LINGER") &&
	(cd "$A" && isconf_on a -q exec sh -c "$KEYS") &&
	isconf_on a -q ci &&
	test "$(status_field a head)" = 6
'

# The image is mounted in the sandbox without nodev: a device node a
# base brings (any major, minor: the host's disks, /dev/mem) opens the
# host's device, whatever /dev the sandbox makes.
test_expect_success 'a device node in the base cannot be opened by an exec' '
	isconf_on a -q image build imgd --base "$BASE-dev" &&
	test ! -e imgd/dev-opened &&
	isconf_on a -q image build imgdt --base "$BASE-dev.tar" &&
	test -c imgdt/hostnull &&
	test ! -e imgdt/dev-opened
'

# SQLite resolves the image journal's path (/proc/self/fd/N/journal.db)
# to the image's path on the host when it opens it, and at close
# unlinks journal.db-wal and journal.db-shm by that path: through the
# link the exec left, the host's own live journal files.
test_expect_success 'an exec cannot make the daemon remove the host journal files' '
	test -f "$HOME_A/journal.db-wal" && test -f "$HOME_A/journal.db-shm" &&
	{ isconf_on a -q image build imgw --base "$BASE-wal"; true; } &&
	test -h imgw/var/lib/isconf &&
	test -f "$HOME_A/journal.db-wal" && test -f "$HOME_A/journal.db-shm"
'

# The command is PID 1 of the sandbox and dies with the helper only by
# its parent-death signal, which it may clear: killed at the timeout,
# it would go on running in the image after the build has ended.
test_expect_success 'nothing an exec starts outlives a timed-out build' '
	expect_code 1 isconf_on a image build imgl --base "$BASE-linger" &&
	grep "timed out (IS_EXEC_TIMEOUT)" err &&
	! pgrep -x isconf-linger &&
	test ! -e imgl/late
'

# Keyrings are per user namespace, and the sandbox has none of its own
# (design.md: it runs as real root): keyctl reaches root's user keyring
# on the host, to read what is there (a Kerberos ticket, a filesystem
# key) and to add keys that outlive the build.  Closing it needs a
# seccomp filter on add_key, keyctl and request_key, or a user
# namespace; open.
test_expect_failure 'an exec cannot read root'"'"'s keyring on the host' '
	./keys add &&
	test_when_finished "./keys del" &&
	isconf_on a -q image build imgk --base "$BASE-keys" &&
	test -f imgk/key-read &&
	test_must_be_empty imgk/key-read
'

test_done
