/*
 * Gossip datagrams.
 *
 *	"ISC" u8 version, u8 type, u32 key id, u64 session, u64 counter,
 *	u64 sender's clock (ms), str domain, str host, blob body,
 *	[32 HMAC-SHA256 when key id != 0]
 *
 * A receiver drops, counts and (rate-limited) logs anything malformed,
 * from another domain, failing the HMAC, or replayed.  Freshness needs
 * no clock and no memory across restarts: a sender picks a random
 * session at start and numbers its datagrams; a receiver believes a
 * (host, session, address) only after it answered a challenge sent to
 * that address, echoing the nonce and the address it saw the challenge
 * come from, and then only datagrams numbered above that answer.  A
 * replay was numbered before the answer; a relay's echo names the
 * relay.  doc/protocol.md says more.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/listener.h>

#include "net_int.h"

enum {
	DROP_MALFORMED, DROP_DOMAIN, DROP_AUTH, DROP_REPLAY,
	DROP_UNCONFIRMED = 12, DROP_RELAYED
};

static void
dgram_build(struct net *n, uint8_t type, const void *body, size_t len,
    struct buf *b)
{
	const struct net_key	*k;
	uint8_t			 mac[NET_MAC_LEN];

	k = net_sign_key(n);
	buf_add(b, "ISC", 3);
	buf_add_u8(b, NET_VERSION);
	buf_add_u8(b, type);
	buf_add_u32(b, k ? k->id : 0);
	buf_add_u64(b, n->session);
	buf_add_u64(b, ++n->counter);
	buf_add_u64(b, (uint64_t)(now_ns() / 1000000));
	buf_add_str(b, n->domain);
	buf_add_str(b, n->host);
	buf_add_blob(b, body, len);
	if (k != NULL) {
		net_mac(k->key, b->data, b->len, mac);
		buf_add(b, mac, sizeof mac);
	}
}

int
net_send(struct net *n, const struct sockaddr_in *to, uint8_t type,
    const void *body, size_t len)
{
	struct buf	 b;
	ssize_t		 w;

	net_keys_check(n);
	if (n->remote)
		return net_proxy_send(n, to, type, body, len);
	buf_init(&b);
	dgram_build(n, type, body, len, &b);
	w = sendto(n->udp_fd, b.data, b.len, 0, (const struct sockaddr *)to,
	    sizeof *to);
	if (w == (ssize_t)b.len) {
		n->stats.type_out[type & 31]++;
		n->stats.type_bytes_out[type & 31] += b.len;
		n->stats.dgram_out++;
		n->stats.bytes_out += b.len;
	}
	buf_free(&b);
	return w == -1 ? -1 : 0;
}

/*
 * Parse a datagram's header (no checks of domain, key or counter).
 * -1 if malformed; else domain and host are the caller's (net_hdr_free)
 * and body points into p.
 */
int
net_dgram_parse(const uint8_t *p, size_t len, struct net_hdr *h)
{
	struct rd	r;

	memset(h, 0, sizeof *h);
	if (len < 5 || memcmp(p, "ISC", 3) != 0 || p[3] != NET_VERSION)
		return -1;
	h->type = p[4];
	rd_init(&r, p + 5, len - 5);
	h->keyid = rd_u32(&r);
	h->session = rd_u64(&r);
	h->counter = rd_u64(&r);
	h->time_ms = rd_u64(&r);
	h->domain = rd_str(&r, 255);
	h->host = rd_str(&r, 255);
	h->body = rd_blob(&r, &h->len, NET_MAX_DGRAM);
	h->signed_len = 5 + r.off;
	if (h->keyid != 0 && !r.err && r.len - r.off == NET_MAC_LEN)
		r.off += NET_MAC_LEN;
	if (rd_done(&r) == -1 || !host_name_valid(h->host)) {
		net_hdr_free(h);
		return -1;
	}
	return 0;
}

void
net_hdr_free(struct net_hdr *h)
{
	free(h->domain);
	free(h->host);
	memset(h, 0, sizeof *h);
}

int
net_challenge_parse(const uint8_t *p, size_t len, uint64_t *nonce)
{
	struct rd	r;

	rd_init(&r, p, len);
	*nonce = rd_u64(&r);
	return rd_done(&r) == -1 || *nonce == 0 ? -1 : 0;
}

static void
rd_addr(struct rd *r, struct sockaddr_in *a)
{
	memset(a, 0, sizeof *a);
	a->sin_family = AF_INET;
	rd_bytes(r, &a->sin_addr.s_addr, 4);
	rd_bytes(r, &a->sin_port, 2);
}

