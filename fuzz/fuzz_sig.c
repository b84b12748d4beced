/*
 * sig_decode: the payload of ci and fork entries (the origin's key and,
 * for a fork, the parent branch; for a ci, the record of the origin's
 * disk may follow: ci_disk_decode, then the origin's waves:
 * ci_waves_decode).  What decodes re-encodes to the
 * same bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "journal.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *p, size_t len)
{
	struct sig_info	 s;
	struct disk_info k;
	struct ci_waves	 w;
	struct buf	 in, b;

	buf_init(&in);
	buf_add(&in, p, len);
	if (sig_decode(&in, &s) == 0) {
		buf_init(&b);
		sig_encode(&s, &b);
		if (ci_disk_decode(&in, &k) == 1) {
			disk_encode(&k, &b);
			disk_info_free(&k);
		}
		if (ci_waves_decode(&in, &w) == 1) {
			ci_waves_encode(&w, &b);
			ci_waves_free(&w);
		}
		if (b.len != len || memcmp(b.data, p, len) != 0)
			abort();
		buf_free(&b);
		free(s.parent_branch);
	}
	buf_free(&in);
	return 0;
}
