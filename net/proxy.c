/*
 * The parent's end of the network process (doc/design.md, "Privilege
 * separation").  net_open_proxy binds the sockets (as root) and starts
 * isconfd-net as "isconfd: network" (net/child.c) with them and one
 * end of a socketpair; from then on the struct net it returns is
 * remote: net.h's calls on it become messages (msg.h) to the child, and
 * the child's messages become the same callbacks the daemon registered.
 * The daemon cannot tell, except that the host key stays here: the
 * child asks for each handshake's signature (NMSG_C_SIGN), and the
 * peer's identity is checked here (NMSG_C_IDENT).
 *
 * Everything the child says is checked again as if a peer had said it:
 * a message that does not decode, a type only the parent sends, an id
 * out of its range or reused, a frame before its identity, a second
 * signature asked for one connection: the child is killed and started
 * again.  So is a child that dies, after 1 s, doubling to 32 s while it
 * keeps dying within a minute.  Its connections are closed
 * ("network process exited"): the daemon's runs and fetches go on
 * another, as after any lost connection.
 */
#include <sys/param.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <poll.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "net_int.h"
#include "msg.h"

#define PROXY_ID_PARENT	0x80000000U	/* ids the parent gives */
#define PROXY_BACKOFF_MAX 32
#define PROXY_STABLE_NS	(60 * 1000000000LL)
#define PROXY_START_MS	10000
#define PROXY_READS	4	/* per event: the child cannot hold the loop */

LIST_HEAD(proxy_conns, net_conn);

struct net_proxy {
	struct net		*n;
	int			 fds[2];	/* UDP, TCP: ours, lent */
	char			*home;
	struct bufferevent	*bev;		/* NULL while it is down */
	struct event		*read_ev;	/* and its reading (msgio.c) */
	struct nmsg_in		 in;
	int			 sync_fd;	/* before the first READY */
	int			 sync_failed;
	pid_t			 pid;
	int			 status;	/* the last one reaped's */
	uint64_t		 gen;
	uint32_t		 next_id;
	struct proxy_conns	 conns;
	struct event		*restart_ev;
	int			 backoff;	/* s */
	int64_t			 started;
	int			 broadcast;
	struct net_stats	 acc;		/* of the children gone */
	struct net_stats	 last;		/* of this one */
};

static void	proxy_read(evutil_socket_t, short, void *);
static void	proxy_event(struct bufferevent *, short, void *);
static void	proxy_lost(struct net_proxy *, const char *);
static void	proxy_attach(struct net_proxy *, int);

/* Write all of p to the child before its first READY (poll: the
 * socket is non-blocking); -1 if it does not take it in time. */
