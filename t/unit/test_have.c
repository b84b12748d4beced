/*
 * Unit tests: the holdings frames' decoders (daemon/wire.c; issue 24).
 * A peer's F_BITFIELD and F_HAVE are refused unless exact: a tag below
 * HAVE_LISTS, a bitfield of exactly its count's bytes with the spare
 * bits clear, a HAVE of five bytes, a request naming a valid branch.
 * Nothing here allocates but the request's branch name (at most 255
 * bytes), whatever count a hostile peer claims.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "util.h"
#include "wire.h"

static void
bitfield(struct buf *b, uint8_t tag, uint32_t n, const void *bits,
    size_t nbytes)
{
	buf_reset(b);
	buf_add_u8(b, tag);
	buf_add_u32(b, n);
	buf_add(b, bits, nbytes);
}

static void
test_bitfield(void **state)
{
	static const uint8_t	 ones[4] = { 0xff, 0xff, 0xff, 0xff };
	struct buf		 b;
	const uint8_t		*bits;
	uint32_t		 n;
	uint8_t			 tag;

	(void)state;
	buf_init(&b);
	bitfield(&b, 3, 11, "\xfb\x05", 2);
	assert_int_equal(wire_bitfield_decode(b.data, b.len, &tag, &n,
	    &bits), 0);
	assert_int_equal(tag, 3);
	assert_int_equal(n, 11);
	assert_ptr_equal(bits, b.data + 5);
	/* Unknown: no bits. */
	bitfield(&b, 0, 0, NULL, 0);
	assert_int_equal(wire_bitfield_decode(b.data, b.len, &tag, &n,
	    &bits), 0);
	assert_int_equal(n, 0);
	assert_null(bits);
	/* A byte short, a byte over, a spare bit set, a tag past. */
	bitfield(&b, 0, 11, "\xff", 1);
	assert_int_equal(wire_bitfield_decode(b.data, b.len, &tag, &n,
	    &bits), -1);
	bitfield(&b, 0, 11, "\xff\x07\x00", 3);
	assert_int_equal(wire_bitfield_decode(b.data, b.len, &tag, &n,
	    &bits), -1);
	bitfield(&b, 0, 11, "\xff\x08", 2);
	assert_int_equal(wire_bitfield_decode(b.data, b.len, &tag, &n,
	    &bits), -1);
	bitfield(&b, 0, 16, ones, 2);
	assert_int_equal(wire_bitfield_decode(b.data, b.len, &tag, &n,
	    &bits), 0);
	bitfield(&b, HAVE_LISTS, 16, ones, 2);
	assert_int_equal(wire_bitfield_decode(b.data, b.len, &tag, &n,
	    &bits), -1);
	/* A count far past the body: refused, nothing read past it. */
	bitfield(&b, 0, UINT32_MAX, ones, 4);
	assert_int_equal(wire_bitfield_decode(b.data, b.len, &tag, &n,
	    &bits), -1);
	/* Shorter than the header. */
	assert_int_equal(wire_bitfield_decode(b.data, 4, &tag, &n, &bits),
	    -1);
	assert_int_equal(wire_bitfield_decode(b.data, 0, &tag, &n, &bits),
	    -1);
	buf_free(&b);
}

static void
test_have(void **state)
{
	struct buf	b;
	uint32_t	index;
	uint8_t		tag;

	(void)state;
	buf_init(&b);
	buf_add_u8(&b, 2);
	buf_add_u32(&b, 70000);
	assert_int_equal(wire_have_decode(b.data, b.len, &tag, &index), 0);
	assert_int_equal(tag, 2);
	assert_int_equal(index, 70000);
	assert_int_equal(wire_have_decode(b.data, b.len - 1, &tag, &index),
	    -1);
	buf_add_u8(&b, 0);
	assert_int_equal(wire_have_decode(b.data, b.len, &tag, &index), -1);
	buf_reset(&b);
	buf_add_u8(&b, HAVE_LISTS);
	buf_add_u32(&b, 0);
	assert_int_equal(wire_have_decode(b.data, b.len, &tag, &index), -1);
	buf_free(&b);
}

static void
request(struct buf *b, uint8_t tag, const char *branch)
{
	uint8_t	id[HASH_LEN];

	memset(id, 7, sizeof id);
	buf_reset(b);
	buf_add_u8(b, tag);
	buf_add_str(b, branch);
	buf_add_u64(b, 12);
	buf_add(b, id, HASH_LEN);
}

static void
test_request(void **state)
{
	struct buf	 b;
	uint8_t		 tag, id[HASH_LEN];
	uint64_t	 seq;
	char		*branch;

	(void)state;
	buf_init(&b);
	request(&b, 1, "main");
	assert_int_equal(wire_bitfield_req_decode(b.data, b.len, &tag,
	    &branch, &seq, id), 0);
	assert_int_equal(tag, 1);
	assert_string_equal(branch, "main");
	assert_int_equal(seq, 12);
	assert_int_equal(id[HASH_LEN - 1], 7);
	free(branch);
	/* Truncated, trailing, a tag past, a bad branch name. */
	assert_int_equal(wire_bitfield_req_decode(b.data, b.len - 1, &tag,
	    &branch, &seq, id), -1);
	assert_null(branch);
	buf_add_u8(&b, 0);
	assert_int_equal(wire_bitfield_req_decode(b.data, b.len, &tag,
	    &branch, &seq, id), -1);
	request(&b, HAVE_LISTS, "main");
	assert_int_equal(wire_bitfield_req_decode(b.data, b.len, &tag,
	    &branch, &seq, id), -1);
	request(&b, 0, "../etc");
	assert_int_equal(wire_bitfield_req_decode(b.data, b.len, &tag,
	    &branch, &seq, id), -1);
	assert_null(branch);
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bitfield),
		cmocka_unit_test(test_have),
		cmocka_unit_test(test_request),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
