/*
 * The messages between isconfd and its network process (net/msg.c):
 * the parent decodes the child's as it would a peer's.  Every prefix
 * of the input as a header, the whole as one message; a message that
 * decodes must encode back to the same bytes, and a keys message's
 * keys must be read to the end or refused.  The whole as a stream of
 * messages, taken as a reader takes them (msgio.c's nmsg_in_next):
 * each inside the input, one after the other, as it decodes alone.
 */
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "msg.h"
#include "fuzz.h"

static void
stream(const uint8_t *p, size_t len)
{
	struct nmsg_in	in;
	struct nmsg	m, alone;
	size_t		at = 0;
	int		r;

	memset(&in, 0, sizeof in);
	in.buf = xmalloc(len + 1);
	memcpy(in.buf, p, len);
	in.cap = len + 1;
	in.end = len;
	while ((r = nmsg_in_next(&in, &m)) == 1) {
		if (in.start <= at || in.start > len ||
		    nmsg_decode(p + at, in.start - at, &alone) != 0 ||
		    alone.type != m.type || alone.len != m.len ||
		    (m.len > 0 && (m.data != in.buf + (alone.data - p) ||
		    memcmp(m.data, alone.data, m.len) != 0)))
			abort();
		at = in.start;
	}
	nmsg_in_free(&in);
}

int
LLVMFuzzerTestOneInput(const uint8_t *p, size_t len)
{
	struct nmsg	m;
	struct buf	b;
	uint8_t		type;
	uint32_t	id;
	size_t		have, blen, off = 0;
	char		*k;
	int		r;

	for (have = 0; have <= len && have <= NMSG_HDR; have++)
		if (nmsg_hdr(p, have, &type, &id, &blen) == 0 &&
		    blen > NMSG_MAX_BODY)
			abort();
	stream(p, len);
	if (nmsg_decode(p, len, &m) == -1)
		return 0;
	if (m.data != NULL && (m.data < p || m.data + m.len > p + len))
		abort();
	buf_init(&b);
	nmsg_encode(&b, &m);
	if (b.len != len || memcmp(b.data, p, len) != 0)
		abort();
	buf_free(&b);
	if (m.type == NMSG_P_KEYS) {
		while ((r = nmsg_key(&m, &off, &k)) == 1) {
			if (*k == '\0' || off > m.len)
				abort();
			free(k);
		}
	}
	return 0;
}
