/*
 * wire_members_decode: a MEMBERS datagram's records, as isconfd reads
 * them from a peer.  What decodes re-encodes to the same bytes, and
 * every record it yields is one the daemon may act on: a valid host
 * name and a unicast address and port.
 */
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "wire.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *p, size_t len)
{
	struct wire_member	m[MEMBERS_PER_DGRAM];
	struct buf		b;
	size_t			n, i;

	if (wire_members_decode(p, len, m, &n) == -1)
		return 0;
	for (i = 0; i < n; i++)
		if (!host_name_valid(m[i].host) || m[i].addr == 0 ||
		    m[i].port == 0)
			abort();
	buf_init(&b);
	wire_members_encode(&b, m, n);
	if (b.len != len || memcmp(b.data, p, len) != 0)
		abort();
	buf_free(&b);
	return 0;
}
