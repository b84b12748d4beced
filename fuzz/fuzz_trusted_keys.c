/* trusted_keys, searched for a host key (daemon/hostkey.c). */
#include <stdlib.h>

#include "util.h"
#include "wire.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *p, size_t len)
{
	char	*s = fuzz_str(p, len);

	(void)trusted_keys_find(s, "0123456789abcdef0123456789abcdef"
	    "0123456789abcdef0123456789abcdef");
	free(s);
	return 0;
}
