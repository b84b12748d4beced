/*
 * Unit tests: the set of distinct chunk hashes (daemon/bundle_io.c) that
 * bundles and the chunk fetch (fetch_collect) de-duplicate with.  Its
 * cost, sorting once, is O(n log n); here only its answers are checked.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "isconfd.h"

#define DISTINCT	1000
#define REPEATS		5

/* Hash number i: distinct for distinct i, and not in sorted order. */
static void
hash_of(uint32_t i, uint8_t *h)
{
	memset(h, 0xa5, HASH_LEN);
	put_u32(h, i * 2654435761u);
	put_u32(h + HASH_LEN - 4, i);
}

static void
test_dedupe(void **state)
{
	struct hashset	hs;
	uint8_t		h[HASH_LEN];
	uint32_t	r, i;
	ssize_t		at;

	(void)state;
	memset(&hs, 0, sizeof hs);
	/* Each hash REPEATS times, the repeats far apart. */
	for (r = 0; r < REPEATS; r++)
		for (i = 0; i < DISTINCT; i++) {
			hash_of((i * 7 + r * 13) % DISTINCT, h);
			hashset_add(&hs, h);
		}
	assert_int_equal(hs.n, DISTINCT * REPEATS);
	hashset_finish(&hs);
	assert_int_equal(hs.n, DISTINCT);
	for (i = 1; i < hs.n; i++)
		assert_true(memcmp(hs.h[i - 1], hs.h[i], HASH_LEN) < 0);
	for (i = 0; i < DISTINCT; i++) {
		hash_of(i, h);
		at = hashset_find(&hs, h);
		assert_true(at >= 0 && (size_t)at < hs.n);
		assert_memory_equal(hs.h[at], h, HASH_LEN);
		assert_int_equal(hs.found[at], 0);
	}
	hash_of(DISTINCT, h);
	assert_int_equal(hashset_find(&hs, h), -1);
	hashset_free(&hs);
	assert_null(hs.h);
	assert_int_equal(hs.n, 0);
}

static void
test_empty(void **state)
{
	struct hashset	hs;
	uint8_t		h[HASH_LEN];

	(void)state;
	memset(&hs, 0, sizeof hs);
	hashset_finish(&hs);
	assert_int_equal(hs.n, 0);
	hash_of(1, h);
	assert_int_equal(hashset_find(&hs, h), -1);
	hashset_free(&hs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dedupe),
		cmocka_unit_test(test_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