static int
sync_write(int fd, const uint8_t *p, size_t len)
{
	struct pollfd	pfd = { fd, POLLOUT, 0 };
	ssize_t		n;

	while (len > 0) {
		if (poll(&pfd, 1, PROXY_START_MS) != 1)
			return -1;
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Its first message, READY: 0, or -1 if it does not come in time. */
static int
sync_ready(int fd)
{
	struct pollfd	pfd = { fd, POLLIN, 0 };
	uint8_t		hdr[NMSG_HDR];
	size_t		have = 0;
	ssize_t		n;

	while (have < sizeof hdr) {
		if (poll(&pfd, 1, PROXY_START_MS) != 1)
			return -1;
		if ((n = read(fd, hdr + have, sizeof hdr - have)) <= 0) {
			if (n == -1 && (errno == EAGAIN || errno == EINTR))
				continue;
			return -1;
		}
		have += (size_t)n;
	}
	return get_u32(hdr) == 0 && hdr[4] == NMSG_C_READY ? 0 : -1;
}

static void
proxy_put(struct net_proxy *px, const struct nmsg *m)
{
	struct buf	b;

	if (px->bev != NULL) {
		nmsg_write(bufferevent_get_output(px->bev),
		    bufferevent_getfd(px->bev), m);
		return;
	}
	if (px->sync_fd == -1)
		return;
	buf_init(&b);
	nmsg_encode(&b, m);
	if (sync_write(px->sync_fd, b.data, b.len) == -1)
		px->sync_failed = 1;
	sodium_memzero(b.data, b.len);
	buf_free(&b);
}

static void
proxy_put_id(struct net_proxy *px, uint8_t type, uint32_t id)
{
	struct nmsg	m;

	memset(&m, 0, sizeof m);
	m.type = type;
	m.id = id;
	proxy_put(px, &m);
}

void
net_proxy_keys(struct net *n)
{
	struct net_proxy	*px = n->proxy;
	struct nmsg		 m;
	struct buf		 keys;
	size_t			 i;

	buf_init(&keys);
	for (i = 0; i < n->nkeys; i++)
		buf_add(&keys, n->keys[i].key, strlen(n->keys[i].key) + 1);
	memset(&m, 0, sizeof m);
	m.type = NMSG_P_KEYS;
	m.t = (uint8_t)n->any;
	m.data = keys.data;
	m.len = keys.len;
	if (keys.len <= NMSG_KEYS_MAX)
		proxy_put(px, &m);
	else
		log_warnx("network process: hmac_keys too long to hand over");
	if (keys.data != NULL)
		sodium_memzero(keys.data, keys.len);
	buf_free(&keys);
	if (px->sync_fd == -1)
		return;
	/* The first keys: the child serves from now on.  Wait for it, so
	 * that the daemon is ready when it says so (isconf start). */
	if (px->sync_failed || sync_ready(px->sync_fd) == -1) {
		close(px->sync_fd);
		px->sync_fd = -1;
		proxy_lost(px, "did not start");
		return;
	}
	proxy_attach(px, px->sync_fd);
	px->sync_fd = -1;
}

int
net_proxy_started(struct net *n, char **cause)
{
	struct net_proxy	*px = n->proxy;
	int			 st;

	/* Right after the first keys, before the loop runs: a child that
	 * is not attached never said READY. */
	if (px == NULL || px->bev != NULL)
		return 0;
	st = px->status;
	if (px->gen == 0)
		return set_cause(cause, "the network process could not be "
		    "started (socketpair or fork failed)");
	if (WIFEXITED(st))
		return set_cause(cause, "the network process (isconfd-net) "
		    "exited with status %d before it was ready (the log says "
		    "why)", WEXITSTATUS(st));
	if (WIFSIGNALED(st) && WTERMSIG(st) != SIGKILL)
		return set_cause(cause, "the network process (isconfd-net) "
		    "was killed by signal %d before it was ready",
		    WTERMSIG(st));
	return set_cause(cause, "the network process (isconfd-net) did not "
	    "say it was ready within %d ms", PROXY_START_MS);
}

/* isconfd-net, opened by the daemon (net_proxy_program). */
static int	proxy_prog = -1;

void
net_proxy_program(int fd)
{
	proxy_prog = fd;
}

/* The child's command line: ps shows it as the title. */
static void
proxy_exec(struct net_proxy *px, int sp)
{
	char	*argv[] = { (char *)NET_CHILD_TITLE, NULL };
	sigset_t set;

	int	 fd[3], i, prog;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1 || getppid() == 1)
		_exit(1);
	/* Out of the way first: any of them may be 3, 4, 5 or 6. */
	fd[0] = fcntl(sp, F_DUPFD, 10);
	fd[1] = fcntl(px->fds[0], F_DUPFD, 10);
	fd[2] = fcntl(px->fds[1], F_DUPFD, 10);
	prog = fcntl(proxy_prog, F_DUPFD_CLOEXEC, 10);
	for (i = 0; i < 3; i++)
		if (fd[i] == -1 || dup2(fd[i], 3 + i) == -1)
			_exit(1);
	if (prog == -1 || dup3(prog, 6, O_CLOEXEC) == -1)
		_exit(127);
	closefrom(7);
	sigemptyset(&set);
	sigprocmask(SIG_SETMASK, &set, NULL);
	setenv(NET_CHILD_ENV, log_mode(), 1);
	fexecve(6, argv, environ);
	_exit(127);
}

static void
proxy_attach(struct net_proxy *px, int fd)
{
	/* The bufferevent writes; proxy_read reads (msgio.c says why). */
	px->bev = bufferevent_socket_new(px->n->base, fd, BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(px->bev, NULL, NULL, proxy_event, px);
	bufferevent_set_max_single_write(px->bev, NMSG_SOCKBUF);
	bufferevent_enable(px->bev, EV_WRITE);
	px->read_ev = event_new(px->n->base, fd, EV_READ | EV_PERSIST,
	    proxy_read, px);
	event_add(px->read_ev, NULL);
#ifdef ISCONF_CRASH_HOOKS
	/* Test builds: ask the child to open a file it must not reach. */
	if (getenv("ISCONF_NET_OPEN") != NULL && px->gen == 1) {
		struct nmsg	m;

		memset(&m, 0, sizeof m);
		m.type = NMSG_P_TEST;
		xstrlcpy(m.s, getenv("ISCONF_NET_OPEN"), sizeof m.s);
		proxy_put(px, &m);
	}
#endif
}

static void
proxy_detach(struct net_proxy *px)
{
	if (px->bev == NULL)
		return;
	event_free(px->read_ev);
	px->read_ev = NULL;
	nmsg_in_free(&px->in);
	bufferevent_free(px->bev);
	px->bev = NULL;
}

/* Room for a chunk's message and more each way: it goes in one write
 * and out in one read, not in pieces of the default 208 KiB. */
static void
proxy_sockbuf(int fd)
{
	int	size = NMSG_SOCKBUF;

	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof size) == -1)
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) == -1)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
}

