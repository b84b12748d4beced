/* Unit tests: hmac_keys and nets files, with the manual's rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "util.h"
#include "conf.h"

static void
test_keys(void **state)
{
	struct hmac_keys	k;
	char			*cause = NULL;

	(void)state;
	assert_int_equal(hmac_keys_parse("hk", "# comment\n\nnewkey\n"
	    "  oldkey  \n+ANY+\n", &k, &cause), 0);
	assert_int_equal(k.n, 2);
	assert_string_equal(k.keys[0], "newkey");
	assert_string_equal(k.keys[1], "oldkey");
	assert_true(k.any);
	hmac_keys_free(&k);

	assert_int_equal(hmac_keys_parse("hk", "# only comments\n\n", &k,
	    &cause), 0);
	assert_int_equal(k.n, 0);
	assert_false(k.any);
	hmac_keys_free(&k);

	assert_int_equal(hmac_keys_parse("hk", "k1\nbad key\n", &k, &cause),
	    -1);
	assert_non_null(strstr(cause, "hk:2:"));
	free(cause);
}

static void
test_nets(void **state)
{
	struct nets	n;
	char		*cause = NULL;

	(void)state;
	assert_int_equal(nets_parse("nets", "127.0.0.1\n\n# c\n10.0.0.255 "
	    "# bcast\n::1\n", &n, &cause), 0);
	assert_int_equal(n.n, 3);
	assert_string_equal(n.addrs[1], "10.0.0.255");
	nets_free(&n);
	assert_int_equal(nets_parse("nets", "127.0.0.1\nnot-an-ip\n", &n,
	    &cause), -1);
	assert_non_null(strstr(cause, "nets:2: not an IP address"));
	free(cause);
}

static void
test_missing_files(void **state)
{
	struct hmac_keys	k;
	struct nets		n;
	char			*cause = NULL;

	(void)state;
	assert_int_equal(hmac_keys_load("/nonexistent/hk", &k, &cause), 0);
	assert_int_equal(k.n, 0);
	assert_int_equal(nets_load("/nonexistent/nets", &n, &cause), 0);
	assert_int_equal(n.n, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_nets),
		cmocka_unit_test(test_missing_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
