/*
 * image_record_decode: an image's record of where it stands, as image
 * build reads it from a base that may come from anywhere.  A failed
 * decode zeroes the record and says why; what decodes re-encodes and
 * decodes again to the same text.
 */
#include <stdlib.h>
#include <string.h>

#include "isconfd.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *p, size_t len)
{
	struct image_record	 r, r2, zero;
	char			*s = fuzz_str(p, len), *t1, *t2, *cause = NULL;

	memset(&zero, 0, sizeof zero);
	if (image_record_decode(s, len, &r, &cause) == -1) {
		if (cause == NULL || memcmp(&r, &zero, sizeof r) != 0)
			abort();
		free(cause);
		free(s);
		return 0;
	}
	t1 = image_record_encode(&r);
	if (image_record_decode(t1, strlen(t1), &r2, NULL) == -1)
		abort();
	t2 = image_record_encode(&r2);
	if (strcmp(t1, t2) != 0 || !name_valid(r.branch) || r.time < 0)
		abort();
	free(t1);
	free(t2);
	free(s);
	return 0;
}
