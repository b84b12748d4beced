/*
 * Unit test: bench/simdist and the daemon's fetch.c make the same fetch
 * decisions, because both call the same functions: every rules_fetch_*
 * and rules_have_* (rarest first, by the peers' holdings) declared in
 * daemon/rules.h is an undefined symbol of both objects (nm -u),
 * resolved by the one daemon/rules.o they both link (issue 24).
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

#include "calls.h"

static char	build[4096];

/* Events the model has no cause for (none now: a refused chunk closes
 * the connection, which the model has). */
static const char *const daemon_only[] = { NULL };

static void
test_same(void **state)
{
	char	names[64][64];
	size_t	n, i, j;
	int	skip;

	(void)state;
	n = calls_declared("daemon/rules.h", "rules_fetch_", names, 64);
	assert_true(n >= 10);
	j = calls_declared("daemon/rules.h", "rules_have_", names + n,
	    64 - n);
	assert_true(j >= 1);
	n += j;
	for (i = 0; i < n; i++) {
		if (!calls_object(build, "daemon/fetch.o", names[i]))
			fail_msg("fetch.c does not call %s", names[i]);
		for (skip = 0, j = 0; daemon_only[j] != NULL; j++)
			skip |= strcmp(names[i], daemon_only[j]) == 0;
		if (!skip && !calls_object(build, "bench/simdist.o",
		    names[i]))
			fail_msg("bench/simdist does not call %s", names[i]);
	}
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same),
	};

	(void)argc;
	calls_build_dir(build, sizeof build, argv[0]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
