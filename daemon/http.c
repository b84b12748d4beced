/*
 * The read-only HTTP API, metrics and dashboard: the parent's side.
 *
 * HTTP is served by an unprivileged child (http_child.c, doc/design.md
 * "The HTTP child"): the daemon binds the port, and at the first
 * connection starts the child, isconfd-http (helper.c), which loads
 * libmicrohttpd, drops its privileges (privdrop.c) and accepts on the
 * socket.  For each request the child sends the method, path, query
 * values and Authorization header over a socketpair (http_msg.c) and
 * waits for the status, content type and body.  This side checks the
 * message (http_msg.c bounds it), the token and the query values, and
 * builds the body from the journal, the cache and the peer table in
 * its own event loop, as before: so no SQLite, key or token is in the
 * child.  A child that dies (or sends anything malformed, and is
 * killed) is logged and started again at the next connection, after a
 * backoff of 1 s doubling to 60 s while it keeps dying young.
 *
 * Bound to 127.0.0.1 (or IS_BIND when that is a loopback address)
 * unless IS_HTTP_BIND says otherwise.  "Authorization: Bearer TOKEN",
 * the token being $IS_HOME/conf/http_token (made on first start, mode
 * 0600, readable by root only), is needed for what may hold secrets:
 * the status (lock message, a failed command and its output) and the
 * journal (command lines, messages, paths).  On a loopback address any
 * local user may connect, so only the dashboard page, /api/v1/hosts
 * (positions and failure numbers) and /metrics are served without it;
 * off loopback every request needs it.  The child bounds connections
 * (http_limit.c): 128, 16 from one address, 5 s for a request's
 * headers, 10 s of silence, 32 KiB per connection.  No chunk content is
 * ever served.
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "isconfd.h"
#include "fleet.h"
#include "helper.h"
#include "http_msg.h"

#define HTTP_BACKOFF_MAX	60	/* s */

struct http {
	int			 listen_fd;
	struct event		*listen_ev;	/* armed while no child */
	struct event		*restart;	/* the backoff */
	pid_t			 pid;		/* the child, or 0 */
	time_t			 started;
	int			 backoff;	/* s, next restart's */
	struct bufferevent	*bev;		/* to the child */
	uint64_t		 stats[4];	/* the child's, as last told */
	uint64_t		 stats_dead[4];	/* its predecessors' */
	char			 token[65];
	int			 need_token;
	int			 prog;		/* isconfd-http (helper.c) */
};

static void
rep_set(struct http_rep *rep, unsigned int status, const char *type,
    const void *body, size_t len)
{
	rep->status = status;
	rep->type = xstrdup(type);
	rep->body = xmalloc(len + 1);
	memcpy(rep->body, body, len);
	rep->len = len;
}

