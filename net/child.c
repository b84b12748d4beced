/*
 * The network process (doc/design.md, "Privilege separation"): net/
 * as it is, on the sockets the parent bound, with the parent at the
 * other end of descriptor 3 (proxy.c says what crosses).  It holds the
 * HMAC keys and the streams' session keys, never the host key: each
 * handshake's signature is asked of the parent, and the peer's identity
 * is handed to the parent to check.  It opens no file: once its sockets
 * are served it drops its privileges (the daemon's sandbox function),
 * and if the parent goes it goes (PR_SET_PDEATHSIG, and end of file).
 */
#include <sys/prctl.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "net_int.h"
#include "msg.h"

#define CHILD_STATS_MS	100

struct cconn {
	uint32_t		 id;
	struct net_conn		*c;
	uint64_t		 done;	/* payload bytes taken from the parent */
	LIST_ENTRY(cconn)	 entry;
};

static struct child {
	struct event_base	*base;
	struct bufferevent	*bev;		/* to the parent */
	struct event		*read_ev;	/* from it (msgio.c) */
	struct nmsg_in		 in;
	struct net		*n;
	uint64_t		 gen;
	uint32_t		 next_id;
	LIST_HEAD(, cconn)	 conns;
	struct event		*stats_ev;
	struct net_stats	 sent;
	net_sandbox_fn		 sandbox;
	int			 broadcast;
	int			 serving;
} ch;

static void
child_put(const struct nmsg *m)
{
	nmsg_write(bufferevent_get_output(ch.bev), 3, m);
}

static void
child_put_conn(uint8_t type, struct cconn *cc, const uint8_t *data,
    size_t len)
{
	struct nmsg	m;

	memset(&m, 0, sizeof m);
	m.type = type;
	m.id = cc->id;
	m.data = data;
	m.len = len;
	child_put(&m);
}

static void	child_closed(void *, struct net_conn *, const char *);

/* A connection the parent knows of: accepted ones are told on their
 * first event (their arg is still the struct child until then). */
static struct cconn *
child_conn(struct net_conn *c)
{
	struct cconn	*cc = net_conn_arg(c);
	struct nmsg	 m;

	if (cc != (void *)&ch)
		return cc;
	cc = xcalloc(1, sizeof *cc);
	cc->c = c;
	if (++ch.next_id >= 0x80000000U)
		ch.next_id = 1;
	cc->id = ch.next_id;
	LIST_INSERT_HEAD(&ch.conns, cc, entry);
	net_conn_set_arg(c, cc);
	net_conn_set_close(c, child_closed);
	memset(&m, 0, sizeof m);
	m.type = NMSG_C_ACCEPT;
	m.id = cc->id;
	m.addr = *net_conn_peer(c);
	child_put(&m);
	return cc;
}

static struct cconn *
child_find(uint32_t id)
{
	struct cconn	*cc;

	LIST_FOREACH(cc, &ch.conns, entry)
		if (cc->id == id)
			return cc;
	return NULL;
}

static void
child_dgram(void *arg, const struct net_dgram *dg)
{
	struct nmsg	m;

	(void)arg;
#ifdef ISCONF_CRASH_HOOKS
	/* Test builds: the first network process crashes on a datagram
	 * from this host, as a parser bug would make it. */
	if (ch.gen == 1 && getenv("ISCONF_NET_CRASH") != NULL &&
	    strcmp(getenv("ISCONF_NET_CRASH"), dg->host) == 0) {
		log_warnx("crash hook: network process crashes on a "
		    "datagram from %s", dg->host);
		raise(SIGSEGV);
	}
#endif
	memset(&m, 0, sizeof m);
	m.type = NMSG_C_DGRAM;
	m.addr = dg->from;
	m.t = dg->type;
	m.a = (uint64_t)dg->sent_ms;
	xstrlcpy(m.s, dg->host, sizeof m.s);
	m.data = dg->body;
	m.len = dg->len;
	child_put(&m);
}

static void
child_fresh(void *arg, const char *host, const struct sockaddr_in *from)
{
	struct nmsg	m;

	(void)arg;
	memset(&m, 0, sizeof m);
	m.type = NMSG_C_FRESH;
	m.addr = *from;
	xstrlcpy(m.s, host, sizeof m.s);
	child_put(&m);
}

static int
child_frame(void *arg, struct net_conn *c, uint8_t type, const uint8_t *p,
    size_t len)
{
	struct nmsg	m;

	(void)arg;
	memset(&m, 0, sizeof m);
	m.type = NMSG_C_FRAME;
	m.id = child_conn(c)->id;
	m.t = type;
	m.data = p;
	m.len = len;
	child_put(&m);
	return 0;
}

