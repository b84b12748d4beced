/*
 * Encrypted, authenticated streams between peers.
 *
 *   client -> server  "ISCT" u8 ver, u32 keyid, pk[32], str domain,
 *                     HMAC(key, all before)
 *   server -> client  "ISCT" u8 ver, u32 keyid, pk[32],
 *                     HMAC(key, all before || client pk)
 *
 * The keys are fresh X25519 keys (crypto_kx) for every connection, so an
 * old handshake or frame sent again cannot be decrypted.  Then each side
 * sends a crypto_secretstream header and frames: u32 length, ciphertext
 * of (u8 type, payload).  Without hmac_keys (or with +ANY+) the MAC is
 * not checked: the stream is still encrypted, not authenticated.
 *
 * A server holds NET_MAX_CONNS, NET_MAX_CONNS_PER_ADDR from one
 * address; a handshake has NET_HANDSHAKE_SECS, and when all slots are
 * taken the oldest connection still in its handshake makes room.
 */
#include <sys/param.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>

#include "net_int.h"

#define HS_MAGIC	"ISCT"
#define HS1_FIXED	(4 + 1 + 4 + crypto_kx_PUBLICKEYBYTES)
#define HS1_MAX		(HS1_FIXED + 4 + 255 + NET_MAC_LEN)
#define HS2_LEN		(4 + 1 + 4 + crypto_kx_PUBLICKEYBYTES + NET_MAC_LEN)
#define SS_HDR		crypto_secretstream_xchacha20poly1305_HEADERBYTES
#define SS_ABYTES	crypto_secretstream_xchacha20poly1305_ABYTES
#define TCP_TIMEOUT	30

/* net_drop reasons (its rate limit) of the connection limits. */
enum { LOG_PER_ADDR = 14, LOG_FULL, LOG_EVICTED, LOG_HS_TIMEOUT };

static void	conn_event(struct bufferevent *, short, void *);
static void	conn_read(struct bufferevent *, void *);

static void
scratch_free(struct buf *b)
{
	if (b->data != NULL)
		sodium_memzero(b->data, b->cap);
	buf_free(b);
}

static void
conn_free(struct net_conn *c, const char *error)
{
	if (c->state == CS_DEAD)
		return;
	c->state = CS_DEAD;
	if (c->close_cb != NULL)
		c->close_cb(c->arg, c, error);
	if (c->drain_cb != NULL)
		c->drain_cb(c->drain_arg, c, 1);
	if (c->server) {
		c->n->nconns--;
		TAILQ_REMOVE(&c->n->accepted, c, entry);
		event_free(c->hs_ev);
	}
	bufferevent_free(c->bev);
	evbuffer_free(c->pending);
	event_free(c->finish_ev);
	scratch_free(&c->rbuf);
	scratch_free(&c->wbuf);
	sodium_memzero(c->sk, sizeof c->sk);
	sodium_memzero(c->rx, sizeof c->rx);
	sodium_memzero(c->tx, sizeof c->tx);
	free(c);
}

static void
hs_send(struct net_conn *c)
{
	const struct net_key	*k = net_sign_key(c->n);
	struct buf		 b;
	uint8_t			 mac[NET_MAC_LEN] = { 0 };

	buf_init(&b);
	buf_add(&b, HS_MAGIC, 4);
	buf_add_u8(&b, NET_VERSION);
	buf_add_u32(&b, k ? k->id : 0);
	buf_add(&b, c->pk, sizeof c->pk);
	if (!c->server)
		buf_add_str(&b, c->n->domain);
	if (k != NULL) {
		size_t signed_len = b.len;
		if (c->server)
			buf_add(&b, c->peer_pk, sizeof c->peer_pk);
		net_mac(k->key, b.data, b.len, mac);
		b.len = signed_len;
	}
	buf_add(&b, mac, sizeof mac);
	bufferevent_write(c->bev, b.data, b.len);
	buf_free(&b);
}

/* What an identity signature covers: both ends' exchange keys, the
 * signer's first, so a signature cannot be reflected or replayed. */
static void
auth_message(const uint8_t *mine, const uint8_t *theirs, uint8_t *out)
{
	memcpy(out, AUTH_CONTEXT, 16);
	memcpy(out + 16, mine, crypto_kx_PUBLICKEYBYTES);
	memcpy(out + 16 + crypto_kx_PUBLICKEYBYTES, theirs,
	    crypto_kx_PUBLICKEYBYTES);
}

