/*
 * The read-only HTTP API, metrics and dashboard (libmicrohttpd).
 *
 * MHD runs inside the daemon's libevent loop, not in a thread of its
 * own: MHD_USE_EPOLL gives one epoll descriptor that the loop watches,
 * and MHD_run() is called when it is ready or MHD's timeout expires.
 * The listening socket is the daemon's: MHD is loaded (http_lib.c) and
 * started when the first connection comes, and given each one.
 * So every request is answered by the same thread that owns the
 * journal, the cache and the peer table: no locks, no second SQLite
 * connection, and a slow page cannot see half-updated state.
 *
 * Bound to 127.0.0.1 (or IS_BIND when that is a loopback address)
 * unless IS_HTTP_BIND says otherwise.  "Authorization: Bearer TOKEN",
 * the token being $IS_HOME/conf/http_token (made on first start, mode
 * 0600, readable by root only), is needed for what may hold secrets:
 * the status (lock message, a failed command and its output) and the
 * journal (command lines, messages, paths).  On a loopback address any
 * local user may connect, so only the dashboard page, /api/v1/hosts
 * (positions and failure numbers) and /metrics are served without it;
 * off loopback every request needs it.  Bounded: 128 connections, 16
 * from one address, 5 s for a request's headers (http_limit.c), 10 s
 * of silence, 32 KiB per connection.  No chunk content is ever served.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/listener.h>

#include "isconfd.h"
#include "fleet.h"
#include "http_lib.h"

struct http {
	struct evconnlistener	*listener;
	struct mhd_lib		 lib;		/* valid once mhd != NULL */
	struct MHD_Daemon	*mhd;		/* started on first connection */
	struct event		*ev;
	struct event		*timer;
	struct event		*resume;	/* listener paused after an error */
	struct http_limit	*limit;		/* with mhd */
	char			 token[65];
	int			 need_token;
};

static void	http_schedule(struct isconfd *);

static void
http_run(evutil_socket_t fd, short events, void *arg)
{
	struct isconfd	*d = arg;

	(void)fd;
	(void)events;
	d->http->lib.run(d->http->mhd);
	http_schedule(d);
}

static void
http_schedule(struct isconfd *d)
{
	MHD_UNSIGNED_LONG_LONG	ms;
	struct timeval		tv;

	evtimer_del(d->http->timer);
	if (d->http->lib.get_timeout(d->http->mhd, &ms) != MHD_YES)
		return;
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	evtimer_add(d->http->timer, &tv);
}

static enum MHD_Result
reply(const struct mhd_lib *m, struct MHD_Connection *conn, unsigned int code,
    const char *type, const void *p, size_t len)
{
	struct MHD_Response	*r;
	enum MHD_Result		 rv;

	r = m->response_from_buffer(len, (void *)p, MHD_RESPMEM_MUST_COPY);
	m->add_response_header(r, "Content-Type", type);
	m->add_response_header(r, "Cache-Control", "no-store");
	m->add_response_header(r, "X-Content-Type-Options", "nosniff");
	rv = m->queue_response(conn, code, r);
	m->destroy_response(r);
	return rv;
}

static enum MHD_Result
reply_error(const struct mhd_lib *m, struct MHD_Connection *conn,
    unsigned int code, const char *msg)
{
	char	body[256];

	snprintf(body, sizeof body, "{\"error\":\"%s\"}\n", msg);
	return reply(m, conn, code, "application/json", body, strlen(body));
}

/* What a local user may see without the token: no command, message,
 * path or output. */
static int
public_url(const char *url)
{
	return strcmp(url, "/") == 0 || strcmp(url, "/metrics") == 0 ||
	    strcmp(url, "/api/v1/hosts") == 0;
}

static int
authorized(struct isconfd *d, struct MHD_Connection *conn, const char *url)
{
	const char	*h;
	char		 want[80];

	if (!d->http->need_token && public_url(url))
		return 1;
	h = d->http->lib.lookup_value(conn, MHD_HEADER_KIND,
	    "Authorization");
	snprintf(want, sizeof want, "Bearer %s", d->http->token);
	return h != NULL && strlen(h) == strlen(want) &&
	    sodium_memcmp(h, want, strlen(want)) == 0;
}

static int
arg_u64(const struct mhd_lib *m, struct MHD_Connection *conn,
    const char *name, uint64_t def, uint64_t *out)
{
	return http_arg_u64(m->lookup_value(conn, MHD_GET_ARGUMENT_KIND,
	    name), def, out);
}

/* /api/v1/hosts: the query values of the fleet view (fleet.h); -1
 * and the key of the first bad one. */
static int
hosts_args(const struct mhd_lib *m, struct MHD_Connection *conn,
    struct fleet_query *q, const char **bad)
{
	const char	*v;
	size_t		 i;

