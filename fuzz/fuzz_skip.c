/*
 * skip_decode: the payload of a skip entry, as up applies it.  What
 * decodes re-encodes and decodes again to the same bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "journal.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *p, size_t len)
{
	struct skip_info x, y;
	struct buf	 in, b1, b2;

	buf_init(&in);
	buf_add(&in, p, len);
	if (skip_decode(&in, &x) == -1) {
		buf_free(&in);
		return 0;
	}
	buf_init(&b1);
	buf_init(&b2);
	skip_encode(&x, &b1);
	if (skip_decode(&b1, &y) == -1)
		abort();
	skip_encode(&y, &b2);
	if (b1.len != b2.len || memcmp(b1.data, b2.data, b1.len) != 0)
		abort();
	skip_info_free(&x);
	skip_info_free(&y);
	buf_free(&in);
	buf_free(&b1);
	buf_free(&b2);
	return 0;
}