int
net_echo_parse(const uint8_t *p, size_t len, uint64_t *nonce,
    struct sockaddr_in *seen, struct sockaddr_in *reached)
{
	struct rd	r;

	rd_init(&r, p, len);
	*nonce = rd_u64(&r);
	rd_addr(&r, seen);
	rd_addr(&r, reached);
	return rd_done(&r) == -1 || *nonce == 0 ? -1 : 0;
}

/* Ask s to prove it is live at its address (at most once a second). */
static void
challenge_send(struct net *n, struct net_sess *s)
{
	struct buf	b;
	int64_t		now = now_ns();

	if (s->nonce != 0 && now - s->challenged < NET_CHALLENGE_NS)
		return;
	while (s->nonce == 0)
		randombytes_buf(&s->nonce, sizeof s->nonce);
	s->challenged = now;
	buf_init(&b);
	buf_add_u64(&b, s->nonce);
	net_send(n, &s->addr, NET_CHALLENGE, b.data, b.len);
	buf_free(&b);
}

/* Answer a challenge: its nonce, where it came from and where it
 * reached us, as we see them. */
static void
challenge_answer(struct net *n, const struct net_hdr *h,
    const struct sockaddr_in *from, struct in_addr local, const char *addr)
{
	struct buf	b;
	uint64_t	nonce;

	if (net_challenge_parse(h->body, h->len, &nonce) == -1) {
		net_drop(n, DROP_MALFORMED, &n->stats.drop_malformed,
		    "dropped a malformed challenge from %s (%s)", addr,
		    h->host);
		return;
	}
	buf_init(&b);
	buf_add_u64(&b, nonce);
	buf_add(&b, &from->sin_addr.s_addr, 4);
	buf_add(&b, &from->sin_port, 2);
	buf_add(&b, &local.s_addr, 4);
	buf_add(&b, &n->port, 2);
	net_send(n, from, NET_ECHO, b.data, b.len);
	buf_free(&b);
}

/*
 * An echo of our challenge to s: confirms s when it saw the challenge
 * come from the address the echo reached and reach it at s's address
 * (no relay between: a relay that sends the challenge on as if from us
 * and the echo on from its own address is caught by the second).  Only a
 * signed echo can vouch for that; without keys anyone can forge one,
 * so an unsigned echo (no hmac_keys, or +ANY+) is taken as it is and a
 * relay (a NAT, t1300's logging relay) keeps working.
 */
static void
echo_check(struct net *n, struct net_sess *s, const struct net_hdr *h,
    struct in_addr local, const char *addr)
{
	struct sockaddr_in	seen, reached;
	uint64_t		nonce;

	if (net_echo_parse(h->body, h->len, &nonce, &seen, &reached) == -1) {
		net_drop(n, DROP_MALFORMED, &n->stats.drop_malformed,
		    "dropped a malformed echo from %s (%s)", addr, h->host);
		return;
	}
	if (s->nonce == 0 || nonce != s->nonce)
		return;		/* an old echo: answered already */
	if (h->keyid != 0 && (seen.sin_addr.s_addr != local.s_addr ||
	    seen.sin_port != n->port)) {
		net_drop(n, DROP_RELAYED, &n->stats.drop_relayed,
		    "%s (%s) answered a challenge that reached it from %s: "
		    "relayed, refused", addr, h->host,
		    inet_ntoa(seen.sin_addr));
		return;
	}
	if (h->keyid != 0 && (reached.sin_addr.s_addr !=
	    s->addr.sin_addr.s_addr || reached.sin_port != s->addr.sin_port)) {
		net_drop(n, DROP_RELAYED, &n->stats.drop_relayed,
		    "%s (%s) answered a challenge that reached it at %s: "
		    "relayed, refused", addr, h->host,
		    inet_ntoa(reached.sin_addr));
		return;
	}
	s->nonce = 0;
	net_sess_confirm(n, s);
	s->last = h->counter;
	if (n->fresh_cb != NULL)
		n->fresh_cb(n->arg, h->host, &s->addr);
}

