/*
 * Unit tests: directories opened beneath a root as if it were "/", by
 * openat2(RESOLVE_IN_ROOT) and by the component walk used where the
 * kernel lacks it.  Both must land in the same directory or fail the
 * same way, and never outside the root.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "util.h"

static char	top[1024];

static void
at(const char *rel, char *out)
{
	snprintf(out, PATH_MAX, "%s/%s", top, rel);
}

static void
make_dir(const char *rel)
{
	char	p[PATH_MAX];

	at(rel, p);
	assert_int_equal(mkdir(p, 0755), 0);
}

static void
make_link(const char *target, const char *rel)
{
	char	p[PATH_MAX];

	at(rel, p);
	assert_int_equal(symlink(target, p), 0);
}

static int
setup(void **state)
{
	char	p[PATH_MAX], abs[PATH_MAX + 16];
	int	fd;

	(void)state;
	snprintf(top, sizeof top, "%s/inroot.XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(top));
	make_dir("outside");
	make_dir("root");
	make_dir("root/etc");
	make_dir("root/usr");
	make_dir("root/usr/lib");
	make_dir("root/outside");
	make_link("usr/lib", "root/lib");
	snprintf(abs, sizeof abs, "%s/outside", top);
	make_link(abs, "root/abs");
	make_link("../../outside", "root/rel");
	make_link("/etc", "root/slash");
	make_link("lib/../../etc", "root/chain");
	make_link("loop", "root/loop");
	make_link("/proc/self/cwd", "root/magic");
	at("root/file", p);
	assert_true((fd = open(p, O_WRONLY | O_CREAT, 0644)) != -1);
	close(fd);
	return 0;
}

static int
teardown(void **state)
{
	char	cmd[PATH_MAX + 16];

	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", top);
	return system(cmd) == 0 ? 0 : -1;
}

/* path resolves to want (relative to top), or fails with errno err. */
static void
check(int (*open_fn)(int, const char *), const char *path,
    const char *want, int err)
{
	struct stat	a, b;
	char		p[PATH_MAX];
	int		rootfd, fd;

	at("root", p);
	assert_true((rootfd = open(p, O_PATH | O_DIRECTORY)) != -1);
	fd = open_fn(rootfd, path);
	if (want == NULL) {
		if (fd != -1)
			fail_msg("%s: opened, expected errno %d", path, err);
		assert_int_equal(errno, err);
	} else {
		if (fd == -1)
			fail_msg("%s: %s", path, strerror(errno));
		at(want, p);
		assert_int_equal(fstat(fd, &a), 0);
		assert_int_equal(stat(p, &b), 0);
		if (a.st_ino != b.st_ino || a.st_dev != b.st_dev)
			fail_msg("%s: not %s", path, want);
		close(fd);
	}
	close(rootfd);
}

static void
check_both(const char *path, const char *want, int err)
{
	check(inroot_opendir, path, want, err);
	check(inroot_walk, path, want, err);
}

static void
test_plain(void **state)
{
	(void)state;
	check_both("/", "root", 0);
	check_both("", "root", 0);
	check_both("/etc", "root/etc", 0);
	check_both("//usr/./lib/", "root/usr/lib", 0);
	check_both("/file", NULL, ENOTDIR);
	check_both("/file/x", NULL, ENOTDIR);
	check_both("/nothing", NULL, ENOENT);
}

static void
test_links_inside(void **state)
{
	(void)state;
	check_both("/lib", "root/usr/lib", 0);
	check_both("/slash", "root/etc", 0);
	check_both("/chain", "root/etc", 0);
	check_both("/lib/..", "root/usr", 0);
	check_both("/loop", NULL, ELOOP);
}

static void
test_never_outside(void **state)
{
	char	abs[PATH_MAX];

	(void)state;
	check_both("/..", "root", 0);
	check_both("/../../../etc", "root/etc", 0);
	check_both("/rel", "root/outside", 0);
	/* An absolute link to the real outside starts again at the root,
	 * where there is no such directory. */
	check_both("/abs", NULL, ENOENT);
	snprintf(abs, sizeof abs, "%s/outside", top);
	check_both(abs, NULL, ENOENT);
}

static void
test_magic_link(void **state)
{
	(void)state;
	/* /proc/self/cwd is looked up inside the root too, where there
	 * is no /proc: the daemon's own directory is never reached. */
	check(inroot_opendir, "/magic", NULL, ENOENT);
	check(inroot_walk, "/magic", NULL, ENOENT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_links_inside),
		cmocka_unit_test(test_never_outside),
		cmocka_unit_test(test_magic_link),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
