/*
 * Unit tests: a stream's client side (net/tcp.c) when another process
 * holds the host key, as in the network process (sign_cb).  Nothing of
 * the stream goes out before the signature comes back; then the
 * header, the identity and the frames queued meanwhile go in one
 * write, with Nagle off.  Sent in two (the header first), Nagle held
 * the second for the server's delayed ACK: 40 ms of a ci's way to a
 * peer (bench/README, issue 19).
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <event2/bufferevent.h>

#include "net_int.h"

#define HS1_LEN(d)	(4 + 1 + 4 + 32 + 4 + strlen(d) + NET_MAC_LEN)
#define SS_HDR		crypto_secretstream_xchacha20poly1305_HEADERBYTES
#define SS_ABYTES	crypto_secretstream_xchacha20poly1305_ABYTES

static int	signs;

static void
sign_cb(void *arg, struct net_conn *c, const uint8_t *msg)
{
	(void)arg;
	(void)c;
	assert_memory_equal(msg, AUTH_CONTEXT, 16);
	signs++;
}

static int
auth_cb(void *arg, struct net_conn *c, const uint8_t *pk,
    const uint8_t *sig, const uint8_t *msg)
{
	(void)arg;
	(void)c;
	(void)pk;
	(void)sig;
	(void)msg;
	return 0;
}

static int
frame_cb(void *arg, struct net_conn *c, uint8_t type, const uint8_t *p,
    size_t len)
{
	(void)arg;
	(void)c;
	(void)type;
	(void)p;
	(void)len;
	return 0;
}

/* Read exactly len bytes of s (blocking up to a second). */
static void
read_all(int s, uint8_t *p, size_t len)
{
	struct pollfd	pfd = { s, POLLIN, 0 };
	ssize_t		n;

	while (len > 0) {
		assert_int_equal(poll(&pfd, 1, 1000), 1);
		n = read(s, p, len);
		assert_true(n > 0);
		p += n;
		len -= (size_t)n;
	}
}

/* One frame of the stream: its plaintext's type and length. */
static void
pull_frame(crypto_secretstream_xchacha20poly1305_state *st, const uint8_t **p,
    uint8_t *type, size_t *len)
{
	uint8_t			pt[256];
	unsigned long long	plen;
	uint32_t		clen = get_u32(*p);

	assert_true(clen <= sizeof pt + SS_ABYTES);
	assert_int_equal(crypto_secretstream_xchacha20poly1305_pull(st, pt,
	    &plen, NULL, *p + 4, clen, NULL, 0), 0);
	*type = pt[0];
	*len = (size_t)plen - 1;
	*p += 4 + clen;
}

static void
test_signed_handshake_one_write(void **state)
{
	struct event_base	*base = event_base_new();
	struct sockaddr_in	 sin;
	socklen_t		 slen = sizeof sin;
	struct net		*n;
	struct net_conn		*c;
	uint8_t			 hs1[128], hs2[4 + 1 + 4 + 32 + NET_MAC_LEN];
	uint8_t			 spk[32], ssk[32], rx[32], tx[32];
	uint8_t			 pk[32] = { 1 }, sig[64] = { 2 }, got[512];
	const uint8_t		*p;
	crypto_secretstream_xchacha20poly1305_state st;
	uint8_t			 type;
	size_t			 len;
	ssize_t			 r;
	int			 l, s, i, one = 0;
	socklen_t		 olen = sizeof one;

	(void)state;
	assert_int_equal(sodium_init() >= 0, 1);
	l = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(l, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(listen(l, 1), 0);
	assert_int_equal(getsockname(l, (struct sockaddr *)&sin, &slen), 0);

	n = net_new(base, 0, "example", "client", NULL, NULL, NULL, NULL);
	net_set_signer(n, sign_cb, auth_cb);
	c = net_connect(n, &sin, frame_cb, NULL, NULL);
	assert_non_null(c);
	assert_int_equal(net_conn_send(c, 7, "req", 3), 0);
	assert_int_equal(getsockopt(bufferevent_getfd(c->bev), IPPROTO_TCP,
	    TCP_NODELAY, &one, &olen), 0);
	assert_int_equal(one, 1);
	assert_true((s = accept(l, NULL, NULL)) != -1);
	for (i = 0; i < 10; i++)
		event_base_loop(base, EVLOOP_NONBLOCK);
	read_all(s, hs1, HS1_LEN("example"));

	/* The server's answer, MAC unchecked (no hmac_keys). */
	crypto_kx_keypair(spk, ssk);
	memset(hs2, 0, sizeof hs2);
	memcpy(hs2, "ISCT", 4);
	hs2[4] = NET_VERSION;
	memcpy(hs2 + 9, spk, 32);
	assert_int_equal(write(s, hs2, sizeof hs2), (ssize_t)sizeof hs2);
	for (i = 0; i < 100 && signs == 0; i++) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		usleep(1000);
	}
	assert_int_equal(signs, 1);
	for (i = 0; i < 10; i++)
		event_base_loop(base, EVLOOP_NONBLOCK);
	/* Waiting for the signature: not even the header yet. */
	r = recv(s, got, sizeof got, MSG_DONTWAIT);
	assert_int_equal(r, -1);
	assert_true(errno == EAGAIN || errno == EWOULDBLOCK);

	/* Signed: header, identity and request in one write. */
	net_conn_signed(c, pk, sig);
	event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
	len = SS_HDR + (4 + 1 + 96 + SS_ABYTES) + (4 + 1 + 3 + SS_ABYTES);
	read_all(s, got, len);
	assert_int_equal(recv(s, got + len, 1, MSG_DONTWAIT), -1);

	assert_int_equal(crypto_kx_server_session_keys(rx, tx, spk, ssk,
	    hs1 + 9), 0);
	assert_int_equal(crypto_secretstream_xchacha20poly1305_init_pull(&st,
	    got, rx), 0);
	p = got + SS_HDR;
	pull_frame(&st, &p, &type, &len);
	assert_int_equal(type, 0);
	assert_int_equal(len, 96);
	pull_frame(&st, &p, &type, &len);
	assert_int_equal(type, 7);
	assert_int_equal(len, 3);

	net_conn_abort(c);
	net_close(n);
	close(s);
	close(l);
	event_base_free(base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_signed_handshake_one_write),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
