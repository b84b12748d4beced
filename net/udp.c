/*
 * Gossip datagrams.
 *
 *	"ISC" u8 version, u8 type, u32 key id, u64 counter,
 *	str domain, str host, blob body, [32 HMAC-SHA256 when key id != 0]
 *
 * A receiver drops, counts and (rate-limited) logs anything malformed,
 * from another domain, failing the HMAC, or replayed: the counter is
 * the sender's clock in ns, must lie within two minutes of ours and
 * grow for each sender.
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

enum { DROP_MALFORMED, DROP_DOMAIN, DROP_AUTH, DROP_REPLAY };

static unsigned
host_bucket(const char *h)
{
	unsigned	x = 5381;

	while (*h)
		x = x * 33 + (unsigned char)*h++;
	return x % NET_REPLAY_BUCKETS;
}

/* 0 if counter is fresh for host (and remember it), -1 if replayed. */
static int
replay_check(struct net *n, const char *host, uint64_t counter)
{
	struct replay_ent	*e;
	int64_t			 now = now_ns(), c = (int64_t)counter;
	unsigned		 b = host_bucket(host);

	if (c < now - NET_REPLAY_WINDOW_NS || c > now + NET_REPLAY_WINDOW_NS)
		return -1;
	for (e = n->replay[b]; e != NULL; e = e->next)
		if (strcmp(e->host, host) == 0)
			break;
	if (e == NULL) {
		if (n->nreplay >= 100000)	/* bound memory; window holds */
			return 0;
		e = xcalloc(1, sizeof *e);
		e->host = xstrdup(host);
		e->next = n->replay[b];
		n->replay[b] = e;
		n->nreplay++;
	} else if (counter <= e->last)
		return -1;
	e->last = counter;
	return 0;
}

