/*
 * Unit tests: file_write_atomic never writes through a name planted
 * beside its target (the old PATH.tmp.PID was predictable and opened
 * with O_TRUNC and without O_EXCL, so a link there was followed).
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

static int
setup(void **state)
{
	(void)state;
	snprintf(top, sizeof top, "%s/path.XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(top));
	return 0;
}

static int
teardown(void **state)
{
	char	*cmd;

	(void)state;
	xasprintf(&cmd, "rm -rf '%s'", top);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	return 0;
}

static void
put(const char *path, const char *s)
{
	int	fd;

	assert_true((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC,
	    0644)) != -1);
	assert_int_equal(write(fd, s, strlen(s)), (ssize_t)strlen(s));
	close(fd);
}

static void
assert_content(const char *path, const char *want)
{
	char	*got = NULL, *cause = NULL;
	size_t	 len;

	assert_int_equal(file_read(path, 4096, &got, &len, &cause), 0);
	assert_string_equal(got, want);
	free(got);
}

static void
test_planted_names(void **state)
{
	char		path[PATH_MAX], victim[PATH_MAX], planted[PATH_MAX + 32];
	char		hard[PATH_MAX + 32], *cause = NULL;
	struct stat	sb;

	(void)state;
	snprintf(path, sizeof path, "%s/branch", top);
	snprintf(victim, sizeof victim, "%s/victim", top);
	put(victim, "precious\n");
	/* What a local user could plant at the old temporary's name,
	 * for this process and the next ones. */
	snprintf(planted, sizeof planted, "%s.tmp.%ld", path,
	    (long)getpid());
	assert_int_equal(symlink(victim, planted), 0);
	assert_int_equal(file_write_atomic(path, "new\n", 4, 0600, &cause),
	    0);
	assert_content(victim, "precious\n");
	assert_content(path, "new\n");
	assert_int_equal(lstat(path, &sb), 0);
	assert_true(S_ISREG(sb.st_mode));
	assert_int_equal(sb.st_mode & 07777, 0600);
	assert_int_equal(lstat(planted, &sb), 0);	/* left alone */
	assert_true(S_ISLNK(sb.st_mode));

	assert_int_equal(unlink(planted), 0);
	snprintf(hard, sizeof hard, "%s.tmp.%ld", path, (long)getpid());
	assert_int_equal(link(victim, hard), 0);
	assert_int_equal(file_write_atomic(path, "newer\n", 6, 0644,
	    &cause), 0);
	assert_content(victim, "precious\n");
	assert_content(path, "newer\n");
	assert_int_equal(lstat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0644);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_planted_names),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
