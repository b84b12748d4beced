/*
 * Unit tests: the codec of the messages between isconfd and its network
 * process (net/msg.c).  What one side encodes the other decodes field
 * for field; anything out of a type's bounds is refused, as the parent
 * must refuse a hostile child's.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "util.h"
#include "msg.h"

static void
encode(struct buf *b, uint8_t type, const void *data, size_t len)
{
	struct nmsg	m;

	memset(&m, 0, sizeof m);
	m.type = type;
	m.id = 42;
	m.addr.sin_family = AF_INET;
	m.addr.sin_addr.s_addr = htonl(0x0a000001);
	m.addr.sin_port = htons(9999);
	m.t = 5;
	m.a = 1ULL << 40;
	m.b = 7;
	xstrlcpy(m.s, "host-a", sizeof m.s);
	xstrlcpy(m.s2, "example.com", sizeof m.s2);
	m.data = data;
	m.len = len;
	buf_reset(b);
	nmsg_encode(b, &m);
}

static void
test_roundtrip(void **state)
{
	struct buf	b;
	struct nmsg	m;
	uint8_t		body[100];

	(void)state;
	memset(body, 'x', sizeof body);
	buf_init(&b);
	encode(&b, NMSG_C_DGRAM, body, sizeof body);
	assert_int_equal(nmsg_decode(b.data, b.len, &m), 0);
	assert_int_equal(m.type, NMSG_C_DGRAM);
	assert_int_equal(m.id, 42);
	assert_int_equal(ntohl(m.addr.sin_addr.s_addr), 0x0a000001);
	assert_int_equal(ntohs(m.addr.sin_port), 9999);
	assert_int_equal(m.t, 5);
	assert_true(m.a == 1ULL << 40);
	assert_string_equal(m.s, "host-a");
	assert_int_equal(m.len, sizeof body);
	assert_memory_equal(m.data, body, sizeof body);
	encode(&b, NMSG_P_INIT, "/var/lib/isconf", 15);
	assert_int_equal(nmsg_decode(b.data, b.len, &m), 0);
	assert_string_equal(m.s2, "example.com");
	assert_true(m.b == 7);
	buf_free(&b);
}

/* Each type's rest has its length: a signature request is exactly a
 * handshake's context and two keys, a datagram at most a datagram. */
static void
test_bounds(void **state)
{
	struct buf	b;
	struct nmsg	m;
	uint8_t		*big = xcalloc(1, NET_MAX_FRAME + 1);

	(void)state;
	buf_init(&b);
	encode(&b, NMSG_C_SIGN, big, NMSG_AUTH_LEN - 1);
	assert_int_equal(nmsg_decode(b.data, b.len, &m), -1);
	encode(&b, NMSG_C_SIGN, big, NMSG_AUTH_LEN + 1);
	assert_int_equal(nmsg_decode(b.data, b.len, &m), -1);
	encode(&b, NMSG_C_SIGN, big, NMSG_AUTH_LEN);
	assert_int_equal(nmsg_decode(b.data, b.len, &m), 0);
	encode(&b, NMSG_C_DGRAM, big, NET_MAX_DGRAM + 1);
	assert_int_equal(nmsg_decode(b.data, b.len, &m), -1);
	encode(&b, NMSG_C_FRAME, big, NET_MAX_FRAME);
	assert_int_equal(nmsg_decode(b.data, b.len, &m), 0);
	encode(&b, NMSG_C_FRAME, big, NET_MAX_FRAME + 1);
	assert_int_equal(nmsg_decode(b.data, b.len, &m), -1);
	encode(&b, NMSG_C_STATS, big, sizeof(struct net_stats) - 8);
	assert_int_equal(nmsg_decode(b.data, b.len, &m), -1);
	/* A body one byte short or long of its header's length. */
	encode(&b, NMSG_C_CLOSED, NULL, 0);
	assert_int_equal(nmsg_decode(b.data, b.len - 1, &m), -1);
	buf_add_u8(&b, 0);
	assert_int_equal(nmsg_decode(b.data, b.len, &m), -1);
	free(big);
	buf_free(&b);
}

static void
test_header(void **state)
{
	uint8_t		hdr[NMSG_HDR], type;
	uint32_t	id;
	size_t		len;

	(void)state;
	memset(hdr, 0, sizeof hdr);
	assert_int_equal(nmsg_hdr(hdr, NMSG_HDR - 1, &type, &id, &len), 1);
	hdr[4] = 200;		/* no such type */
	assert_int_equal(nmsg_hdr(hdr, NMSG_HDR, &type, &id, &len), -1);
	hdr[4] = NMSG_C_FRAME;
	put_u32(hdr, NMSG_MAX_BODY + 1);
	assert_int_equal(nmsg_hdr(hdr, NMSG_HDR, &type, &id, &len), -1);
	put_u32(hdr, 3);
	assert_int_equal(nmsg_hdr(hdr, NMSG_HDR, &type, &id, &len), 0);
	assert_int_equal(len, 3);
}

/* A string holding a NUL, or longer than its message, is refused. */
static void
test_strings(void **state)
{
	struct buf	b;
	struct nmsg	m;

	(void)state;
	buf_init(&b);
	encode(&b, NMSG_C_FRESH, NULL, 0);
	b.data[NMSG_HDR + 6 + 2] = '\0';	/* inside "host-a" */
	assert_int_equal(nmsg_decode(b.data, b.len, &m), -1);
	encode(&b, NMSG_C_FRESH, NULL, 0);
	b.data[NMSG_HDR + 6] = 200;		/* its length */
	assert_int_equal(nmsg_decode(b.data, b.len, &m), -1);
	buf_free(&b);
}

static void
test_keys(void **state)
{
	static const uint8_t	 two[] = "k1\0key-2", empty[] = "a\0\0b";
	struct buf		 b;
	struct nmsg		 m;
	size_t			 off = 0;
	char			*k;

	(void)state;
	buf_init(&b);
	encode(&b, NMSG_P_KEYS, two, sizeof two);
	assert_int_equal(nmsg_decode(b.data, b.len, &m), 0);
	assert_int_equal(nmsg_key(&m, &off, &k), 1);
	assert_string_equal(k, "k1");
	free(k);
	assert_int_equal(nmsg_key(&m, &off, &k), 1);
	assert_string_equal(k, "key-2");
	free(k);
	assert_int_equal(nmsg_key(&m, &off, &k), 0);
	encode(&b, NMSG_P_KEYS, two, sizeof two - 1);	/* unterminated */
	assert_int_equal(nmsg_decode(b.data, b.len, &m), 0);
	off = 0;
	assert_int_equal(nmsg_key(&m, &off, &k), 1);
	free(k);
	assert_int_equal(nmsg_key(&m, &off, &k), -1);
	encode(&b, NMSG_P_KEYS, empty, sizeof empty);	/* an empty key */
	assert_int_equal(nmsg_decode(b.data, b.len, &m), 0);
	off = 0;
	assert_int_equal(nmsg_key(&m, &off, &k), 1);
	free(k);
	assert_int_equal(nmsg_key(&m, &off, &k), -1);
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
