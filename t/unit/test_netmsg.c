/*
 * Unit tests: the codec of the messages between isconfd and its network
 * process (net/msg.c).  What one side encodes the other decodes field
 * for field; anything out of a type's bounds is refused, as the parent
 * must refuse a hostile child's.  Read from a socket (msgio.c), a
 * message arriving in pieces decodes as it does whole.
 */
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <event2/buffer.h>

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

/* A non-blocking socketpair: [0] to write, [1] to read. */
static void
pair(int sp[2])
{
	int	size = 1 << 20;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	setsockopt(sp[0], SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
	assert_int_equal(fcntl(sp[1], F_SETFL, O_NONBLOCK), 0);
}

static void
put(int fd, const uint8_t *p, size_t len)
{
	assert_int_equal(write(fd, p, len), (ssize_t)len);
}

/* Read what is there and take a message: nmsg_in_next's answer. */
static int
take(struct nmsg_in *in, int fd, struct nmsg *m)
{
	int	r;

	while ((r = nmsg_in_next(in, m)) == 0)
		if (nmsg_in_read(in, fd) != 1)
			return 0;
	return r;
}

/* nmsg_write sends the rest apart from the header, to the socket what
 * it takes and to the buffer the rest, and to the buffer only once
 * something waits there (or always, with no socket): the same bytes in
 * the same order. */
static void
write_two(int direct)
{
	struct evbuffer	*out = evbuffer_new();
	struct buf	 b, w, got;
	struct nmsg	 m;
	size_t		 len = 300 * 1024;
	uint8_t		*big = xcalloc(1, len), chunk[65536];
	ssize_t		 n;
	int		 sp[2], size = 4096;

	buf_init(&b);
	buf_init(&w);
	buf_init(&got);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	setsockopt(sp[0], SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
	assert_int_equal(fcntl(sp[0], F_SETFL, O_NONBLOCK), 0);
	assert_int_equal(fcntl(sp[1], F_SETFL, O_NONBLOCK), 0);
	encode(&b, NMSG_C_FRAME, big, len);
	buf_add(&w, b.data, b.len);
	assert_int_equal(nmsg_decode(b.data, b.len, &m), 0);
	nmsg_write(out, direct ? sp[0] : -1, &m);
	encode(&b, NMSG_C_CLOSED, NULL, 0);
	buf_add(&w, b.data, b.len);
	assert_int_equal(nmsg_decode(b.data, b.len, &m), 0);
	nmsg_write(out, direct ? sp[0] : -1, &m);
	while ((n = read(sp[1], chunk, sizeof chunk)) > 0)
		buf_add(&got, chunk, (size_t)n);
	if (direct)
		assert_true(got.len > 0 && got.len < len);
	else
		assert_int_equal(got.len, 0);
	buf_add(&got, evbuffer_pullup(out, -1), evbuffer_get_length(out));
	assert_int_equal(got.len, w.len);
	assert_memory_equal(got.data, w.data, w.len);
	close(sp[0]);
	close(sp[1]);
	evbuffer_free(out);
	free(big);
	buf_free(&b);
	buf_free(&w);
	buf_free(&got);
}

static void
test_write(void **state)
{
	(void)state;
	write_two(0);
	write_two(1);
}

/* A chunk's message (bigger than the reader's first buffer) written
 * header, fields and payload apart, then a small one behind it: each
 * is whole only when its last byte is there, and decodes as the bytes
 * do at once. */
static void
test_in_pieces(void **state)
{
	struct nmsg_in	 in;
	struct nmsg	 m, want;
	struct buf	 b, b2;
	size_t		 len = 200 * 1024, cut = NMSG_HDR + 1 + 5000;
	uint8_t		*big = xmalloc(len);
	int		 sp[2];
	size_t		 i;

	(void)state;
	for (i = 0; i < len; i++)
		big[i] = (uint8_t)(i * 7);
	pair(sp);
	memset(&in, 0, sizeof in);
	buf_init(&b);
	buf_init(&b2);
	encode(&b, NMSG_C_FRAME, big, len);
	encode(&b2, NMSG_C_CLOSED, NULL, 0);
	assert_int_equal(nmsg_in_read(&in, sp[1]), 0);	/* nothing yet */
	put(sp[0], b.data, NMSG_HDR);
	assert_int_equal(take(&in, sp[1], &m), 0);
	put(sp[0], b.data + NMSG_HDR, cut - NMSG_HDR);
	assert_int_equal(take(&in, sp[1], &m), 0);
	put(sp[0], b.data + cut, b.len - cut - 1);
	assert_int_equal(take(&in, sp[1], &m), 0);
	put(sp[0], b.data + b.len - 1, 1);
	put(sp[0], b2.data, b2.len);
	assert_int_equal(take(&in, sp[1], &m), 1);
	assert_int_equal(nmsg_decode(b.data, b.len, &want), 0);
	assert_int_equal(m.type, NMSG_C_FRAME);
	assert_int_equal(m.id, want.id);
	assert_int_equal(m.t, want.t);
	assert_int_equal(m.len, len);
	assert_memory_equal(m.data, big, len);
	assert_int_equal(take(&in, sp[1], &m), 1);
	assert_int_equal(m.type, NMSG_C_CLOSED);
	assert_string_equal(m.s, "host-a");
	assert_int_equal(take(&in, sp[1], &m), 0);
	/* The other end gone: end of file, errno 0. */
	close(sp[0]);
	assert_int_equal(nmsg_in_read(&in, sp[1]), -1);
	assert_int_equal(errno, 0);
	nmsg_in_free(&in);
	close(sp[1]);
	free(big);
	buf_free(&b);
	buf_free(&b2);
}

/* A header saying more than any message holds is refused as soon as it
 * is there, not waited for; a message cut short waits for its end, and
 * one whose fields overrun its length is refused. */
static void
test_in_refused(void **state)
{
	struct nmsg_in	in;
	struct nmsg	m;
	struct buf	b;
	uint8_t		hdr[NMSG_HDR];
	int		sp[2];

	(void)state;
	pair(sp);
	memset(&in, 0, sizeof in);
	put_u32(hdr, NMSG_MAX_BODY + 1);
	hdr[4] = NMSG_C_FRAME;
	put_u32(hdr + 5, 1);
	put(sp[0], hdr, sizeof hdr);
	assert_int_equal(take(&in, sp[1], &m), -1);
	nmsg_in_free(&in);
	close(sp[0]);
	close(sp[1]);

	pair(sp);
	buf_init(&b);
	encode(&b, NMSG_C_DGRAM, "abc", 3);
	put(sp[0], b.data, b.len - 1);
	assert_int_equal(take(&in, sp[1], &m), 0);
	close(sp[0]);
	assert_int_equal(nmsg_in_read(&in, sp[1]), -1);
	nmsg_in_free(&in);
	close(sp[1]);

	pair(sp);
	encode(&b, NMSG_C_CLOSED, NULL, 0);
	put_u32(b.data, 3);	/* t, then a string longer than what is left */
	put(sp[0], b.data, NMSG_HDR + 3);
	assert_int_equal(take(&in, sp[1], &m), -1);
	nmsg_in_free(&in);
	close(sp[0]);
	close(sp[1]);
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
		cmocka_unit_test(test_write),
		cmocka_unit_test(test_in_pieces),
		cmocka_unit_test(test_in_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
