/*
 * Limits on the HTTP port, so that connections which never finish a
 * request cannot keep others out (doc/protocol.md, "Local ports").
 * libmicrohttpd's own time-out is one of silence, which a client that
 * trickles a header byte at a time never reaches, and its per-address
 * limit refuses the newcomer, which on loopback (every local client is
 * 127.0.0.1) is the legitimate one as often as not.  So the daemon
 * keeps its own table of MHD's connections (MHD tells it when one
 * starts, has its headers, finishes a request, and closes):
 *
 * - a connection has HTTP_HEADER_SECS from its start, or from the end
 *   of its last request, to send a request's headers, else it is
 *   closed;
 * - with HTTP_MAX_PER_ADDR from one address, or HTTP_MAX_CONNS in all,
 *   a newcomer closes the oldest of them that is not in a request, and
 *   is refused only when all are.
 *
 * Closing is shutdown(2) of the socket: MHD sees the end of the stream
 * and closes it itself (and tells us), so no descriptor is closed
 * behind its back.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "isconfd.h"
#include "http_lib.h"

struct http_conn {
	struct in_addr		 addr;
	int			 fd;
	int64_t			 since;		/* start or last request end */
	int			 in_request;	/* headers in, not answered */
	int			 closing;	/* shut down, MHD to close it */
	TAILQ_ENTRY(http_conn)	 entry;
};

struct http_limit {
	const struct mhd_lib	*lib;
	struct event		*timer;
	struct event		*trim;		/* once the last one is gone */
	TAILQ_HEAD(, http_conn)	 conns;		/* oldest first */
	uint64_t		 stats[4];	/* enum http_limit_reason */
	int64_t			 log_next[4];
};

static const char *const reason_text[] = {
	"refused a connection: its address has all its slots in requests",
	"refused a connection: every slot is in a request",
	"closed a connection that sent no request headers within 5 s",
	"closed the oldest idle connection for a new one",
};

static void
limit_count(struct http_limit *l, enum http_limit_reason r,
    const struct in_addr *addr)
{
	int64_t	now = now_ns();

	l->stats[r]++;
	if (now < l->log_next[r])
		return;
	l->log_next[r] = now + 10 * 1000000000LL;
	log_warnx("HTTP: %s (%s; %llu so far; next such message in 10 s at "
	    "most)", reason_text[r], inet_ntoa(*addr),
	    (unsigned long long)l->stats[r]);
}

static void
conn_close(struct http_limit *l, struct http_conn *hc,
    enum http_limit_reason r)
{
	limit_count(l, r, &hc->addr);
	hc->closing = 1;
	shutdown(hc->fd, SHUT_RDWR);
}

static void
limit_tick(evutil_socket_t fd, short events, void *arg)
{
	struct http_limit	*l = arg;
	struct http_conn	*hc;
	int64_t			 old = now_ns() - HTTP_HEADER_SECS *
				    1000000000LL;

	(void)fd;
	(void)events;
	TAILQ_FOREACH(hc, &l->conns, entry)
		if (!hc->closing && !hc->in_request && hc->since < old)
			conn_close(l, hc, HTTP_HEADER_TIMEOUT);
}

/* No connection left: what their requests and replies used (MHD's
 * pools, the bodies) goes back to the system, not kept resident in an
 * idle child below glibc's trim threshold. */
static void
limit_trim(evutil_socket_t fd, short events, void *arg)
{
	struct http_limit	*l = arg;

	(void)fd;
	(void)events;
	if (TAILQ_EMPTY(&l->conns))
		malloc_trim(0);
}

struct http_limit *
http_limit_new(struct event_base *base, const struct mhd_lib *lib)
{
	struct http_limit	*l = xcalloc(1, sizeof *l);

	l->lib = lib;
	TAILQ_INIT(&l->conns);
	l->timer = event_new(base, -1, EV_PERSIST, limit_tick, l);
	l->trim = evtimer_new(base, limit_trim, l);
	return l;
}