static void	frame_push(struct net_conn *, uint8_t, const void *, size_t);

static void	push_auth(struct net_conn *, const uint8_t *);

/* Start our direction of the stream: header, our identity (signed
 * here, or by whoever holds the host key: sign_cb), then what was
 * queued.  All in one write once the identity is signed: a header sent
 * alone before a signature the network process asks of the daemon
 * left the identity and the request after it to Nagle, held for the
 * peer's delayed ACK (40 ms; bench/README, issue 19). */
static void
push_start(struct net_conn *c)
{
	uint8_t	msg[AUTH_MSG_LEN];
	uint8_t	auth[32 + crypto_sign_BYTES];

	memset(auth, 0, sizeof auth);
	auth_message(c->pk, c->peer_pk, msg);
	if (c->n->have_id) {
		memcpy(auth, c->n->id_pk, 32);
		crypto_sign_detached(auth + 32, NULL, msg, sizeof msg,
		    c->n->id_sk);
	} else if (c->n->sign_cb != NULL) {
		c->signing = 1;
		c->n->sign_cb(c->n->arg, c, msg);
		return;
	}
	push_auth(c, auth);
}

void
net_conn_signed(struct net_conn *c, const uint8_t *pk, const uint8_t *sig)
{
	uint8_t	auth[32 + crypto_sign_BYTES];

	if (!c->signing || c->state == CS_DEAD)
		return;
	c->signing = 0;
	memcpy(auth, pk, 32);
	memcpy(auth + 32, sig, crypto_sign_BYTES);
	push_auth(c, auth);
}

static void
push_auth(struct net_conn *c, const uint8_t *auth)
{
	uint8_t	hdr[SS_HDR];
	size_t	len;

	crypto_secretstream_xchacha20poly1305_init_push(&c->push, hdr, c->tx);
	bufferevent_write(c->bev, hdr, sizeof hdr);
	frame_push(c, 0, auth, 32 + crypto_sign_BYTES);
	c->push_ready = 1;
	while ((len = evbuffer_get_length(c->pending)) >= 4) {
		uint8_t l[4], *p;
		evbuffer_copyout(c->pending, l, 4);
		p = xmalloc(get_u32(l));
		evbuffer_drain(c->pending, 4);
		evbuffer_remove(c->pending, p, get_u32(l));
		net_conn_send(c, p[0], p + 1, get_u32(l) - 1);
		free(p);
	}
}

static int
hs_keys(struct net_conn *c)
{
	int	rc;

	if (c->server)
		rc = crypto_kx_server_session_keys(c->rx, c->tx, c->pk, c->sk,
		    c->peer_pk);
	else
		rc = crypto_kx_client_session_keys(c->rx, c->tx, c->pk, c->sk,
		    c->peer_pk);
	return rc == 0 ? 0 : -1;
}

/*
 * The client's hello, the first have bytes of a stream: 1 if more are
 * needed, -1 if malformed, else 0 and its fields (pointing into p).
 */
int
net_hs1_parse(const uint8_t *p, size_t have, struct net_hs *hs)
{
	memset(hs, 0, sizeof *hs);
	if (have < HS1_FIXED + 4)
		return 1;
	hs->dlen = get_u32(p + HS1_FIXED);
	if (memcmp(p, HS_MAGIC, 4) != 0 || p[4] != NET_VERSION ||
	    hs->dlen > 255)
		return -1;
	hs->total = HS1_FIXED + 4 + hs->dlen + NET_MAC_LEN;
	if (have < hs->total)
		return 1;
	hs->keyid = get_u32(p + 5);
	hs->pk = p + 9;
	hs->domain = p + HS1_FIXED + 4;
	hs->mac = p + hs->total - NET_MAC_LEN;
	return 0;
}

/* The server's answer, as net_hs1_parse (no domain). */
int
net_hs2_parse(const uint8_t *p, size_t have, struct net_hs *hs)
{
	memset(hs, 0, sizeof *hs);
	if (have < HS2_LEN)
		return 1;
	if (memcmp(p, HS_MAGIC, 4) != 0 || p[4] != NET_VERSION)
		return -1;
	hs->total = HS2_LEN;
	hs->keyid = get_u32(p + 5);
	hs->pk = p + 9;
	hs->mac = p + HS2_LEN - NET_MAC_LEN;
	return 0;
}

