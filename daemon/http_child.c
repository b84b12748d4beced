/*
 * The HTTP child: isconfd-http, started by the daemon as "isconfd: http"
 * at the first HTTP connection (http.c).  Its own small binary (this
 * file, http_lib.c, http_msg.c, http_limit.c, privdrop.c and lib/ with
 * libevent and libseccomp; helper.c says why).  It loads libmicrohttpd, starts it on its
 * own libevent loop with the listening socket it was given, then drops
 * its privileges (privdrop.c: _isconf, chrooted to $IS_HOME/empty, no
 * capabilities, no-new-privs, seccomp) before it accepts a connection.
 *
 * What it enforces itself: the HTTP side, with no secret in it: the
 * connection limits (http_limit.c), the method (GET, HEAD), no body,
 * the bounds of the request message (http_msg.h).  Everything else,
 * the token and the query values included, is the parent's: each
 * request goes to it over the socketpair and the child waits for the
 * reply (a second's work at most: the parent answers from its loop),
 * so libmicrohttpd's handler stays synchronous.  When the parent goes
 * (its end closes, or PR_SET_PDEATHSIG) the child exits.
 */
#include <sys/prctl.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/listener.h>

#include "isconfd.h"
#include "http_lib.h"
#include "http_msg.h"
#include "privdrop.h"

#define HTTP_CHILD_WAIT_MS	30000	/* for the parent's reply */

struct http_child {
	struct event_base	*base;
	struct mhd_lib		 lib;
	struct MHD_Daemon	*mhd;
	struct event		*ev;
	struct event		*timer;
	struct event		*parent_ev;
	struct event		*resume;
	struct evconnlistener	*listener;
	struct http_limit	*limit;
	const char		*home;
	uint32_t		 next_id;
};

/* What it calls once dropped, besides privdrop_base: accepting and
 * serving connections, and libmicrohttpd's socket options. */
static const char *const http_child_syscalls[] = {
	"accept", "accept4", "setsockopt", "getsockopt", "getsockname",
	"getpeername", "shutdown", "ioctl", "sendfile", NULL
};

static void	http_child_schedule(struct http_child *);

static void
http_child_run(evutil_socket_t fd, short events, void *arg)
{
	struct http_child	*h = arg;

	(void)fd;
	(void)events;
	h->lib.run(h->mhd);
	http_child_schedule(h);
}