int
net_send(struct net *n, const struct sockaddr_in *to, uint8_t type,
    const void *body, size_t len)
{
	const struct net_key	*k;
	struct buf		 b;
	uint8_t			 mac[NET_MAC_LEN];
	uint64_t		 counter = (uint64_t)now_ns();
	ssize_t			 w;

	net_keys_check(n);
	if (counter <= n->last_counter)
		counter = n->last_counter + 1;
	n->last_counter = counter;
	k = net_sign_key(n);
	buf_init(&b);
	buf_add(&b, "ISC", 3);
	buf_add_u8(&b, NET_VERSION);
	buf_add_u8(&b, type);
	buf_add_u32(&b, k ? k->id : 0);
	buf_add_u64(&b, counter);
	buf_add_str(&b, n->domain);
	buf_add_str(&b, n->host);
	buf_add_blob(&b, body, len);
	if (k != NULL) {
		net_mac(k->key, b.data, b.len, mac);
		buf_add(&b, mac, sizeof mac);
	}
	w = sendto(n->udp_fd, b.data, b.len, 0, (const struct sockaddr *)to,
	    sizeof *to);
	if (w == (ssize_t)b.len) {
		n->stats.type_out[type & 7]++;
		n->stats.type_bytes_out[type & 7] += b.len;
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
	h->counter = rd_u64(&r);
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

static void
udp_handle(struct net *n, const uint8_t *p, size_t len,
    const struct sockaddr_in *from)
{
	struct net_dgram	 d;
	struct net_hdr		 h;
	char			 addr[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &from->sin_addr, addr, sizeof addr);
	if (net_dgram_parse(p, len, &h) == -1) {
		net_drop(n, DROP_MALFORMED, &n->stats.drop_malformed,
		    "dropped a malformed datagram from %s", addr);
		return;
	}
	memset(&d, 0, sizeof d);
	d.body = h.body;
	d.len = h.len;
	if (strcmp(h.domain, n->domain) != 0) {
		net_drop(n, DROP_DOMAIN, &n->stats.drop_domain,
		    "dropped a datagram from %s of another domain", addr);
	} else if ((n->nkeys > 0 && !n->any && h.keyid == 0) ||
	    (h.keyid != 0 && net_verify(n, h.keyid, p, h.signed_len,
	    p + h.signed_len) == -1)) {
		net_drop(n, DROP_AUTH, &n->stats.drop_auth,
		    "dropped a datagram from %s (%s): HMAC does not verify",
		    addr, h.host);
	} else if (replay_check(n, h.host, h.counter) == -1) {
		net_drop(n, DROP_REPLAY, &n->stats.drop_replay,
		    "dropped a replayed or stale datagram from %s (%s)", addr,
		    h.host);
	} else if (strcmp(h.host, n->host) != 0) {
		d.type = h.type;
		n->stats.type_in[d.type & 7]++;
		n->stats.type_bytes_in[d.type & 7] += len;
		d.host = h.host;
		d.from = *from;
		n->dgram_cb(n->arg, &d);
	}
	net_hdr_free(&h);
}

static void
udp_read(evutil_socket_t fd, short events, void *arg)
{
	struct net		*n = arg;
	struct sockaddr_in	 from;
	socklen_t		 flen;
	uint8_t			 p[2048];
	ssize_t			 len;
	int			 i;

	(void)events;
	for (i = 0; i < 64; i++) {	/* bounded: let others run */
		flen = sizeof from;
		len = recvfrom(fd, p, sizeof p, 0, (struct sockaddr *)&from,
		    &flen);
		if (len == -1)
			return;
		n->stats.dgram_in++;
		n->stats.bytes_in += (uint64_t)len;
		net_keys_check(n);
		if (flen == sizeof from && from.sin_family == AF_INET)
			udp_handle(n, p, (size_t)len, &from);
	}
}

void
net_reject(struct net *n, enum net_reject why, const char *fmt, ...)
{
	uint64_t	*counter[] = { &n->stats.drop_body, &n->stats.drop_type,
			    &n->stats.drop_peers_full };
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
	return setsockopt(n->udp_fd, SOL_SOCKET, SO_BROADCAST, &on,
	    sizeof on);
}

static int
udp_open(struct net *n, const struct sockaddr_in *sin, char **cause)
{
	int	one = 1;

	n->udp_fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (n->udp_fd == -1)
		return set_cause(cause, "socket: %s", strerror(errno));
	setsockopt(n->udp_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(n->udp_fd, (const struct sockaddr *)sin, sizeof *sin) == -1)
		return set_cause(cause, "bind udp %s:%d: %s",
		    inet_ntoa(sin->sin_addr), ntohs(sin->sin_port),
		    strerror(errno));
	n->udp_ev = event_new(n->base, n->udp_fd, EV_READ | EV_PERSIST,
	    udp_read, n);
	event_add(n->udp_ev, NULL);
	return 0;
}

int
net_open(struct event_base *base, const char *bind_addr, int port,
    const char *domain, const char *host, net_keys_cb kcb,
    net_dgram_cb dcb, net_frame_cb fcb, void *arg, struct net **np,
    char **cause)
{
	struct net		*n = xcalloc(1, sizeof *n);
	struct sockaddr_in	 sin;

	n->base = base;
	n->domain = xstrdup(domain);
	n->host = xstrdup(host);
	n->keys_cb = kcb;
	n->dgram_cb = dcb;
	n->server_frame = fcb;
	n->arg = arg;
	n->udp_fd = -1;
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	if (bind_addr != NULL && *bind_addr != '\0' &&
	    inet_pton(AF_INET, bind_addr, &sin.sin_addr) != 1) {
		set_cause(cause, "IS_BIND=%s: not an IPv4 address", bind_addr);
		goto fail;
	}
	if (udp_open(n, &sin, cause) == -1 ||
	    net_tcp_listen(n, &sin, cause) == -1)
		goto fail;
	*np = n;
	return 0;
fail:
	net_close(n);
	return -1;
}

void
net_close(struct net *n)
{
	struct replay_ent	*e, *next;
	size_t			 i;

	if (n == NULL)
		return;
	net_tcp_close(n);
	if (n->udp_ev != NULL)
		event_free(n->udp_ev);
	if (n->udp_fd != -1)
		close(n->udp_fd);
	for (i = 0; i < NET_REPLAY_BUCKETS; i++)
		for (e = n->replay[i]; e != NULL; e = next) {
			next = e->next;
			free(e->host);
			free(e);
		}
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