/* Start a child.  The first time (sync), the start message is written
 * at once and the first keys will wait for its READY (net_proxy_keys);
 * after that, everything goes through the event loop. */
static void
proxy_start(struct net_proxy *px, int sync)
{
	struct net	*n = px->n;
	struct nmsg	 m;
	int		 sp[2];
	pid_t		 pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
	    sp) == -1) {
		proxy_lost(px, "could not be started (socketpair)");
		return;
	}
	proxy_sockbuf(sp[0]);
	proxy_sockbuf(sp[1]);
	if ((pid = fork()) == -1) {
		close(sp[0]);
		close(sp[1]);
		proxy_lost(px, "could not be started (fork)");
		return;
	}
	if (pid == 0)
		proxy_exec(px, sp[1]);
	close(sp[1]);
	px->pid = pid;
	px->gen++;
	px->started = now_ns();
	if (sync) {
		px->sync_fd = sp[0];
		px->sync_failed = 0;
	} else
		proxy_attach(px, sp[0]);
	memset(&m, 0, sizeof m);
	m.type = NMSG_P_INIT;
	m.t = (uint8_t)px->broadcast;
	m.a = px->gen;
	m.b = ntohs(n->port);
	xstrlcpy(m.s, n->domain, sizeof m.s);
	xstrlcpy(m.s2, n->host, sizeof m.s2);
	m.data = (const uint8_t *)px->home;
	m.len = strlen(px->home);
	proxy_put(px, &m);
	if (!sync)
		net_proxy_keys(n);
	log_debug("network process %ld started", (long)pid);
}

static void
proxy_restart(evutil_socket_t fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	proxy_start(arg, 0);
}

/* c is gone: its owner hears it (close_cb with error), then c is freed. */
static void
conn_gone(struct net_conn *c, const char *error, int tell)
{
	c->state = CS_DEAD;
	LIST_REMOVE(c, pentry);
	if (tell && c->close_cb != NULL)
		c->close_cb(c->arg, c, error);
	if (c->drain_cb != NULL)
		c->drain_cb(c->drain_arg, c, 1);
	free(c);
}

static void
stats_fold(struct net_proxy *px)
{
	uint64_t	*s = (uint64_t *)&px->n->stats, keep[4];
	const uint64_t	*acc = (const uint64_t *)&px->acc;
	const uint64_t	*last = (const uint64_t *)&px->last;
	size_t		 i;

	/* net_reject's counters are the daemon's, here. */
	keep[0] = px->n->stats.drop_body;
	keep[1] = px->n->stats.drop_type;
	keep[2] = px->n->stats.drop_peers_full;
	keep[3] = px->n->stats.drop_moved;
	for (i = 0; i < sizeof px->acc / sizeof *s; i++)
		s[i] = acc[i] + last[i];
	px->n->stats.drop_body = keep[0];
	px->n->stats.drop_type = keep[1];
	px->n->stats.drop_peers_full = keep[2];
	px->n->stats.drop_moved = keep[3];
}

/* The child is gone or must go: end it, close its connections, start
 * another after the backoff. */
