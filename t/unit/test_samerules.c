/*
 * Unit test: bench/simdist and the daemon's fetch.c make the same fetch
 * decisions, because both call the same functions: every rules_fetch_*
 * declared in daemon/rules.h is an undefined symbol of both objects
 * (nm -u), resolved by the one daemon/rules.o they both link (issue 24).
 * Run from the source tree (make test-unit), the binary in
 * BUILD/t/unit/.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

static char	build[4096];

/* Events the model has no cause for (none now: a refused chunk closes
 * the connection, which the model has). */
static const char *const daemon_only[] = { NULL };

/* The rules_fetch_* functions rules.h declares, into names. */
static size_t
declared(char names[][64], size_t max)
{
	FILE	*f = fopen("daemon/rules.h", "r");
	char	 line[512], *p, *e;
	size_t	 n = 0;

	assert_non_null(f);
	while (fgets(line, sizeof line, f) != NULL && n < max) {
		if ((p = strstr(line, "rules_fetch_")) == NULL ||
		    (e = strchr(p, '(')) == NULL || line[0] == ' ' ||
		    line[0] == '/' || line[0] == '#')
			continue;
		snprintf(names[n++], 64, "%.*s", (int)(e - p), p);
	}
	fclose(f);
	return n;
}

/* 1 if object (under the build directory) calls name. */
static int
calls(const char *object, const char *name)
{
	char	 cmd[8192], line[256];
	FILE	*p;
	int	 found = 0;

	snprintf(cmd, sizeof cmd, "nm -u '%s/%s'", build, object);
	assert_non_null(p = popen(cmd, "r"));
	while (fgets(line, sizeof line, p) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (strlen(line) > strlen(name) && strcmp(line + strlen(line) -
		    strlen(name), name) == 0 && line[strlen(line) -
		    strlen(name) - 1] == ' ')
			found = 1;
	}
	assert_int_equal(pclose(p), 0);
	return found;
}

static void
test_same(void **state)
{
	char	names[64][64];
	size_t	n, i, j;
	int	skip;

	(void)state;
	n = declared(names, 64);
	assert_true(n >= 10);
	for (i = 0; i < n; i++) {
		if (!calls("daemon/fetch.o", names[i]))
			fail_msg("fetch.c does not call %s", names[i]);
		for (skip = 0, j = 0; daemon_only[j] != NULL; j++)
			skip |= strcmp(names[i], daemon_only[j]) == 0;
		if (!skip && !calls("bench/simdist.o", names[i]))
			fail_msg("bench/simdist does not call %s", names[i]);
	}
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same),
	};
	char	*s;

	(void)argc;
	/* BUILD/t/unit/test_samerules -> BUILD */
	snprintf(build, sizeof build, "%s", argv[0]);
	if ((s = strstr(build, "/t/unit/")) != NULL)
		*s = '\0';
	return cmocka_run_group_tests(tests, NULL, NULL);
}
