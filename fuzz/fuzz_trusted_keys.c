/* trusted_keys (conf/trusted.c), parsed and searched for a host key. */
#include <stdlib.h>

#include "util.h"
#include "conf.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *p, size_t len)
{
	struct trusted_keys	 t;
	static const uint8_t	 key[32] = { 1, 2, 3 };
	char			*s = fuzz_str(p, len), *cause = NULL;

	if (trusted_keys_parse("trusted_keys", s, &t, &cause) == 0) {
		(void)trusted_keys_find(&t, key);
		trusted_keys_free(&t);
	}
	free(cause);
	free(s);
	return 0;
}