/* Server: the client's hello.  1 need more, 0 done, -1 refuse. */
static int
hs1_read(struct net_conn *c, struct evbuffer *in)
{
	struct net	*n = c->n;
	struct net_hs	 hs;
	uint8_t		 p[HS1_MAX];
	ev_ssize_t	 have;
	size_t		 total;
	uint32_t	 keyid;
	int		 rv = -1;

	if ((have = evbuffer_copyout(in, p, sizeof p)) == -1)
		return -1;
	if ((rv = net_hs1_parse(p, (size_t)have, &hs)) != 0)
		return rv;
	evbuffer_drain(in, hs.total);
	total = hs.total;
	keyid = hs.keyid;
	memcpy(c->peer_pk, hs.pk, sizeof c->peer_pk);
	rv = -1;
	if (hs.dlen != strlen(n->domain) || memcmp(hs.domain, n->domain,
	    hs.dlen) != 0) {
		net_drop(n, 4, &n->stats.drop_domain, "refused a connection "
		    "from another domain");
		return -1;
	}
	if ((n->nkeys > 0 && !n->any && keyid == 0) || (keyid != 0 &&
	    net_verify(n, keyid, p, total - NET_MAC_LEN,
	    p + total - NET_MAC_LEN) == -1)) {
		net_drop(n, 5, &n->stats.drop_auth, "refused a connection: "
		    "handshake HMAC does not verify");
		return -1;
	}
	if (hs_keys(c) == -1)
		return -1;
	hs_send(c);
	push_start(c);
	rv = 0;
	return rv;
}

/* Client: the server's answer. */
static int
hs2_read(struct net_conn *c, struct evbuffer *in)
{
	struct net	*n = c->n;
	struct net_hs	 hs;
	uint8_t		 p[HS2_LEN + crypto_kx_PUBLICKEYBYTES];
	uint32_t	 keyid;

	if (evbuffer_get_length(in) < HS2_LEN)
		return 1;
	evbuffer_remove(in, p, HS2_LEN);
	if (net_hs2_parse(p, HS2_LEN, &hs) == -1)
		return -1;
	keyid = hs.keyid;
	memcpy(c->peer_pk, hs.pk, sizeof c->peer_pk);
	/* The MAC covers the answer and our own key. */
	memmove(p + HS2_LEN - NET_MAC_LEN + sizeof c->pk,
	    p + HS2_LEN - NET_MAC_LEN, NET_MAC_LEN);
	memcpy(p + HS2_LEN - NET_MAC_LEN, c->pk, sizeof c->pk);
	if ((n->nkeys > 0 && !n->any && keyid == 0) || (keyid != 0 &&
	    net_verify(n, keyid, p, HS2_LEN - NET_MAC_LEN + sizeof c->pk,
	    p + HS2_LEN + sizeof c->pk - NET_MAC_LEN) == -1)) {
		net_drop(n, 5, &n->stats.drop_auth, "peer's handshake HMAC "
		    "does not verify");
		return -1;
	}
	if (hs_keys(c) == -1)
		return -1;
	push_start(c);
	return 0;
}

/*
 * The peer's identity frame.  Without a trust policy (no trusted_keys)
 * it is accepted as it is; with one, the key must be trusted and the
 * signature over both ends' exchange keys must verify.
 */
static int
auth_read(struct net_conn *c, const uint8_t *pt, size_t len)
{
	uint8_t	msg[AUTH_MSG_LEN];

	c->state = CS_FRAMES;
	if (len != 1 + 32 + crypto_sign_BYTES || pt[0] != 0)
		return -1;
	auth_message(c->peer_pk, c->pk, msg);
	if (c->n->auth_cb != NULL)
		return c->n->auth_cb(c->n->arg, c, pt + 1, pt + 1 + 32, msg);
	return net_ident_check(c->n, &c->peer, pt + 1, pt + 1 + 32, msg);
}

