/* hmac_keys: read by the daemon at start-up and whenever it changes. */
#include <stdlib.h>

#include "util.h"
#include "conf.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *p, size_t len)
{
	struct hmac_keys	 k;
	char			*text = fuzz_str(p, len), *cause = NULL;

	if (hmac_keys_parse("hmac_keys", text, &k, &cause) == 0)
		hmac_keys_free(&k);
	free(cause);
	free(text);
	return 0;
}