static void
child_closed(void *arg, struct net_conn *c, const char *error)
{
	struct cconn	*cc = arg;
	struct nmsg	 m;

	(void)c;
	memset(&m, 0, sizeof m);
	m.type = NMSG_C_CLOSED;
	m.id = cc->id;
	if (error != NULL) {
		m.t = 1;
		xstrlcpy(m.s, error, sizeof m.s);
	}
	child_put(&m);
	LIST_REMOVE(cc, entry);
	free(cc);
}

static void
child_drain(void *arg, struct net_conn *c, int closed)
{
	struct cconn	*cc = arg;
	struct nmsg	 m;

	if (closed)
		return;
	memset(&m, 0, sizeof m);
	m.type = NMSG_C_WRITTEN;
	m.id = cc->id;
	m.a = cc->done;
	m.b = net_conn_pending(c);
	child_put(&m);
}

static void
child_sign(void *arg, struct net_conn *c, const uint8_t *msg)
{
	(void)arg;
	child_put_conn(NMSG_C_SIGN, child_conn(c), msg, NMSG_AUTH_LEN);
}

static int
child_auth(void *arg, struct net_conn *c, const uint8_t *pk,
    const uint8_t *sig, const uint8_t *msg)
{
	uint8_t	id[NMSG_IDENT_LEN];

	(void)arg;
	memcpy(id, pk, 32);
	memcpy(id + 32, sig, 64);
	memcpy(id + 96, msg, NMSG_AUTH_LEN);
	child_put_conn(NMSG_C_IDENT, child_conn(c), id, sizeof id);
	return 0;
}

/* The counters, to the parent when they changed. */
static void
child_stats(evutil_socket_t fd, short events, void *arg)
{
	struct timeval	 tv = { 0, CHILD_STATS_MS * 1000 };
	struct nmsg	 m;

	(void)fd;
	(void)events;
	(void)arg;
	if (memcmp(&ch.sent, net_stats(ch.n), sizeof ch.sent) != 0) {
		ch.sent = *net_stats(ch.n);
		memset(&m, 0, sizeof m);
		m.type = NMSG_C_STATS;
		m.data = (const uint8_t *)&ch.sent;
		m.len = sizeof ch.sent;
		child_put(&m);
	}
	evtimer_add(ch.stats_ev, &tv);
}

/* The start message: set up and drop privileges, but serve nothing
 * before the first keys (child_keys): no datagram is taken unchecked. */
static void
child_init(const struct nmsg *m)
{
	char	*home, *cause = NULL;

	if (ch.n != NULL || memchr(m->data, '\0', m->len) != NULL)
		fatalx("network process: a second or bad start message");
	ch.gen = m->a;
	ch.broadcast = m->t;
	ch.n = net_new(ch.base, (int)m->b, m->s, m->s2, NULL, child_dgram,
	    child_frame, &ch);
	net_set_signer(ch.n, child_sign, child_auth);
	net_set_fresh_cb(ch.n, child_fresh);
	home = xstrndup((const char *)m->data, m->len);
	if (ch.sandbox != NULL && ch.sandbox(home, &cause) == -1)
		fatalx("network process: %s", cause);
	free(home);
}

/* Serve the sockets; READY is the first message the parent gets. */
static void
child_serve(void)
{
	const int	fds[2] = { 4, 5 };
	struct nmsg	r;

	net_start(ch.n, fds);
	if (ch.broadcast)
		net_broadcast_ok(ch.n, 1);
	ch.serving = 1;
	memset(&r, 0, sizeof r);
	r.type = NMSG_C_READY;
	child_put(&r);
	ch.stats_ev = evtimer_new(ch.base, child_stats, NULL);
	child_stats(-1, 0, NULL);
}

static void
child_keys(const struct nmsg *m)
{
	char	**keys = NULL, *k;
	size_t	  n = 0, off = 0, i;
	int	  r;

	while ((r = nmsg_key(m, &off, &k)) == 1) {
		keys = xreallocarray(keys, n + 1, sizeof *keys);
		keys[n++] = k;
	}
	if (r == -1)
		fatalx("network process: malformed keys");
	net_set_keys(ch.n, keys, n, m->t);
	for (i = 0; i < n; i++) {
		sodium_memzero(keys[i], strlen(keys[i]));
		free(keys[i]);
	}
	free(keys);
	if (!ch.serving)
		child_serve();
}

#ifdef ISCONF_CRASH_HOOKS
/* Test builds: try to open a file the sandbox must keep from us. */
static void
child_test_open(const char *path)
{
	int	fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		log_warnx("test hook: network process could not open %s: %s",
		    path, strerror(errno));
		return;
	}
	log_warnx("test hook: network process opened %s", path);
	close(fd);
}
#endif