int
net_ident_check(struct net *n, const struct sockaddr_in *peer,
    const uint8_t *pk, const uint8_t *sig, const uint8_t *msg)
{
	int	policy;

	policy = n->trust ? n->trust(n->arg, pk) : 1;
	if (policy == 1)
		return 0;
	if (policy == -1 || crypto_sign_verify_detached(sig, msg,
	    AUTH_MSG_LEN, pk) != 0) {
		net_drop(n, 7, &n->stats.drop_auth, "refused a stream "
		    "from %s: its host key is not trusted",
		    inet_ntoa(peer->sin_addr));
		return -1;
	}
	return 0;
}

void
net_set_signer(struct net *n, net_sign_cb sign, net_auth_cb auth)
{
	n->sign_cb = sign;
	n->auth_cb = auth;
}

void
net_conn_set_close(struct net_conn *c, net_close_cb cb)
{
	c->close_cb = cb;
}

/* A connection's plaintext buffer (rbuf or wbuf: a frame callback
 * may send while it reads), at least len bytes. */
static uint8_t *
scratch(struct buf *b, size_t len)
{
	if (b->cap < len) {
		b->data = xreallocarray(b->data, len, 1);
		b->cap = len;
	}
	return b->data;
}

/* The rest of a frame begun, as much of it as is there: libevent 2.1
 * reads 4096 bytes per event (EVBUFFER_MAX_READ), and a chunk's frame
 * took some 250 trips through the loop.  End of file and errors are
 * left to the bufferevent's next read.  The bufferevent keeps the end of
 * its input frozen but for its own reads: thawed for ours. */
static void
frame_fill(struct net_conn *c, struct evbuffer *in, size_t need)
{
	struct evbuffer_iovec	v[2];
	struct iovec		iov[2];
	ssize_t			r;
	size_t			left;
	int			i, n;

	evbuffer_unfreeze(in, 0);
	if ((n = evbuffer_reserve_space(in, (ev_ssize_t)need, v, 2)) <= 0)
		goto out;
	for (i = 0; i < n; i++) {
		iov[i].iov_base = v[i].iov_base;
		iov[i].iov_len = v[i].iov_len;
	}
	while ((r = readv(bufferevent_getfd(c->bev), iov, n)) == -1 &&
	    errno == EINTR)
		;
	left = r > 0 ? (size_t)r : 0;
	for (i = 0; i < n; i++) {
		v[i].iov_len = MIN(v[i].iov_len, left);
		left -= v[i].iov_len;
	}
	evbuffer_commit_space(in, v, n);
out:
	evbuffer_freeze(in, 0);
}

/* One decrypted frame; -1 closes.  Decrypted straight from the input
 * buffer into the connection's scratch buffer: a chunk is one frame,
 * and fresh buffers per frame cost page faults (make bench). */
static int
frame_read(struct net_conn *c, struct evbuffer *in)
{
	uint8_t			 l[4], *ct, *pt;
	unsigned long long	 ptlen;
	unsigned char		 tag;
	size_t			 clen;
	int			 rv;

	if (evbuffer_get_length(in) < 4)
		return 1;
	evbuffer_copyout(in, l, 4);
	clen = get_u32(l);
	if (clen < SS_ABYTES + 1 || clen > net_max_frame() + SS_ABYTES + 1)
		return -1;
	if (evbuffer_get_length(in) < 4 + clen)
		frame_fill(c, in, 4 + clen - evbuffer_get_length(in));
	if (evbuffer_get_length(in) < 4 + clen)
		return 1;
	if ((ct = evbuffer_pullup(in, (ev_ssize_t)(4 + clen))) == NULL)
		return -1;
	pt = scratch(&c->rbuf, clen);
	if (crypto_secretstream_xchacha20poly1305_pull(&c->pull, pt, &ptlen,
	    &tag, ct + 4, clen, NULL, 0) != 0) {
		net_drop(c->n, 6, &c->n->stats.drop_auth, "dropped a stream "
		    "that failed to decrypt");
		return -1;
	}
	evbuffer_drain(in, 4 + clen);
	if (c->state == CS_AUTH)
		rv = auth_read(c, pt, ptlen);
	else
		rv = c->frame_cb(c->arg, c, pt[0], pt + 1, ptlen - 1);
	return rv;
}