static void
proxy_lost(struct net_proxy *px, const char *why)
{
	struct net_conn	*c;
	struct timeval	 tv = { 0, 0 };
	uint64_t	*acc = (uint64_t *)&px->acc;
	const uint64_t	*last = (const uint64_t *)&px->last;
	size_t		 i;
	int		 status = 0;

	proxy_detach(px);
	if (px->pid > 0) {
		kill(px->pid, SIGKILL);
		while (waitpid(px->pid, &status, 0) == -1 && errno == EINTR)
			;
		px->status = status;
		if (WIFSIGNALED(status) && WTERMSIG(status) != SIGKILL)
			log_warnx("network process %ld %s (signal %d)",
			    (long)px->pid, why, WTERMSIG(status));
		else
			log_warnx("network process %ld %s", (long)px->pid, why);
		px->pid = -1;
	} else
		log_warnx("network process %s", why);
	for (i = 0; i < sizeof px->acc / sizeof *acc; i++)
		acc[i] += last[i];
	memset(&px->last, 0, sizeof px->last);
	while ((c = LIST_FIRST(&px->conns)) != NULL)
		conn_gone(c, "network process exited", 1);
	if (now_ns() - px->started > PROXY_STABLE_NS)
		px->backoff = 1;
	else
		px->backoff = px->backoff == 0 ? 1 :
		    MIN(px->backoff * 2, PROXY_BACKOFF_MAX);
	tv.tv_sec = px->backoff;
	log_warnx("network process: starting another in %d s", px->backoff);
	evtimer_add(px->restart_ev, &tv);
}

static struct net_conn *
conn_find(struct net_proxy *px, uint32_t id)
{
	struct net_conn	*c;

	LIST_FOREACH(c, &px->conns, pentry)
		if (c->id == id)
			return c;
	return NULL;
}

static struct net_conn *
conn_add(struct net_proxy *px, uint32_t id, const struct sockaddr_in *peer)
{
	struct net_conn	*c = xcalloc(1, sizeof *c);

	c->n = px->n;
	c->remote = 1;
	c->id = id;
	c->peer = *peer;
	c->state = CS_HANDSHAKE;
	LIST_INSERT_HEAD(&px->conns, c, pentry);
	return c;
}

/* Sign a handshake for the child, once per connection, only what has
 * a handshake's shape: the context, then two exchange keys. */
static int
on_sign(struct net_proxy *px, struct net_conn *c, const struct nmsg *m)
{
	struct net	*n = px->n;
	struct nmsg	 r;
	uint8_t		 out[96];

	if (c->signing || memcmp(m->data, AUTH_CONTEXT, 16) != 0)
		return -1;
	c->signing = 1;
	memcpy(c->pk, m->data + 16, 32);
	memcpy(c->peer_pk, m->data + 48, 32);
	memset(out, 0, sizeof out);
	if (n->have_id) {
		memcpy(out, n->id_pk, 32);
		crypto_sign_detached(out + 32, NULL, m->data, NMSG_AUTH_LEN,
		    n->id_sk);
	}
	memset(&r, 0, sizeof r);
	r.type = NMSG_P_SIGNED;
	r.id = c->id;
	r.data = out;
	r.len = sizeof out;
	proxy_put(px, &r);
	return 0;
}

/* The peer's identity: what it signed must be this handshake's (the
 * keys we signed, swapped). */
static int
on_ident(struct net_proxy *px, struct net_conn *c, const struct nmsg *m)
{
	const uint8_t	*msg = m->data + 96;

	if (!c->signing || c->state != CS_HANDSHAKE ||
	    memcmp(msg, AUTH_CONTEXT, 16) != 0 ||
	    memcmp(msg + 16, c->peer_pk, 32) != 0 ||
	    memcmp(msg + 48, c->pk, 32) != 0)
		return -1;
	if (net_ident_check(px->n, &c->peer, m->data, m->data + 32,
	    msg) == -1) {
		proxy_put_id(px, NMSG_P_ABORT, c->id);
		conn_gone(c, "protocol error or authentication failure", 1);
		return 0;
	}
	c->state = CS_FRAMES;
	return 0;
}

static int
on_frame(struct net_proxy *px, struct net_conn *c, const struct nmsg *m)
{
	if (c->state != CS_FRAMES)
		return -1;
	if (c->frame_cb(c->arg, c, m->t, m->data, m->len) == -1) {
		proxy_put_id(px, NMSG_P_ABORT, c->id);
		conn_gone(c, "protocol error or authentication failure", 1);
	}
	return 0;
}