static void
child_conn_msg(const struct nmsg *m)
{
	struct cconn	*cc;

	if ((cc = child_find(m->id)) == NULL)
		return;		/* closed meanwhile: the parent will hear */
	switch (m->type) {
	case NMSG_P_CSEND:
		net_conn_send(cc->c, m->t, m->data, m->len);
		cc->done += m->len;
		break;
	case NMSG_P_FINISH:
		net_conn_finish(cc->c);
		break;
	case NMSG_P_ABORT:
		net_conn_abort(cc->c);
		LIST_REMOVE(cc, entry);
		free(cc);
		break;
	case NMSG_P_DRAIN:
		net_conn_set_drain(cc->c, m->t ? m->a : 0,
		    m->t ? child_drain : NULL, cc);
		break;
	case NMSG_P_SIGNED:
		net_conn_signed(cc->c, m->data, m->data + 32);
		break;
	}
}

static void
child_connect(const struct nmsg *m)
{
	struct cconn	*cc;
	struct nmsg	 r;

	if (m->id == 0 || child_find(m->id) != NULL)
		fatalx("network process: bad connection id");
	cc = xcalloc(1, sizeof *cc);
	cc->id = m->id;
	LIST_INSERT_HEAD(&ch.conns, cc, entry);
	cc->c = net_connect(ch.n, &m->addr, child_frame, child_closed, cc);
	if (cc->c != NULL)
		return;
	LIST_REMOVE(cc, entry);
	free(cc);
	memset(&r, 0, sizeof r);
	r.type = NMSG_C_CLOSED;
	r.id = m->id;
	r.t = 1;
	xstrlcpy(r.s, "connect failed", sizeof r.s);
	child_put(&r);
}

static void
child_dispatch(const struct nmsg *m)
{
	if (m->type != NMSG_P_INIT && ch.n == NULL)
		fatalx("network process: no start message");
	switch (m->type) {
	case NMSG_P_INIT:
		child_init(m);
		break;
	case NMSG_P_KEYS:
		child_keys(m);
		break;
	case NMSG_P_SEND:
		net_send(ch.n, &m->addr, m->t, m->data, m->len);
		break;
	case NMSG_P_BCAST:
		ch.broadcast = m->t;
		if (ch.serving)
			net_broadcast_ok(ch.n, m->t);
		break;
	case NMSG_P_CONNECT:
		child_connect(m);
		break;
	case NMSG_P_TEST:
#ifdef ISCONF_CRASH_HOOKS
		child_test_open(m->s);
#endif
		break;
	case NMSG_P_CSEND:
	case NMSG_P_FINISH:
	case NMSG_P_ABORT:
	case NMSG_P_DRAIN:
	case NMSG_P_SIGNED:
		child_conn_msg(m);
		break;
	default:
		fatalx("network process: unexpected message %u", m->type);
	}
}

static void
child_read(evutil_socket_t fd, short events, void *arg)
{
	struct nmsg	m;
	int		r;

	(void)events;
	(void)arg;
	/* The parent is gone (end of file or error): so are we, at once. */
	if (nmsg_in_read(&ch.in, fd) == -1)
		_exit(0);
	while ((r = nmsg_in_next(&ch.in, &m)) == 1)
		child_dispatch(&m);
	if (r == -1)
		fatalx("network process: malformed message");
}

static void
child_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	(void)what;
	(void)arg;
	/* The parent is gone: so are we, at once. */
	_exit(0);
}

void
net_child_main(net_sandbox_fn sandbox)
{
	const char	*env = getenv(NET_CHILD_ENV);

	/* The daemon's way of logging (log_mode()), "f" if none given. */
	log_init_mode(env != NULL && strlen(env) <= 2 ? env : "f", "isconfd");
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	prctl(PR_SET_NAME, "isconfd-net");
	if (getppid() == 1)
		_exit(0);
	if (sodium_init() == -1)
		fatalx("libsodium failed to initialise");
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	memset(&ch, 0, sizeof ch);
	ch.sandbox = sandbox;
	LIST_INIT(&ch.conns);
	ch.base = event_base_new();
	evutil_make_socket_nonblocking(3);
	ch.bev = bufferevent_socket_new(ch.base, 3, BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(ch.bev, NULL, NULL, child_event, NULL);
	bufferevent_set_max_single_write(ch.bev, NMSG_SOCKBUF);
	bufferevent_enable(ch.bev, EV_WRITE);
	ch.read_ev = event_new(ch.base, 3, EV_READ | EV_PERSIST, child_read,
	    NULL);
	event_add(ch.read_ev, NULL);
	event_base_dispatch(ch.base);
	_exit(0);
}
