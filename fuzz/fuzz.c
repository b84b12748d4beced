/* Helpers shared by the fuzz targets. */
#include <string.h>

#include "util.h"
#include "fuzz.h"

char *
fuzz_str(const uint8_t *p, size_t len)
{
	char	*s = xmalloc(len + 1);

	memcpy(s, p, len);
	s[len] = '\0';
	return s;
}