static int
on_written(struct net_conn *c, const struct nmsg *m)
{
	if (m->a < c->done || m->a > c->sent)
		return -1;
	c->done = m->a;
	c->queued = m->b;
	if (c->drain_cb != NULL && net_conn_pending(c) <= c->low)
		c->drain_cb(c->drain_arg, c, 0);
	return 0;
}

static int
on_dgram(struct net_proxy *px, const struct nmsg *m)
{
	struct net	*n = px->n;
	struct net_dgram dg;

	if (!host_name_valid(m->s) || m->t >= 32)
		return -1;
	net_keys_check(n);
	memset(&dg, 0, sizeof dg);
	dg.type = m->t;
	dg.host = m->s;
	dg.from = m->addr;
	dg.body = m->data;
	dg.len = m->len;
	dg.sent_ms = (int64_t)m->a;
	n->dgram_cb(n->arg, &dg);
	return 0;
}

/* One message of the child, decoded: 0, or -1 if it broke the rules. */
static int
proxy_dispatch(struct net_proxy *px, const struct nmsg *m)
{
	struct net	*n = px->n;
	struct net_conn	*c = NULL;

	if (m->type < NMSG_C_DGRAM)
		return -1;
	if (m->id != 0 && (c = conn_find(px, m->id)) == NULL &&
	    m->type != NMSG_C_ACCEPT)
		return 0;	/* one we closed: its last words */
	switch (m->type) {
	case NMSG_C_READY:
		log_debug("network process %ld ready", (long)px->pid);
		return 0;
	case NMSG_C_DGRAM:
		return on_dgram(px, m);
	case NMSG_C_FRESH:
		if (!host_name_valid(m->s))
			return -1;
		if (n->fresh_cb != NULL)
			n->fresh_cb(n->arg, m->s, &m->addr);
		return 0;
	case NMSG_C_ACCEPT:
		if (m->id == 0 || (m->id & PROXY_ID_PARENT) || c != NULL)
			return -1;
		net_keys_check(n);
		c = conn_add(px, m->id, &m->addr);
		c->frame_cb = n->server_frame;
		c->arg = n->arg;
		return 0;
	case NMSG_C_STATS:
		memcpy(&px->last, m->data, sizeof px->last);
		stats_fold(px);
		return 0;
	}
	if (c == NULL)
		return -1;
	switch (m->type) {
	case NMSG_C_FRAME:
		return on_frame(px, c, m);
	case NMSG_C_CLOSED:
		conn_gone(c, m->t ? m->s : NULL, 1);
		return 0;
	case NMSG_C_WRITTEN:
		return on_written(c, m);
	case NMSG_C_SIGN:
		return on_sign(px, c, m);
	case NMSG_C_IDENT:
		return on_ident(px, c, m);
	}
	return -1;
}

static void
proxy_read(evutil_socket_t fd, short events, void *arg)
{
	struct net_proxy	*px = arg;
	struct nmsg		 m;
	uint64_t		 gen = px->gen;
	int			 i, r, rr;

	(void)events;
	for (i = 0; i < PROXY_READS; i++) {
		if ((rr = nmsg_in_read(&px->in, fd)) == -1) {
			proxy_lost(px, errno == 0 ? "exited" : "was lost");
			return;
		}
		while ((r = nmsg_in_next(&px->in, &m)) == 1) {
			if (proxy_dispatch(px, &m) == -1) {
				proxy_lost(px, "sent a malformed message: "
				    "ended");
				return;
			}
			/* A callback may have lost the child meanwhile. */
			if (px->bev == NULL || px->gen != gen)
				return;
		}
		if (r == -1) {
			proxy_lost(px, "sent a malformed message: ended");
			return;
		}
		if (rr == 0)
			return;
	}
}

static void
proxy_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	proxy_lost(arg, (what & BEV_EVENT_EOF) ? "exited" : "was lost");
}

int
net_open_proxy(struct event_base *base, const char *bind_addr, int port,
    const char *domain, const char *host, const char *home,
    net_keys_cb kcb, net_dgram_cb dcb, net_frame_cb fcb, void *arg,
    struct net **np, char **cause)
{
	struct net_proxy	*px;
	struct net		*n;
	int			 fds[2];