static void
conn_read(struct bufferevent *bev, void *arg)
{
	struct net_conn	*c = arg;
	struct evbuffer	*in = bufferevent_get_input(bev);
	uint8_t		 hdr[SS_HDR];
	int		 r;

	for (;;) {
		switch (c->state) {
		case CS_HANDSHAKE:
			r = c->server ? hs1_read(c, in) : hs2_read(c, in);
			if (r == 0)
				c->state = CS_HEADER;
			break;
		case CS_HEADER:
			if (evbuffer_get_length(in) < SS_HDR)
				return;
			evbuffer_remove(in, hdr, SS_HDR);
			r = crypto_secretstream_xchacha20poly1305_init_pull(
			    &c->pull, hdr, c->rx) == 0 ? 0 : -1;
			if (r == 0)
				c->state = CS_AUTH;
			break;
		case CS_AUTH:
		case CS_FRAMES:
			r = frame_read(c, in);
			break;
		default:
			return;
		}
		if (r == 1)
			return;
		if (r == -1) {
			conn_free(c, "protocol error or authentication failure");
			return;
		}
	}
}

static void
conn_write(struct bufferevent *bev, void *arg)
{
	struct net_conn	*c = arg;

	if (c->finishing && evbuffer_get_length(bufferevent_get_output(bev))
	    == 0)
		conn_free(c, NULL);
	else if (c->drain_cb != NULL && !c->finishing)
		c->drain_cb(c->drain_arg, c, 0);
}

static void
conn_event(struct bufferevent *bev, short what, void *arg)
{
	struct net_conn	*c = arg;

	(void)bev;
	if (what & BEV_EVENT_CONNECTED)
		return;
	if (what & BEV_EVENT_EOF)
		conn_free(c, c->finishing ? NULL : "connection closed");
	else if (what & BEV_EVENT_TIMEOUT)
		conn_free(c, "timed out");
	else
		conn_free(c, strerror(EVUTIL_SOCKET_ERROR()));
}

static void
finish_cb(evutil_socket_t fd, short events, void *arg)
{
	struct net_conn	*c = arg;

	(void)fd;
	(void)events;
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
		conn_free(c, NULL);
}

static struct net_conn *
conn_new(struct net *n, struct bufferevent *bev, int server)
{
	struct net_conn	*c = xcalloc(1, sizeof *c);
	struct timeval	 tv = { TCP_TIMEOUT, 0 };

	c->n = n;
	c->bev = bev;
	c->server = server;
	c->pending = evbuffer_new();
	c->finish_ev = evtimer_new(n->base, finish_cb, c);
	crypto_kx_keypair(c->pk, c->sk);
	bufferevent_setcb(bev, conn_read, conn_write, conn_event, c);
	bufferevent_set_timeouts(bev, &tv, &tv);
	/* libevent moves 16 KiB per read or write call by default: a
	 * chunk's frame took dozens of trips through the loop. */
	bufferevent_set_max_single_read(bev, 1 << 20);
	bufferevent_set_max_single_write(bev, 1 << 20);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
	return c;
}

int
net_conn_send(struct net_conn *c, uint8_t type, const void *p, size_t len)
{
	uint8_t	l[4];

	if (c->remote)
		return net_proxy_conn_send(c, type, p, len);
	if (c->state == CS_DEAD || len > net_max_frame())
		return -1;
	if (!c->push_ready) {
		put_u32(l, (uint32_t)len + 1);
		evbuffer_add(c->pending, l, 4);
		evbuffer_add(c->pending, &type, 1);
		evbuffer_add(c->pending, p, len);
		return 0;
	}
	frame_push(c, type, p, len);
	return 0;
}

/* Encrypt straight into the output buffer (no copy of the
 * ciphertext); the plaintext is assembled in the scratch buffer. */
static void
frame_push(struct net_conn *c, uint8_t type, const void *p, size_t len)
{
	struct evbuffer		*out = bufferevent_get_output(c->bev);
	struct evbuffer_iovec	 v;
	unsigned long long	 clen;
	uint8_t			*pt = scratch(&c->wbuf, len + 1);

	pt[0] = type;
	if (len > 0)
		memcpy(pt + 1, p, len);
	if (evbuffer_reserve_space(out, (ev_ssize_t)(4 + len + 1 +
	    SS_ABYTES), &v, 1) != 1)
		fatalx("evbuffer_reserve_space");
	crypto_secretstream_xchacha20poly1305_push(&c->push,
	    (uint8_t *)v.iov_base + 4, &clen, pt, len + 1, NULL, 0, 0);
	put_u32(v.iov_base, (uint32_t)clen);
	v.iov_len = 4 + clen;
	evbuffer_commit_space(out, &v, 1);
}

