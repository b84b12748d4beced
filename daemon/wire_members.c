/*
 * MSG_MEMBERS bodies (wire.h): records of the peers a host hears
 * directly.  Pure, so that the fuzz target runs what the daemon does.
 */
#include <arpa/inet.h>
#include <string.h>

#include "util.h"
#include "wire.h"

/* A unicast IPv4 address and a port: no 0.0.0.0, broadcast or
 * multicast, which a probe must never be sent to. */
static int
member_addr_valid(uint32_t addr, uint16_t port)
{
	uint32_t	a = ntohl(addr);

	return port != 0 && a != 0 && a != 0xffffffffu &&
	    (a & 0xf0000000u) != 0xe0000000u;
}

int
wire_members_decode(const uint8_t *p, size_t len, struct wire_member *m,
    size_t *n)
{
	struct rd	r;
	size_t		count, i, hlen;

	*n = 0;
	rd_init(&r, p, len);
	count = rd_u8(&r);
	if (r.err || count > MEMBERS_PER_DGRAM)
		return -1;
	for (i = 0; i < count; i++) {
		memset(&m[i], 0, sizeof m[i]);
		hlen = rd_u8(&r);
		rd_bytes(&r, m[i].host, hlen);
		rd_bytes(&r, &m[i].addr, 4);
		rd_bytes(&r, &m[i].port, 2);
		m[i].age_s = rd_u32(&r);
		if (r.err || strlen(m[i].host) != hlen ||
		    !host_name_valid(m[i].host) ||
		    !member_addr_valid(m[i].addr, m[i].port))
			return -1;
		*n = i + 1;
	}
	return rd_done(&r);
}

size_t
wire_member_size(const char *host)
{
	return 1 + strlen(host) + 4 + 2 + 4;
}

void
wire_members_encode(struct buf *b, const struct wire_member *m, size_t n)
{
	size_t	i;

	buf_add_u8(b, (uint8_t)n);
	for (i = 0; i < n; i++) {
		buf_add_u8(b, (uint8_t)strlen(m[i].host));
		buf_add(b, m[i].host, strlen(m[i].host));
		buf_add(b, &m[i].addr, 4);
		buf_add(b, &m[i].port, 2);
		buf_add_u32(b, m[i].age_s);
	}
}
