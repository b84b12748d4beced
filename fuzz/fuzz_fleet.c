/*
 * The fleet view's query (daemon/wire_fleet.c): /api/v1/hosts's query
 * values and isconf hosts's options.  The input is a key, a NUL, a
 * value, and optionally a NUL and a host name that a name pattern
 * taken is matched against (the matcher must stay polynomial).
 */
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "fleet.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *p, size_t len)
{
	struct fleet_query	 q;
	char			*s = fuzz_str(p, len);
	const char		*v = "", *host = "";
	size_t			 k = strlen(s);

	if (k < len) {
		v = s + k + 1;
		if (k + 1 + strlen(v) < len)
			host = v + strlen(v) + 1;
	}
	fleet_query_init(&q);
	if (fleet_query_arg(&q, s, v) == 0) {
		if (q.limit > FLEET_LIMIT_MAX || q.offset > FLEET_OFFSET_MAX ||
		    q.state < -1 || q.state >= FLEET_NSTATES ||
		    strlen(q.name) > FLEET_GLOB_MAX)
			abort();
		if (q.name[0] != '\0')
			(void)fleet_glob(q.name, host);
	}
	(void)fleet_glob(v, host);
	free(s);
	return 0;
}