/* A datagram of an authenticated sender: by its session's state. */
static void
udp_session(struct net *n, const struct net_hdr *h, size_t len,
    const struct sockaddr_in *from, struct in_addr local, const char *addr)
{
	struct net_sess		*s;
	struct net_dgram	 d;

	s = net_sess_get(n, h->host, h->session, from, 1);
	if (h->counter <= s->last) {
		net_drop(n, DROP_REPLAY, &n->stats.drop_replay,
		    "dropped a replayed datagram from %s (%s)", addr, h->host);
		return;
	}
	if (h->type != NET_ECHO && !s->confirmed) {
		challenge_send(n, s);
		net_drop(n, DROP_UNCONFIRMED, &n->stats.drop_unconfirmed,
		    "dropped a datagram from %s (%s) until its session answers "
		    "a challenge", addr, h->host);
		return;
	}
	n->stats.type_in[h->type & 31]++;
	n->stats.type_bytes_in[h->type & 31] += len;
	if (h->type == NET_ECHO) {
		echo_check(n, s, h, local, addr);
		return;
	}
	s->last = h->counter;
	memset(&d, 0, sizeof d);
	d.type = h->type;
	d.host = h->host;
	d.from = *from;
	d.body = h->body;
	d.len = h->len;
	d.sent_ms = (int64_t)h->time_ms;
	n->dgram_cb(n->arg, &d);
}

static void
udp_handle(struct net *n, const uint8_t *p, size_t len,
    const struct sockaddr_in *from, struct in_addr local)
{
	struct net_hdr		 h;
	char			 addr[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &from->sin_addr, addr, sizeof addr);
	if (net_dgram_parse(p, len, &h) == -1) {
		net_drop(n, DROP_MALFORMED, &n->stats.drop_malformed,
		    "dropped a malformed datagram from %s", addr);
		return;
	}
	if (strcmp(h.domain, n->domain) != 0) {
		net_drop(n, DROP_DOMAIN, &n->stats.drop_domain,
		    "dropped a datagram from %s of another domain", addr);
	} else if ((n->nkeys > 0 && !n->any && h.keyid == 0) ||
	    (h.keyid != 0 && net_verify(n, h.keyid, p, h.signed_len,
	    p + h.signed_len) == -1)) {
		net_drop(n, DROP_AUTH, &n->stats.drop_auth,
		    "dropped a datagram from %s (%s): HMAC does not verify",
		    addr, h.host);
	} else if (strcmp(h.host, n->host) == 0) {
		/* our own, back from a broadcast address */
	} else if (h.type == NET_CHALLENGE) {
		n->stats.type_in[NET_CHALLENGE]++;
		n->stats.type_bytes_in[NET_CHALLENGE] += len;
		challenge_answer(n, &h, from, local, addr);
	} else
		udp_session(n, &h, len, from, local, addr);
	net_hdr_free(&h);
}

/* One datagram, with the local address it was sent to (IP_PKTINFO). */
static ssize_t
udp_recv(int fd, uint8_t *p, size_t size, struct sockaddr_in *from,
    socklen_t *flen, struct in_addr *local)
{
	struct iovec	 iov = { p, size };
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(struct in_pktinfo))];
	}		 ctl;
	struct msghdr	 m;
	struct cmsghdr	*c;
	ssize_t		 len;

	memset(&m, 0, sizeof m);
	m.msg_name = from;
	m.msg_namelen = sizeof *from;
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = ctl.buf;
	m.msg_controllen = sizeof ctl.buf;
	local->s_addr = INADDR_ANY;
	if ((len = recvmsg(fd, &m, 0)) == -1)
		return -1;
	*flen = m.msg_namelen;
	for (c = CMSG_FIRSTHDR(&m); c != NULL; c = CMSG_NXTHDR(&m, c))
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO)
			*local = ((struct in_pktinfo *)(void *)
			    CMSG_DATA(c))->ipi_addr;
	return len;
}

static void
udp_read(evutil_socket_t fd, short events, void *arg)
{
	struct net		*n = arg;
	struct sockaddr_in	 from;
	struct in_addr		 local;
	socklen_t		 flen;
	uint8_t			 p[2048];
	ssize_t			 len;
	int			 i;

	(void)events;
	for (i = 0; i < 64; i++) {	/* bounded: let others run */
		len = udp_recv(fd, p, sizeof p, &from, &flen, &local);
		if (len == -1)
			return;
		n->stats.dgram_in++;
		n->stats.bytes_in += (uint64_t)len;
		net_keys_check(n);
		if (flen == sizeof from && from.sin_family == AF_INET)
			udp_handle(n, p, (size_t)len, &from, local);
	}
}

void
net_set_fresh_cb(struct net *n, net_fresh_cb cb)
{
	n->fresh_cb = cb;
}

