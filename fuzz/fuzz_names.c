/* Domain, branch and host names, checked on everything received. */
#include <stdlib.h>

#include "util.h"
#include "conf.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *p, size_t len)
{
	char	*s = fuzz_str(p, len);

	(void)name_valid(s);
	(void)host_name_valid(s);
	free(s);
	return 0;
}
