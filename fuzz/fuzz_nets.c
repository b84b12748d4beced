/* nets: the peer and broadcast addresses the daemon reads at start-up. */
#include <stdlib.h>

#include "util.h"
#include "conf.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *p, size_t len)
{
	struct nets	 n;
	char		*text = fuzz_str(p, len), *cause = NULL;

	if (nets_parse("nets", text, &n, &cause) == 0)
		nets_free(&n);
	free(cause);
	free(text);
	return 0;
}