static void
http_child_schedule(struct http_child *h)
{
	MHD_UNSIGNED_LONG_LONG	ms;
	struct timeval		tv;

	evtimer_del(h->timer);
	if (h->lib.get_timeout(h->mhd, &ms) != MHD_YES)
		return;
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	evtimer_add(h->timer, &tv);
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

/* MHD_get_connection_values' iterator: the query values into the
 * request, refusing more or longer ones than a message may carry. */
static enum MHD_Result
http_child_arg(void *arg, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	struct http_req	*req = arg;

	(void)kind;
	if (req->nargs == HTTP_MSG_MAX_ARGS ||
	    strlen(key) > HTTP_MSG_MAX_KEY ||
	    (value != NULL && strlen(value) > HTTP_MSG_MAX_VALUE)) {
		req->nargs = HTTP_MSG_MAX_ARGS + 1;
		return MHD_NO;
	}
	req->args[req->nargs].key = (char *)key;
	req->args[req->nargs].value = (char *)value;
	req->nargs++;
	return MHD_YES;
}

static int
http_child_io(int fd, void *p, size_t len, int out)
{
	struct pollfd	 pfd = { fd, out ? POLLOUT : POLLIN, 0 };
	ssize_t		 n;
	size_t		 done = 0;

	while (done < len) {
		if (poll(&pfd, 1, HTTP_CHILD_WAIT_MS) != 1)
			return -1;
		n = out ? write(fd, (char *)p + done, len - done) :
		    read(fd, (char *)p + done, len - done);
		if (n <= 0 && !(n == -1 && errno == EINTR))
			return -1;
		if (n > 0)
			done += (size_t)n;
	}
	return 0;
}

/* One round trip to the parent.  Failing, the stream is lost: exit,
 * the parent starts another child. */
static void
http_child_ask(const struct http_req *req,
    struct http_rep *rep)
{
	struct buf	 b;
	uint8_t		 hdr[4], *p = NULL;
	size_t		 len = 0;
	char		*cause = NULL;

	buf_init(&b);
	http_req_encode(req, &b);
	if (http_child_io(HTTP_CHILD_PARENT_FD, b.data, b.len, 1) == -1 ||
	    http_child_io(HTTP_CHILD_PARENT_FD, hdr, 4, 0) == -1)
		fatal("HTTP child: parent");
	buf_free(&b);
	if ((len = get_u32(hdr)) > HTTP_MSG_MAX_REP)
		fatalx("HTTP child: a reply of %zu bytes", len);
	p = xmalloc(len + 1);
	if (http_child_io(HTTP_CHILD_PARENT_FD, p, len, 0) == -1)
		fatal("HTTP child: parent");
	if (http_rep_decode(p, len, rep, &cause) == -1 || rep->id != req->id)
		fatalx("HTTP child: %s", cause != NULL ? cause :
		    "reply to another request");
	free(p);
}

#ifdef ISCONF_CRASH_HOOKS
/* Test builds: try what the sandbox must stop (t3020). */
static enum MHD_Result
http_child_hook(struct http_child *h, struct MHD_Connection *conn)
{
	char	*path = path_join(h->home, "journal.db");
	int	 fd = open(path, O_RDONLY | O_CLOEXEC);
	char	 msg[128];

	snprintf(msg, sizeof msg, "open journal.db: %s", fd == -1 ?
	    strerror(errno) : "opened");
	free(path);
	if (fd != -1)
		close(fd);
	return reply_error(&h->lib, conn, fd == -1 ? 403 : 200, msg);
}
#endif

static enum MHD_Result
http_child_handle(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **state)
{
	struct http_child	*h = cls;
	const struct mhd_lib	*m = &h->lib;
	struct http_req		 req;
	struct http_rep		 rep;
	enum MHD_Result		 rv;

	(void)version;
	(void)upload;
	(void)state;
	http_limit_request(h->limit, conn);
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return reply_error(m, conn, 405, "read-only: GET only");
	if (*upload_size != 0)
		return reply_error(m, conn, 413, "no request body expected");
#ifdef ISCONF_CRASH_HOOKS
	if (strcmp(url, "/test/open-journal") == 0)
		return http_child_hook(h, conn);
#endif
	if (*url != '/' || strlen(url) > HTTP_MSG_MAX_PATH)
		return reply_error(m, conn, 414, "URL too long");
	memset(&req, 0, sizeof req);
	req.id = h->next_id++;
	req.head = strcmp(method, "HEAD") == 0;
	http_limit_stats(h->limit, req.stats);
	req.path = (char *)url;
	req.auth = (char *)m->lookup_value(conn, MHD_HEADER_KIND,
	    "Authorization");
	if (req.auth != NULL && strlen(req.auth) > HTTP_MSG_MAX_AUTH)
		req.auth = "";		/* cannot be the token */
	m->connection_values(conn, MHD_GET_ARGUMENT_KIND, http_child_arg, &req);
	if (req.nargs > HTTP_MSG_MAX_ARGS)
		return reply_error(m, conn, 400, "too many or too long query "
		    "values");
	memset(&rep, 0, sizeof rep);
	http_child_ask(&req, &rep);
	rv = reply(m, conn, rep.status, rep.type, rep.body, rep.len);
	http_rep_free(&rep);
	return rv;
}

static void
http_child_accept(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct http_child	*h = arg;

	(void)l;
	if (salen != sizeof(struct sockaddr_in) || http_limit_admit(h->limit,
	    (struct sockaddr_in *)sa) == -1) {
		close(fd);
		return;
	}
	/* MHD closes the socket itself if it cannot take it. */
	h->lib.add_connection(h->mhd, fd, sa, (socklen_t)salen);
	http_child_run(fd, 0, h);
}

/* Out of descriptors (or memory): the socket stays readable, so pause
 * accepting for a second rather than spin. */
static void
http_child_accept_error(struct evconnlistener *l, void *arg)
{
	struct http_child	*h = arg;
	struct timeval		 tv = { 1, 0 };

	log_warn("HTTP status API: accept (paused for 1 s)");
	evconnlistener_disable(l);
	evtimer_add(h->resume, &tv);
}

static void
http_child_resume(evutil_socket_t fd, short events, void *arg)
{
	struct http_child	*h = arg;

	(void)fd;
	(void)events;
	evconnlistener_enable(h->listener);
}

/* The parent says nothing unasked: readable means it is gone. */
static void
http_child_parent(evutil_socket_t fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	(void)arg;
	log_debug("HTTP child: parent gone");
	_exit(0);
}

static int
http_child_start(struct http_child *h, char **cause)
{
	const union MHD_DaemonInfo	*info;

	if (mhd_lib_load(&h->lib, cause) == -1)
		return -1;
	h->base = event_base_new();
	h->limit = http_limit_new(h->base, &h->lib);
	/* MHD's own limit leaves room for those being closed for others
	 * (http_limit.c) until MHD has seen them go. */
	h->mhd = h->lib.start_daemon(MHD_USE_EPOLL | MHD_USE_NO_LISTEN_SOCKET,
	    0, NULL, NULL, http_child_handle, h,
	    MHD_OPTION_NOTIFY_CONNECTION, http_limit_notify, h->limit,
	    MHD_OPTION_NOTIFY_COMPLETED, http_limit_completed, h->limit,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)(2 * HTTP_MAX_CONNS),
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)10,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)32768,
	    MHD_OPTION_END);
	if (h->mhd == NULL)
		return set_cause(cause, "libmicrohttpd did not start");
	info = h->lib.get_daemon_info(h->mhd, MHD_DAEMON_INFO_EPOLL_FD);
	h->ev = event_new(h->base, info->epoll_fd, EV_READ | EV_PERSIST,
	    http_child_run, h);
	h->timer = evtimer_new(h->base, http_child_run, h);
	h->resume = evtimer_new(h->base, http_child_resume, h);
	h->parent_ev = event_new(h->base, HTTP_CHILD_PARENT_FD, EV_READ,
	    http_child_parent, h);
	h->listener = evconnlistener_new(h->base, http_child_accept, h,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, -1,
	    HTTP_CHILD_LISTEN_FD);
	if (h->listener == NULL)
		return set_cause(cause, "cannot listen");
	evconnlistener_set_error_cb(h->listener, http_child_accept_error);
	event_add(h->ev, NULL);
	event_add(h->parent_ev, NULL);
	return 0;
}

