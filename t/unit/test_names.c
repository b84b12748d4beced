/* Unit tests: domain and branch name validation (\w+[-\w\.]+). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "util.h"
#include "conf.h"

static void
test_valid(void **state)
{
	const char	*ok[] = { "generic", "web-prod", "example.com",
			    "a1", "_x", "dmz_2.v-3", "ab", NULL };
	size_t		 i;

	(void)state;
	for (i = 0; ok[i] != NULL; i++)
		assert_true(name_valid(ok[i]));
}

static void
test_invalid(void **state)
{
	const char	*bad[] = { "", "a", "-ab", ".ab", "..", "../etc",
			    "a/b", "a b", "a\nb", "ab\xc3\xa9", "a:b", "a$b",
			    NULL };
	char		 longname[300];
	size_t		 i;

	(void)state;
	for (i = 0; bad[i] != NULL; i++)
		assert_false(name_valid(bad[i]));
	memset(longname, 'a', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	assert_false(name_valid(longname));
	assert_false(name_valid(NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_invalid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
