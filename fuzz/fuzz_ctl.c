/*
 * A control-protocol frame (lib/proto.h) as isconfd reads one from
 * ctl.sock: the header's checks (daemon/control.c), then the request.
 */
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "proto.h"
#include "wire.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *p, size_t len)
{
	struct request	 r;
	char		*cause = NULL;
	size_t		 blen, i;

	if (len < CTL_HDR_LEN)
		return 0;
	blen = get_u32(p + 4);
	if (get_u32(p) != CTL_REQUEST || blen > CTL_MAX_FRAME ||
	    blen > len - CTL_HDR_LEN)
		return 0;
	memset(&r, 0, sizeof r);
	if (ctl_request_parse(&r, p + CTL_HDR_LEN, blen, &cause) == 0) {
		/* What the verbs rely on: argv is NULL-terminated. */
		for (i = 0; i < r.argc; i++)
			if (r.argv[i] == NULL)
				abort();
		if (r.argv[r.argc] != NULL)
			abort();
	}
	ctl_request_free(&r);
	free(cause);
	return 0;
}