	fleet_query_init(q);
	for (i = 0; fleet_query_keys[i] != NULL; i++) {
		*bad = fleet_query_keys[i];
		v = m->lookup_value(conn, MHD_GET_ARGUMENT_KIND, *bad);
		if (v != NULL && fleet_query_arg(q, *bad, v) == -1)
			return -1;
	}
	return 0;
}

static enum MHD_Result
route(struct isconfd *d, struct MHD_Connection *conn, const char *url)
{
	struct buf	 b;
	uint64_t	 after, limit;
	struct fleet_query q;
	const struct mhd_lib *m = &d->http->lib;
	const char	*bad;
	char		 msg[64];
	const char	*json = "application/json";
	char		 branch[256], *cause = NULL;
	enum MHD_Result	 rv;
	int		 r = 0;

	buf_init(&b);
	if (strcmp(url, "/api/v1/status") == 0)
		r = status_build(d, &b, 1, &cause);
	else if (strcmp(url, "/api/v1/hosts") == 0) {
		if (hosts_args(m, conn, &q, &bad) == -1) {
			buf_free(&b);
			snprintf(msg, sizeof msg, "bad %s (isconf(8), HTTP "
			    "API)", bad);
			return reply_error(m, conn, 400, msg);
		}
		r = hosts_query(d, &b, 1, &q, 0, &cause);
	}
	else if (strcmp(url, "/metrics") == 0) {
		r = http_metrics(d, &b, &cause);
		json = "text/plain; version=0.0.4";
	} else if (strcmp(url, "/") == 0) {
		buf_add(&b, http_dashboard, strlen(http_dashboard));
		json = "text/html; charset=utf-8";
	} else if (http_journal_url(url, branch)) {
		if (arg_u64(m, conn, "after", 0, &after) == -1 ||
		    arg_u64(m, conn, "limit", 100, &limit) == -1 ||
		    limit == 0 || limit > 10000 || after > UINT64_MAX - limit) {
			buf_free(&b);
			return reply_error(m, conn, 400, "after and limit must be "
			    "numbers, limit 1 to 10000");
		}
		if (!name_valid(branch) || (r = http_journal(d, branch, after,
		    limit, &b, &cause)) == 0) {
			buf_free(&b);
			return reply_error(m, conn, 404, "no such branch");
		}
	} else {
		buf_free(&b);
		return reply_error(m, conn, 404, "not found");
	}
	if (r == -1) {
		/* The cause may name a branch: the log has it, not JSON. */
		log_warnx("HTTP %s: %s", url, cause);
		free(cause);
		buf_free(&b);
		return reply_error(m, conn, 500, "reading the journal failed "
		    "(see the log)");
	}
	buf_add_u8(&b, '\n');
	rv = reply(m, conn, 200, json, b.data, b.len);
	buf_free(&b);
	return rv;
}

static enum MHD_Result
handle(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **state)
{
	struct isconfd	*d = cls;
	const struct mhd_lib *m = &d->http->lib;

	(void)version;
	(void)upload;
	(void)state;
	http_limit_request(d->http->limit, conn);
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return reply_error(m, conn, 405, "read-only: GET only");
	if (*upload_size != 0)
		return reply_error(m, conn, 413, "no request body expected");
	if (!authorized(d, conn, url))
		return reply_error(m, conn, 401, "bearer token required");
	return route(d, conn, url);
}

static int
http_token(struct isconfd *d, char **cause)
{
	uint8_t	 raw[32];
	char	*path, *line = NULL;
	int	 r;

	path = path_join(d->conf.home, "conf/http_token");
	if ((r = file_read_line(path, &line, cause)) == 0 &&
	    strlen(line) == 64) {
		xstrlcpy(d->http->token, line, sizeof d->http->token);
	} else if (r != -1) {
		randombytes_buf(raw, sizeof raw);
		hex_encode(d->http->token, raw, sizeof raw);
		d->http->token[64] = '\n';
		r = file_write_atomic(path, d->http->token, 65, 0600, cause);
		d->http->token[64] = '\0';
	}
	free(line);
	free(path);
	return r == -1 ? -1 : 0;
}

/* Load libmicrohttpd and start it, with no socket of its own: the
 * listener is ours and hands it each connection. */