static void
rep_error(struct http_rep *rep, unsigned int status, const char *msg)
{
	char	body[256];

	snprintf(body, sizeof body, "{\"error\":\"%s\"}\n", msg);
	rep_set(rep, status, "application/json", body, strlen(body));
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
authorized(struct isconfd *d, const struct http_req *req)
{
	char	want[80];

	if (!d->http->need_token && public_url(req->path))
		return 1;
	snprintf(want, sizeof want, "Bearer %s", d->http->token);
	return req->auth != NULL && strlen(req->auth) == strlen(want) &&
	    sodium_memcmp(req->auth, want, strlen(want)) == 0;
}

/* /api/v1/hosts: the query values of the fleet view (fleet.h); -1
 * and the key of the first bad one. */
static int
hosts_args(const struct http_req *req, struct fleet_query *q,
    const char **bad)
{
	const char	*v;
	size_t		 i;

	fleet_query_init(q);
	for (i = 0; fleet_query_keys[i] != NULL; i++) {
		*bad = fleet_query_keys[i];
		v = http_req_arg(req, *bad);
		if (v != NULL && fleet_query_arg(q, *bad, v) == -1)
			return -1;
	}
	return 0;
}

static void
route(struct isconfd *d, const struct http_req *req, struct http_rep *rep)
{
	struct buf	 b;
	uint64_t	 after, limit;
	struct fleet_query q;
	const char	*bad, *url = req->path;
	char		 msg[64];
	const char	*json = "application/json";
	char		 branch[256], *cause = NULL;
	int		 r = 0;

	buf_init(&b);
	if (strcmp(url, "/api/v1/status") == 0)
		r = status_build(d, &b, 1, &cause);
	else if (strcmp(url, "/api/v1/hosts") == 0) {
		if (hosts_args(req, &q, &bad) == -1) {
			snprintf(msg, sizeof msg, "bad %s (isconf(8), HTTP "
			    "API)", bad);
			rep_error(rep, 400, msg);
			goto out;
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
		if (http_arg_u64(http_req_arg(req, "after"), 0, &after) == -1 ||
		    http_arg_u64(http_req_arg(req, "limit"), 100, &limit) ==
		    -1 || limit == 0 || limit > 10000 ||
		    after > UINT64_MAX - limit) {
			rep_error(rep, 400, "after and limit must be "
			    "numbers, limit 1 to 10000");
			goto out;
		}
		if (!name_valid(branch) || (r = http_journal(d, branch, after,
		    limit, &b, &cause)) == 0) {
			rep_error(rep, 404, "no such branch");
			goto out;
		}
	} else {
		rep_error(rep, 404, "not found");
		goto out;
	}
	if (r == -1) {
		/* The cause may name a branch: the log has it, not JSON. */
		log_warnx("HTTP %s: %s", url, cause);
		free(cause);
		rep_error(rep, 500, "reading the journal failed (see the log)");
		goto out;
	}
	buf_add_u8(&b, '\n');
	rep_set(rep, 200, json, b.data, b.len);
out:
	buf_free(&b);
}

static void
http_answer(struct isconfd *d, const struct http_req *req,
    struct http_rep *rep)
{
	memcpy(d->http->stats, req->stats, sizeof d->http->stats);
	if (!authorized(d, req))
		rep_error(rep, 401, "bearer token required");
	else
		route(d, req, rep);
}

static void	http_child_gone(struct isconfd *, const char *why);

/* The child's messages: each request answered in turn. */
static void
http_read(struct bufferevent *bev, void *arg)
{
	struct isconfd	*d = arg;
	struct evbuffer	*in = bufferevent_get_input(bev);
	struct http_req	 req;
	struct http_rep	 rep;
	struct buf	 out;
	uint8_t		 hdr[4];
	size_t		 len;
	char		*cause = NULL;

	while (evbuffer_copyout(in, hdr, 4) == 4) {
		if ((len = get_u32(hdr)) > HTTP_MSG_MAX_REQ) {
			http_child_gone(d, "sent an oversized message");
			return;
		}
		if (evbuffer_get_length(in) < 4 + len)
			return;
		memset(&req, 0, sizeof req);
		if (http_req_decode(evbuffer_pullup(in, 4 + len) + 4, len,
		    &req, &cause) == -1) {
			log_warnx("HTTP child: %s", cause);
			free(cause);
			http_child_gone(d, "sent a malformed message");
			return;
		}
		evbuffer_drain(in, 4 + len);
		memset(&rep, 0, sizeof rep);
		rep.id = req.id;
		http_answer(d, &req, &rep);
		buf_init(&out);
		http_rep_encode(&rep, &out);
		bufferevent_write(bev, out.data, out.len);
		buf_free(&out);
		http_rep_free(&rep);
		http_req_free(&req);
	}
}

static void
http_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	http_child_gone(arg, what & BEV_EVENT_EOF ? "exited" :
	    "connection failed");
}

static void
http_listen_arm(evutil_socket_t fd, short events, void *arg)
{
	struct isconfd	*d = arg;

	(void)fd;
	(void)events;
	event_add(d->http->listen_ev, NULL);
}

/* The child is gone, or is made to go: reap it, log how it ended, and
 * watch the port again after the backoff. */
static void
http_child_gone(struct isconfd *d, const char *why)
{
	struct http	*h = d->http;
	struct timeval	 tv = { 0, 0 };
	int		 wstatus = 0, i;

	bufferevent_free(h->bev);
	h->bev = NULL;
	kill(h->pid, SIGKILL);
	while (waitpid(h->pid, &wstatus, 0) == -1 && errno == EINTR)
		;
	if (WIFSIGNALED(wstatus) && WTERMSIG(wstatus) != SIGKILL)
		log_warnx("HTTP child %ld %s: killed by signal %d",
		    (long)h->pid, why, WTERMSIG(wstatus));
	else if (WIFSIGNALED(wstatus))
		log_warnx("HTTP child %ld %s: killed", (long)h->pid, why);
	else
		log_warnx("HTTP child %ld %s: status %d", (long)h->pid, why,
		    WEXITSTATUS(wstatus));
	for (i = 0; i < 4; i++)
		h->stats_dead[i] += h->stats[i];
	memset(h->stats, 0, sizeof h->stats);
	h->pid = 0;
	if (time(NULL) - h->started >= HTTP_BACKOFF_MAX)
		h->backoff = 1;
	tv.tv_sec = h->backoff;
	h->backoff = h->backoff * 2 > HTTP_BACKOFF_MAX ? HTTP_BACKOFF_MAX :
	    h->backoff * 2;
	log_info("HTTP child restarts at the next connection, in %d s",
	    (int)tv.tv_sec);
	evtimer_add(h->restart, &tv);
}

/* In the forked child: isconfd-http, with the listening socket and its
 * end of the pair at known descriptors and nothing else of the
 * parent's (http_child.c).  A fresh image: nothing of the parent's
 * memory (keys, SQLite's pages) comes along. */
static void __attribute__((noreturn))
http_exec(struct isconfd *d, int sock, pid_t parent)
{
	char		 ppid[24], mode[8];
	char		*argv[] = { "isconfd: http", "--http-child",
			    d->conf.home, mode, ppid, NULL };
	sigset_t	 none;
	int		 prog;

	snprintf(ppid, sizeof ppid, "%ld", (long)parent);
	xstrlcpy(mode, log_mode(), sizeof mode);
	/* Each out of the others' way first. */
	if ((prog = fcntl(d->http->prog, F_DUPFD_CLOEXEC, 10)) == -1 ||
	    (sock = fcntl(sock, F_DUPFD, 10)) == -1 ||
	    dup2(d->http->listen_fd, HTTP_CHILD_LISTEN_FD) == -1 ||
	    dup2(sock, HTTP_CHILD_PARENT_FD) == -1 ||
	    dup3(prog, HTTP_CHILD_PARENT_FD + 1, O_CLOEXEC) == -1)
		_exit(127);
	close_range(HTTP_CHILD_PARENT_FD + 2, ~0U, 0);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	fexecve(HTTP_CHILD_PARENT_FD + 1, argv, environ);
	_exit(127);
}

/* The first connection (since the last child died): start the child,
 * which takes the listening socket over. */
static void
http_spawn(evutil_socket_t fd, short events, void *arg)
{
	struct isconfd	*d = arg;
	struct http	*h = d->http;
	pid_t		 parent = getpid();
	int		 sv[2];

	(void)fd;
	(void)events;
	struct timeval	 tv = { 1, 0 };

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1) {
		log_warn("HTTP child: socketpair (again in 1 s)");
		evtimer_add(h->restart, &tv);
		return;
	}
	if ((h->pid = fork()) == -1) {
		log_warn("HTTP child: fork (again in 1 s)");
		close(sv[0]);
		close(sv[1]);
		h->pid = 0;
		evtimer_add(h->restart, &tv);
		return;
	}
	if (h->pid == 0)
		http_exec(d, sv[1], parent);
	close(sv[1]);
	h->started = time(NULL);
	evutil_make_socket_nonblocking(sv[0]);
	h->bev = bufferevent_socket_new(d->base, sv[0], BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(h->bev, http_read, NULL, http_event, d);
	bufferevent_setwatermark(h->bev, EV_READ, 0, 4 + HTTP_MSG_MAX_REQ);
	bufferevent_enable(h->bev, EV_READ | EV_WRITE);
	log_info("HTTP child %ld started", (long)h->pid);
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

void
http_stats(struct isconfd *d, uint64_t stats[4])
{
	int	i;

	memset(stats, 0, 4 * sizeof stats[0]);
	if (d->http == NULL)
		return;
	for (i = 0; i < 4; i++)
		stats[i] = d->http->stats_dead[i] + d->http->stats[i];
}

static int
http_listen(const struct sockaddr_in *sin)
{
	int	fd, one = 1;

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) ==
	    -1 || bind(fd, (const struct sockaddr *)sin, sizeof *sin) == -1 ||
	    listen(fd, 32) == -1) {
		close(fd);
		return -1;
	}
	return fd;
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
	d->http->listen_fd = -1;
	d->http->backoff = 1;
	d->http->need_token = strncmp(bind, "127.", 4) != 0;
	d->http->prog = -1;
	if (http_token(d, cause) == -1 ||
	    (d->http->prog = helper_open(HELPER_HTTP, cause)) == -1)
		return -1;
	if ((d->http->listen_fd = http_listen(&sin)) == -1)
		return set_cause(cause, "HTTP on %s:%d: cannot listen: %s",
		    bind, d->conf.http_port, strerror(errno));
	d->http->listen_ev = event_new(d->base, d->http->listen_fd, EV_READ,
	    http_spawn, d);
	d->http->restart = evtimer_new(d->base, http_listen_arm, d);
	event_add(d->http->listen_ev, NULL);
	log_info("HTTP status API on %s:%d%s", bind, d->conf.http_port,
	    d->http->need_token ? " (bearer token required)" :
	    " (bearer token required for status and journal)");
	return 0;
}

void
http_close(struct isconfd *d)
{
	struct http	*h = d->http;

	if (h == NULL)
		return;
	if (h->bev != NULL)
		bufferevent_free(h->bev);
	if (h->pid > 0) {
		kill(h->pid, SIGKILL);
		while (waitpid(h->pid, NULL, 0) == -1 && errno == EINTR)
			;
	}
	if (h->listen_ev != NULL)
		event_free(h->listen_ev);
	if (h->restart != NULL)
		event_free(h->restart);
	if (h->listen_fd != -1)
		close(h->listen_fd);
	if (h->prog != -1)
		close(h->prog);
	sodium_memzero(h->token, sizeof h->token);
	free(h);
	d->http = NULL;
}
