/*
 * The stream handshake (net/tcp.c) before any key is checked: the
 * client's hello as a server reads it, and the server's answer as a
 * client does, from every prefix a read may deliver.  No bypass of the
 * cryptography is needed: the parsers come before it.
 */
#include <stdlib.h>

#include "util.h"
#include "net.h"
#include "fuzz.h"

static void
check(const struct net_hs *hs, const uint8_t *p, size_t have)
{
	if (hs->total > have || hs->pk < p || hs->pk + 32 > p + have ||
	    hs->mac < p || hs->mac + NET_MAC_LEN > p + have ||
	    (hs->domain != NULL && hs->domain + hs->dlen > p + have))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *p, size_t len)
{
	struct net_hs	hs;
	size_t		have;

	for (have = 0; have <= len; have += have < 64 ? 1 : 37) {
		if (net_hs1_parse(p, have, &hs) == 0)
			check(&hs, p, have);
		if (net_hs2_parse(p, have, &hs) == 0)
			check(&hs, p, have);
	}
	return 0;
}