	if (net_sockets(bind_addr, port, fds, cause) == -1)
		return -1;
	n = net_new(base, port, domain, host, kcb, dcb, fcb, arg);
	n->remote = 1;
	n->proxy = px = xcalloc(1, sizeof *px);
	px->n = n;
	px->fds[0] = fds[0];
	px->fds[1] = fds[1];
	px->home = xstrdup(home);
	px->pid = -1;
	LIST_INIT(&px->conns);
	px->restart_ev = evtimer_new(base, proxy_restart, px);
	px->sync_fd = -1;
	proxy_start(px, 1);
	*np = n;
	return 0;
}

void
net_proxy_close(struct net *n)
{
	struct net_proxy	*px = n->proxy;
	struct net_conn		*c;

	while ((c = LIST_FIRST(&px->conns)) != NULL)
		conn_gone(c, NULL, 0);
	proxy_detach(px);
	if (px->sync_fd != -1)
		close(px->sync_fd);
	if (px->pid > 0) {
		kill(px->pid, SIGTERM);
		while (waitpid(px->pid, NULL, 0) == -1 && errno == EINTR)
			;
	}
	event_free(px->restart_ev);
	close(px->fds[0]);
	close(px->fds[1]);
	free(px->home);
	free(px);
	n->proxy = NULL;
}

int
net_proxy_send(struct net *n, const struct sockaddr_in *to, uint8_t type,
    const void *body, size_t len)
{
	struct nmsg	m;

	if (n->proxy->bev == NULL || len > NET_MAX_DGRAM)
		return -1;
	memset(&m, 0, sizeof m);
	m.type = NMSG_P_SEND;
	m.addr = *to;
	m.t = type;
	m.data = body;
	m.len = len;
	proxy_put(n->proxy, &m);
	return 0;
}

int
net_proxy_broadcast(struct net *n, int on)
{
	struct nmsg	m;

	n->proxy->broadcast = on;
	memset(&m, 0, sizeof m);
	m.type = NMSG_P_BCAST;
	m.t = (uint8_t)on;
	proxy_put(n->proxy, &m);
	return 0;
}

struct net_conn *
net_proxy_connect(struct net *n, const struct sockaddr_in *to,
    net_frame_cb fcb, net_close_cb ccb, void *arg)
{
	struct net_proxy	*px = n->proxy;
	struct net_conn		*c;
	struct nmsg		 m;
	uint32_t		 id;

	if (px->bev == NULL)
		return NULL;
	do {
		id = PROXY_ID_PARENT | (++px->next_id & ~PROXY_ID_PARENT);
	} while (conn_find(px, id) != NULL);
	c = conn_add(px, id, to);
	c->frame_cb = fcb;
	c->close_cb = ccb;
	c->arg = arg;
	memset(&m, 0, sizeof m);
	m.type = NMSG_P_CONNECT;
	m.id = id;
	m.addr = *to;
	proxy_put(px, &m);
	return c;
}

/* A frame: its payload goes to the child as it is (nmsg_write). */
int
net_proxy_conn_send(struct net_conn *c, uint8_t type, const void *p,
    size_t len)
{
	struct net_proxy	*px = c->n->proxy;
	struct nmsg		 m;

	if (c->state == CS_DEAD || len > net_max_frame() || px->bev == NULL)
		return -1;
	memset(&m, 0, sizeof m);
	m.type = NMSG_P_CSEND;
	m.id = c->id;
	m.t = type;
	m.data = p;
	m.len = len;
	nmsg_write(bufferevent_get_output(px->bev), bufferevent_getfd(px->bev),
	    &m);
	c->sent += len;
	return 0;
}

void
net_proxy_conn_finish(struct net_conn *c)
{
	c->finishing = 1;
	proxy_put_id(c->n->proxy, NMSG_P_FINISH, c->id);
}

void
net_proxy_conn_abort(struct net_conn *c)
{
	proxy_put_id(c->n->proxy, NMSG_P_ABORT, c->id);
	conn_gone(c, NULL, 0);
}

void
net_proxy_conn_drain(struct net_conn *c)
{
	struct nmsg	m;

	memset(&m, 0, sizeof m);
	m.type = NMSG_P_DRAIN;
	m.id = c->id;
	m.t = c->drain_cb != NULL;
	m.a = c->low;
	proxy_put(c->n->proxy, &m);
}