void
net_reject(struct net *n, enum net_reject why, const char *fmt, ...)
{
	uint64_t	*counter[] = { &n->stats.drop_body, &n->stats.drop_type,
			    &n->stats.drop_peers_full, &n->stats.drop_moved };
	va_list		 ap;
	char		 msg[256];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	net_drop(n, 8 + (int)why, counter[why], "%s", msg);
}

int
net_broadcast_ok(struct net *n, int on)
{
	if (n->remote)
		return net_proxy_broadcast(n, on);
	return setsockopt(n->udp_fd, SOL_SOCKET, SO_BROADCAST, &on,
	    sizeof on);
}

/* The two sockets on bind:port, bound (as root, if the port needs it)
 * before any network process starts: fds[0] UDP, fds[1] TCP. */
int
net_sockets(const char *bind_addr, int port, int fds[2], char **cause)
{
	struct sockaddr_in	 sin;
	int			 one = 1;

	fds[0] = fds[1] = -1;
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	if (bind_addr != NULL && *bind_addr != '\0' &&
	    inet_pton(AF_INET, bind_addr, &sin.sin_addr) != 1)
		return set_cause(cause, "IS_BIND=%s: not an IPv4 address",
		    bind_addr);
	fds[0] = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fds[0] == -1) {
		set_cause(cause, "socket: %s", strerror(errno));
		goto fail;
	}
	setsockopt(fds[0], SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	setsockopt(fds[0], IPPROTO_IP, IP_PKTINFO, &one, sizeof one);
	if (bind(fds[0], (const struct sockaddr *)&sin, sizeof sin) == -1) {
		set_cause(cause, "bind udp %s:%d: %s",
		    inet_ntoa(sin.sin_addr), ntohs(sin.sin_port),
		    strerror(errno));
		goto fail;
	}
	if (net_tcp_socket(&sin, &fds[1], cause) == -1)
		goto fail;
	return 0;
fail:
	if (fds[0] != -1)
		close(fds[0]);
	fds[0] = -1;
	return -1;
}

int
net_open(struct event_base *base, const char *bind_addr, int port,
    const char *domain, const char *host, net_keys_cb kcb,
    net_dgram_cb dcb, net_frame_cb fcb, void *arg, struct net **np,
    char **cause)
{
	int	fds[2];

	if (net_sockets(bind_addr, port, fds, cause) == -1)
		return -1;
	*np = net_new(base, port, domain, host, kcb, dcb, fcb, arg);
	net_start(*np, fds);
	return 0;
}

/* A struct net with no sockets yet (net_start, or the proxy's). */
struct net *
net_new(struct event_base *base, int port, const char *domain,
    const char *host, net_keys_cb kcb, net_dgram_cb dcb, net_frame_cb fcb,
    void *arg)
{
	struct net		*n = xcalloc(1, sizeof *n);

	n->base = base;
	n->domain = xstrdup(domain);
	n->host = xstrdup(host);
	n->keys_cb = kcb;
	n->dgram_cb = dcb;
	n->server_frame = fcb;
	n->arg = arg;
	n->udp_fd = -1;
	n->port = htons((uint16_t)port);
	TAILQ_INIT(&n->sess_lru);
	TAILQ_INIT(&n->sess_new);
	TAILQ_INIT(&n->accepted);
	while (n->session == 0)
		randombytes_buf(&n->session, sizeof n->session);
	return n;
}

/* Serve the sockets of net_sockets (n owns them from now). */
void
net_start(struct net *n, const int fds[2])
{
	n->udp_fd = fds[0];
	n->udp_ev = event_new(n->base, n->udp_fd, EV_READ | EV_PERSIST,
	    udp_read, n);
	event_add(n->udp_ev, NULL);
	net_tcp_start(n, fds[1]);
}

void
net_close(struct net *n)
{
	if (n == NULL)
		return;
	if (n->remote)
		net_proxy_close(n);	/* n's own part below */
	net_tcp_close(n);
	if (n->udp_ev != NULL)
		event_free(n->udp_ev);
	if (n->udp_fd != -1)
		close(n->udp_fd);
	net_sess_free_all(n);
	net_keys_free(n);
	sodium_memzero(n->id_sk, sizeof n->id_sk);
	free(n->domain);
	free(n->host);
	free(n);
}

void
net_set_identity(struct net *n, const uint8_t *pk, const uint8_t *sk,
    net_trust_cb trust)
{
	memcpy(n->id_pk, pk, sizeof n->id_pk);
	memcpy(n->id_sk, sk, sizeof n->id_sk);
	n->have_id = 1;
	n->trust = trust;
}

struct net_stats *
net_stats(struct net *n)
{
	return &n->stats;
}
