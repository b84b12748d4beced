/*
 * resolve_decode: the payload of a resolve entry (the decider's key,
 * the branch, the fork's seq and the winning side's entry there).
 * What decodes re-encodes to the same bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "journal.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *p, size_t len)
{
	struct resolve_info	 ri;
	struct buf		 in, b;

	buf_init(&in);
	buf_add(&in, p, len);
	if (resolve_decode(&in, &ri) == 0) {
		buf_init(&b);
		resolve_encode(&ri, &b);
		if (b.len != len || memcmp(b.data, p, len) != 0)
			abort();
		buf_free(&b);
		free(ri.branch);
	}
	buf_free(&in);
	return 0;
}