void
http_limit_free(struct http_limit *l)
{
	struct http_conn	*hc;

	if (l == NULL)
		return;
	while ((hc = TAILQ_FIRST(&l->conns)) != NULL) {
		TAILQ_REMOVE(&l->conns, hc, entry);
		free(hc);
	}
	event_free(l->timer);
	event_free(l->trim);
	free(l);
}

/* The oldest open connection not in a request, from addr (or from
 * anywhere when addr is NULL), and how many are open. */
static struct http_conn *
oldest_idle(struct http_limit *l, const struct in_addr *addr, int *count)
{
	struct http_conn	*hc, *idle = NULL;

	*count = 0;
	TAILQ_FOREACH(hc, &l->conns, entry) {
		if (hc->closing || (addr != NULL &&
		    hc->addr.s_addr != addr->s_addr))
			continue;
		(*count)++;
		if (idle == NULL && !hc->in_request)
			idle = hc;
	}
	return idle;
}

int
http_limit_admit(struct http_limit *l, const struct sockaddr_in *sin)
{
	struct http_conn	*idle;
	int			 count;

	idle = oldest_idle(l, &sin->sin_addr, &count);
	if (count >= HTTP_MAX_PER_ADDR) {
		if (idle == NULL) {
			limit_count(l, HTTP_REFUSED_ADDR, &sin->sin_addr);
			return -1;
		}
		conn_close(l, idle, HTTP_EVICTED);
	}
	idle = oldest_idle(l, NULL, &count);
	if (count >= HTTP_MAX_CONNS) {
		if (idle == NULL) {
			limit_count(l, HTTP_REFUSED_FULL, &sin->sin_addr);
			return -1;
		}
		conn_close(l, idle, HTTP_EVICTED);
	}
	return 0;
}

void
http_limit_notify(void *cls, struct MHD_Connection *conn, void **ctx,
    enum MHD_ConnectionNotificationCode code)
{
	struct http_limit		*l = cls;
	struct http_conn		*hc = *ctx;
	const union MHD_ConnectionInfo	*fd, *addr;
	struct timeval			 tv = { 1, 0 };

	if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
		if (hc == NULL)
			return;
		TAILQ_REMOVE(&l->conns, hc, entry);
		free(hc);
		*ctx = NULL;
		if (TAILQ_EMPTY(&l->conns)) {
			evtimer_del(l->timer);
			/* After MHD has freed the connection. */
			tv.tv_sec = 0;
			tv.tv_usec = 100000;
			evtimer_add(l->trim, &tv);
		}
		return;
	}
	fd = l->lib->get_connection_info(conn,
	    MHD_CONNECTION_INFO_CONNECTION_FD);
	addr = l->lib->get_connection_info(conn,
	    MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (fd == NULL || addr == NULL || addr->client_addr->sa_family !=
	    AF_INET)
		return;		/* our listener is IPv4 only */
	hc = xcalloc(1, sizeof *hc);
	hc->fd = fd->connect_fd;
	hc->addr = ((struct sockaddr_in *)addr->client_addr)->sin_addr;
	hc->since = now_ns();
	if (TAILQ_EMPTY(&l->conns))
		evtimer_add(l->timer, &tv);
	TAILQ_INSERT_TAIL(&l->conns, hc, entry);
	*ctx = hc;
}

/* The connection's table entry, or NULL. */
static struct http_conn *
conn_find(struct http_limit *l, struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo	*i;

	i = l->lib->get_connection_info(conn,
	    MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return i != NULL ? i->socket_context : NULL;
}

void
http_limit_request(struct http_limit *l, struct MHD_Connection *conn)
{
	struct http_conn	*hc = conn_find(l, conn);

	if (hc != NULL)
		hc->in_request = 1;
}

void
http_limit_completed(void *cls, struct MHD_Connection *conn, void **req,
    enum MHD_RequestTerminationCode code)
{
	struct http_limit	*l = cls;
	struct http_conn	*hc = conn_find(l, conn);

	(void)req;
	(void)code;
	if (hc == NULL)
		return;
	hc->in_request = 0;
	hc->since = now_ns();
}

void
http_limit_stats(const struct http_limit *l, uint64_t stats[4])
{
	memcpy(stats, l->stats, sizeof l->stats);
}
