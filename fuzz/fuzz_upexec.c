/*
 * upexec_decode: the running-exec record (journal state up_exec), as
 * isconfd reads it at start-up.  A failed decode allocates nothing;
 * what decodes re-encodes and decodes again to the same text.
 */
#include <stdlib.h>
#include <string.h>

#include "isconfd.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *p, size_t len)
{
	struct upexec	 x, y;
	char		*s = fuzz_str(p, len), *t1, *t2, *cause = NULL;

	if (upexec_decode(s, &x, &cause) == -1) {
		if (cause == NULL || x.branch != NULL || x.command != NULL)
			abort();
		free(cause);
		free(s);
		return 0;
	}
	t1 = upexec_encode(&x);
	if (upexec_decode(t1, &y, NULL) == -1)
		abort();
	t2 = upexec_encode(&y);
	if (strcmp(t1, t2) != 0 || x.pid <= 0 || x.since < 0 || x.seq == 0)
		abort();
	upexec_record_free(&x);
	upexec_record_free(&y);
	free(t1);
	free(t2);
	free(s);
	return 0;
}