static int
http_start(struct isconfd *d, char **cause)
{
	struct http			*h = d->http;
	const union MHD_DaemonInfo	*info;

	if (mhd_lib_load(&h->lib, cause) == -1)
		return -1;
	if (h->limit == NULL)
		h->limit = http_limit_new(d->base, &h->lib);
	/* MHD's own limit leaves room for those being closed for others
	 * (http_limit.c) until MHD has seen them go. */
	h->mhd = h->lib.start_daemon(MHD_USE_EPOLL | MHD_USE_NO_LISTEN_SOCKET,
	    0, NULL, NULL, handle, d,
	    MHD_OPTION_NOTIFY_CONNECTION, http_limit_notify, h->limit,
	    MHD_OPTION_NOTIFY_COMPLETED, http_limit_completed, h->limit,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)(2 * HTTP_MAX_CONNS),
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)10,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)32768,
	    MHD_OPTION_END);
	if (h->mhd == NULL)
		return set_cause(cause, "libmicrohttpd did not start");
	info = h->lib.get_daemon_info(h->mhd, MHD_DAEMON_INFO_EPOLL_FD);
	h->ev = event_new(d->base, info->epoll_fd, EV_READ | EV_PERSIST,
	    http_run, d);
	h->timer = evtimer_new(d->base, http_run, d);
	event_add(h->ev, NULL);
	log_info("HTTP status API: libmicrohttpd loaded");
	return 0;
}

static void
http_accept(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct isconfd	*d = arg;
	char		*cause = NULL;

	if (d->http->mhd == NULL && http_start(d, &cause) == -1) {
		log_warnx("HTTP status API off: %s", cause);
		free(cause);
		close(fd);
		evconnlistener_disable(l);
		return;
	}
	if (salen != sizeof(struct sockaddr_in) || http_limit_admit(
	    d->http->limit, (struct sockaddr_in *)sa) == -1) {
		close(fd);
		return;
	}
	/* MHD closes the socket itself if it cannot take it. */
	d->http->lib.add_connection(d->http->mhd, fd, sa, (socklen_t)salen);
	http_run(fd, 0, d);
}

/* Out of descriptors (or memory): the socket stays readable, so
 * pause accepting for a second rather than spin; MHD did this for us
 * when it owned the socket. */
static void
http_accept_error(struct evconnlistener *l, void *arg)
{
	struct isconfd	*d = arg;
	struct timeval	 tv = { 1, 0 };

	log_warn("HTTP status API: accept (paused for 1 s)");
	evconnlistener_disable(l);
	evtimer_add(d->http->resume, &tv);
}

static void
http_resume(evutil_socket_t fd, short events, void *arg)
{
	struct isconfd	*d = arg;

	(void)fd;
	(void)events;
	evconnlistener_enable(d->http->listener);
}

void
http_stats(struct isconfd *d, uint64_t stats[4])
{
	memset(stats, 0, 4 * sizeof stats[0]);
	if (d->http != NULL && d->http->limit != NULL)
		http_limit_stats(d->http->limit, stats);
}

int
http_open(struct isconfd *d, char **cause)
{
	struct sockaddr_in	 sin;
	const char		*bind = env_get(&d->conf.env, "IS_HTTP_BIND");

	if (bind == NULL || *bind == '\0')
		bind = d->conf.bind != NULL &&
		    strncmp(d->conf.bind, "127.", 4) == 0 ? d->conf.bind :
		    "127.0.0.1";
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)d->conf.http_port);
	if (inet_pton(AF_INET, bind, &sin.sin_addr) != 1)
		return set_cause(cause, "IS_HTTP_BIND=%s: not an IPv4 address",
		    bind);
	d->http = xcalloc(1, sizeof *d->http);
	d->http->need_token = strncmp(bind, "127.", 4) != 0;
	if (http_token(d, cause) == -1)
		return -1;
	d->http->listener = evconnlistener_new_bind(d->base, http_accept, d,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC | LEV_OPT_REUSEABLE,
	    32, (struct sockaddr *)&sin, sizeof sin);
	if (d->http->listener == NULL)
		return set_cause(cause, "HTTP on %s:%d: cannot listen", bind,
		    d->conf.http_port);
	d->http->resume = evtimer_new(d->base, http_resume, d);
	evconnlistener_set_error_cb(d->http->listener, http_accept_error);
	log_info("HTTP status API on %s:%d%s", bind, d->conf.http_port,
	    d->http->need_token ? " (bearer token required)" :
	    " (bearer token required for status and journal)");
	return 0;
}

void
http_close(struct isconfd *d)
{
	if (d->http == NULL)
		return;
	if (d->http->ev != NULL)
		event_free(d->http->ev);
	if (d->http->timer != NULL)
		event_free(d->http->timer);
	if (d->http->listener != NULL)
		evconnlistener_free(d->http->listener);
	if (d->http->resume != NULL)
		event_free(d->http->resume);
	if (d->http->mhd != NULL)
		d->http->lib.stop_daemon(d->http->mhd);
	http_limit_free(d->http->limit);
	sodium_memzero(d->http->token, sizeof d->http->token);
	free(d->http);
	d->http = NULL;
}
