/* Unit tests: fmt_time, which shows times from peers and records. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "util.h"

static void
test_date(void **state)
{
	char	buf[64];

	(void)state;
	fmt_time(buf, sizeof buf, 0);
	assert_string_equal(buf, "1970-01-01 00:00:00 UTC");
	fmt_time(buf, sizeof buf, 1798572896);
	assert_string_equal(buf, "2026-12-29 19:34:56 UTC");
}

/* Beyond what a struct tm holds (gmtime_r fails): no date from an
 * uninitialised struct, but the number. */
static void
test_out_of_range(void **state)
{
	char	buf[64];

	(void)state;
	fmt_time(buf, sizeof buf, INT64_MAX);
	assert_string_equal(buf,
	    "9223372036854775807 s after 1970 (not a date)");
	fmt_time(buf, sizeof buf, INT64_MIN);
	assert_string_equal(buf,
	    "-9223372036854775808 s after 1970 (not a date)");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_date),
		cmocka_unit_test(test_out_of_range),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
