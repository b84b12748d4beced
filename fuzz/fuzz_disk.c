/*
 * disk_decode: a ci's record of the origin's disk (issue 20), as
 * verify reads it.  What decodes re-encodes and decodes again to the
 * same bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "journal.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *p, size_t len)
{
	struct disk_info x, y;
	struct buf	 in, b1, b2;

	buf_init(&in);
	buf_add(&in, p, len);
	if (disk_decode(in.data, in.len, &x) == -1) {
		buf_free(&in);
		return 0;
	}
	buf_init(&b1);
	buf_init(&b2);
	disk_encode(&x, &b1);
	if (disk_decode(b1.data, b1.len, &y) == -1)
		abort();
	disk_encode(&y, &b2);
	if (b1.len != b2.len || memcmp(b1.data, b2.data, b1.len) != 0)
		abort();
	disk_info_free(&x);
	disk_info_free(&y);
	buf_free(&in);
	buf_free(&b1);
	buf_free(&b2);
	return 0;
}