/*
 * No Nagle: each loop iteration's frames already go in one write, and
 * in the network process a handshake's steps wait on the daemon's
 * signature and check, so one side's writes come apart in time; Nagle
 * then held the second for the ACK of the first, which the peer,
 * waiting on it, delayed (40 ms; bench/README, issue 19).
 */
static void
conn_nodelay(int fd)
{
	int	one = 1;

	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

struct net_conn *
net_connect(struct net *n, const struct sockaddr_in *to, net_frame_cb fcb,
    net_close_cb ccb, void *arg)
{
	struct bufferevent	*bev;
	struct net_conn		*c;

	net_keys_check(n);
	if (n->remote)
		return net_proxy_connect(n, to, fcb, ccb, arg);
	bev = bufferevent_socket_new(n->base, -1, BEV_OPT_CLOSE_ON_FREE);
	c = conn_new(n, bev, 0);
	c->peer = *to;
	c->frame_cb = fcb;
	c->close_cb = ccb;
	c->arg = arg;
	if (bufferevent_socket_connect(bev, (const struct sockaddr *)to,
	    sizeof *to) == -1) {
		c->close_cb = NULL;
		conn_free(c, "connect failed");
		return NULL;
	}
	conn_nodelay(bufferevent_getfd(bev));
	hs_send(c);
	return c;
}

/* The server connections from addr. */
static int
conns_from(struct net *n, const struct in_addr *addr)
{
	struct net_conn	*c;
	int		 count = 0;

	TAILQ_FOREACH(c, &n->accepted, entry)
		if (c->peer.sin_addr.s_addr == addr->s_addr)
			count++;
	return count;
}

/* Every slot is taken: close the oldest connection still in its
 * handshake to make room.  -1 if all have finished it. */
static int
conn_evict(struct net *n)
{
	struct net_conn	*c;

	TAILQ_FOREACH(c, &n->accepted, entry)
		if (c->state != CS_FRAMES)
			break;
	if (c == NULL)
		return -1;
	net_drop(n, LOG_EVICTED, &n->stats.tcp_evicted, "closed a mesh "
	    "connection from %s still in its handshake: every slot was "
	    "taken", inet_ntoa(c->peer.sin_addr));
	conn_free(c, "evicted");
	return 0;
}

/* 0 if a connection from sin may have a slot (one may be freed for
 * it), -1 (counted) if not. */
static int
conn_admit(struct net *n, const struct sockaddr_in *sin)
{
	if (conns_from(n, &sin->sin_addr) >= NET_MAX_CONNS_PER_ADDR) {
		n->stats.tcp_refused++;
		net_drop(n, LOG_PER_ADDR, &n->stats.tcp_refused_addr, "refused "
		    "a mesh connection from %s: it has %d already",
		    inet_ntoa(sin->sin_addr), NET_MAX_CONNS_PER_ADDR);
		return -1;
	}
	if (n->nconns >= NET_MAX_CONNS && conn_evict(n) == -1) {
		n->stats.tcp_refused++;
		net_drop(n, LOG_FULL, &n->stats.tcp_refused_full, "refused a "
		    "mesh connection from %s: all %d slots are in use",
		    inet_ntoa(sin->sin_addr), NET_MAX_CONNS);
		return -1;
	}
	return 0;
}

/* A connection accepted NET_HANDSHAKE_SECS ago: closed unless its
 * handshake (up to the peer's identity frame) is done. */
static void
hs_deadline(evutil_socket_t fd, short events, void *arg)
{
	struct net_conn	*c = arg;

	(void)fd;
	(void)events;
	if (c->state == CS_FRAMES)
		return;
	net_drop(c->n, LOG_HS_TIMEOUT, &c->n->stats.tcp_hs_timeout, "closed "
	    "a mesh connection from %s: no handshake within %d s",
	    inet_ntoa(c->peer.sin_addr), NET_HANDSHAKE_SECS);
	conn_free(c, "handshake timed out");
}

static void
tcp_accept(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct net		*n = arg;
	struct bufferevent	*bev;
	struct net_conn		*c;
	struct timeval		 tv = { NET_HANDSHAKE_SECS, 0 };

	(void)l;
	if (salen != sizeof(struct sockaddr_in)) {
		n->stats.tcp_refused++;
		close(fd);
		return;
	}
	if (conn_admit(n, (struct sockaddr_in *)sa) == -1) {
		close(fd);
		return;
	}
	n->stats.tcp_accepted++;
	n->nconns++;
	conn_nodelay(fd);
	net_keys_check(n);
	bev = bufferevent_socket_new(n->base, fd, BEV_OPT_CLOSE_ON_FREE);
	c = conn_new(n, bev, 1);
	memcpy(&c->peer, sa, sizeof c->peer);
	c->frame_cb = n->server_frame;
	c->arg = n->arg;
	TAILQ_INSERT_TAIL(&n->accepted, c, entry);
	c->hs_ev = evtimer_new(n->base, hs_deadline, c);
	evtimer_add(c->hs_ev, &tv);
}

/* Out of descriptors (or memory) the socket stays readable: pause
 * accepting for a second rather than spin. */
static void
tcp_accept_error(struct evconnlistener *l, void *arg)
{
	struct net	*n = arg;
	struct timeval	 tv = { 1, 0 };

	log_warn("mesh: accept (paused for 1 s)");
	evconnlistener_disable(l);
	evtimer_add(n->accept_resume, &tv);
}

static void
tcp_accept_resume(evutil_socket_t fd, short events, void *arg)
{
	struct net	*n = arg;

	(void)fd;
	(void)events;
	evconnlistener_enable(n->listener);
}

int
net_tcp_socket(const struct sockaddr_in *sin, int *fd, char **cause)
{
	int	one = 1;

	*fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (*fd == -1)
		return set_cause(cause, "socket: %s", strerror(errno));
	setsockopt(*fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(*fd, (const struct sockaddr *)sin, sizeof *sin) == -1 ||
	    listen(*fd, 64) == -1) {
		set_cause(cause, "listen tcp %s:%d: %s",
		    inet_ntoa(sin->sin_addr), ntohs(sin->sin_port),
		    strerror(errno));
		close(*fd);
		*fd = -1;
		return -1;
	}
	return 0;
}

void
net_tcp_start(struct net *n, int fd)
{
	n->listener = evconnlistener_new(n->base, tcp_accept, n,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 0, fd);	/* listening */
	if (n->listener == NULL)
		fatalx("evconnlistener_new");
	n->accept_resume = evtimer_new(n->base, tcp_accept_resume, n);
	evconnlistener_set_error_cb(n->listener, tcp_accept_error);
}

void
net_tcp_close(struct net *n)
{
	if (n->listener != NULL)
		evconnlistener_free(n->listener);
	if (n->accept_resume != NULL)
		event_free(n->accept_resume);
}

/* Never frees at once: callers may be inside one of our callbacks. */
void
net_conn_finish(struct net_conn *c)
{
	struct timeval	zero = { 0, 0 };

	if (c->remote) {
		net_proxy_conn_finish(c);
		return;
	}
	c->finishing = 1;
	if (c->push_ready)
		evtimer_add(c->finish_ev, &zero);
}

/* Close at once without calling close_cb; not from inside frame_cb
 * (return -1 there instead). */
void
net_conn_abort(struct net_conn *c)
{
	if (c->remote) {
		net_proxy_conn_abort(c);
		return;
	}
	c->close_cb = NULL;
	conn_free(c, NULL);
}

void *
net_conn_arg(struct net_conn *c)
{
	return c->arg;
}

void
net_conn_set_arg(struct net_conn *c, void *arg)
{
	c->arg = arg;
}

const struct sockaddr_in *
net_conn_peer(struct net_conn *c)
{
	return &c->peer;
}

size_t
net_conn_pending(struct net_conn *c)
{
	if (c->remote)
		return (size_t)(c->sent - c->done + c->queued);
	return evbuffer_get_length(bufferevent_get_output(c->bev));
}

/* The write callback runs when the output falls to the low watermark. */
void
net_conn_set_drain(struct net_conn *c, size_t low, net_drain_cb cb,
    void *arg)
{
	c->drain_cb = cb;
	c->drain_arg = arg;
	if (c->remote) {
		c->low = low;
		net_proxy_conn_drain(c);
		return;
	}
	bufferevent_setwatermark(c->bev, EV_WRITE, cb != NULL ? low : 0, 0);
}
