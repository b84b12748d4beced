/*
 * The HTTP API's inputs besides the token: the URL of a branch's
 * journal and the after= and limit= query values (daemon/http.c).  The
 * input is the URL, then optionally a NUL and a query value.
 */
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "conf.h"
#include "wire.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *p, size_t len)
{
	char		*s = fuzz_str(p, len), branch[256];
	size_t		 ulen = strlen(s);
	uint64_t	 v;

	if (http_journal_url(s, branch)) {
		if (strlen(branch) > 255)
			abort();
		(void)name_valid(branch);
	}
	if (ulen < len)
		(void)http_arg_u64(s + ulen + 1, 100, &v);
	(void)http_arg_u64(s, 0, &v);
	free(s);
	return 0;
}
