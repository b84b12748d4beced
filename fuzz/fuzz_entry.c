/*
 * entry_decode: what sync, bundles and the journal read.  A decoded
 * entry re-encodes to the same bytes (its id is the hash of them), and
 * its one-line detail can be built.
 */
#include <stdlib.h>
#include <string.h>

#include "journal.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *p, size_t len)
{
	struct entry	 e;
	struct buf	 b;
	char		*detail, *cause = NULL;

	if (entry_decode(p, len, &e, &cause) == -1) {
		free(cause);
		return 0;
	}
	buf_init(&b);
	entry_encode(&e, &b);
	if (b.len != len || memcmp(b.data, p, len) != 0)
		abort();
	detail = entry_detail(&e);
	free(detail);
	buf_free(&b);
	entry_free(&e);
	return 0;
}
