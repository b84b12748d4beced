/*
 * chunk_list_decode: a chunk list object (a snap's long chunk list,
 * fetched by hash).  The first two bytes give the count the entry
 * claims, bounded by SNAP_LIST_MAX as snap_decode bounds it; what
 * decodes re-encodes to the same bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "journal.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *p, size_t len)
{
	struct chunk_ref	*refs;
	struct buf		 b;
	uint64_t		 total, sum = 0;
	size_t			 n, i;

	if (len < 2)
		return 0;
	n = ((size_t)p[0] << 8 | p[1]) % (SNAP_LIST_MAX + 1);
	refs = xcalloc(n ? n : 1, sizeof *refs);
	if (chunk_list_decode(p + 2, len - 2, n, refs, &total) == 0) {
		buf_init(&b);
		chunk_list_encode(refs, n, &b);
		for (i = 0; i < n; i++)
			sum += refs[i].len;
		if (b.len != len - 2 || (b.len > 0 &&
		    memcmp(b.data, p + 2, b.len) != 0) ||
		    sum != total)
			abort();
		buf_free(&b);
	}
	free(refs);
	return 0;
}