int
main(int argc, char **argv)
{
	struct http_child	 h;
	struct privdrop		 pd;
	char			*cause = NULL;

	if (argc != 5 || strcmp(argv[1], "--http-child") != 0) {
		fprintf(stderr, "isconfd-http: the HTTP child of isconfd, "
		    "which starts it\n");
		return 1;
	}
	log_init_mode(argv[3], "isconfd");
	memset(&h, 0, sizeof h);
	h.home = xstrdup(argv[2]);
	memset(&pd, 0, sizeof pd);
	pd.title = "HTTP child";
	pd.home = h.home;
	pd.parent = (pid_t)strtol(argv[4], NULL, 10);
	pd.syscalls = http_child_syscalls;
	/* ps shows "isconfd: http" alone: the arguments (contiguous after
	 * argv[0]) blanked, and the same as the process's name. */
	memset(argv[1], 0, (size_t)(argv[4] + strlen(argv[4]) - argv[1]));
	prctl(PR_SET_NAME, "isconfd: http");
	signal(SIGPIPE, SIG_IGN);
	if (http_child_start(&h, &cause) == -1) {
		log_warnx("HTTP status API off: %s", cause);
		return 1;
	}
	if (privdrop_apply(&pd, &cause) == -1)
		fatalx("HTTP child: %s", cause);
	log_info("HTTP status API: libmicrohttpd loaded");
	event_base_dispatch(h.base);
	return 0;
}
