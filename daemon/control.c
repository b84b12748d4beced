/*
 * The control socket: accepts local clients (same uid or root, checked
 * with SO_PEERCRED), receives one request with the client's stdout and
 * stderr attached, dispatches it to a verb, and streams answers back.
 * Each client gets only its own messages.  Idle clients cannot lock
 * others out: a request must come within CTL_REQUEST_SECS, and when
 * all CTL_MAX_CLIENTS slots are taken the oldest idle client makes
 * room (doc/protocol.md, "Local ports").
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "isconfd.h"

#define CTL_MAX_CLIENTS	64
#define CTL_REQUEST_SECS	5	/* to send a whole request */

extern const struct verb_entry verb_branches_entry;
extern const struct verb_entry verb_bundle_entry;
extern const struct verb_entry verb_ci_entry;
extern const struct verb_entry verb_env_entry;
extern const struct verb_entry verb_exec_entry;
extern const struct verb_entry verb_fork_entry;
extern const struct verb_entry verb_hosts_entry;
extern const struct verb_entry verb_image_entry;
extern const struct verb_entry verb_key_entry;
extern const struct verb_entry verb_lock_entry;
extern const struct verb_entry verb_log_entry;
extern const struct verb_entry verb_migrate_entry;
extern const struct verb_entry verb_resolve_entry;
extern const struct verb_entry verb_ping_entry;
extern const struct verb_entry verb_reboot_entry;
extern const struct verb_entry verb_report_entry;
extern const struct verb_entry verb_skip_entry;
extern const struct verb_entry verb_snap_entry;
extern const struct verb_entry verb_status_entry;
extern const struct verb_entry verb_stop_entry;
extern const struct verb_entry verb_unlock_entry;
extern const struct verb_entry verb_up_entry;
extern const struct verb_entry verb_hold_entry;
extern const struct verb_entry verb_cache_entry;
extern const struct verb_entry verb_release_entry;
extern const struct verb_entry verb_verify_entry;

/* One per spec in lib/verbs.c (t/unit/test_verbs.c checks). */
const struct verb_entry *const verb_entries[] = {
	&verb_branches_entry,
	&verb_bundle_entry,
	&verb_ci_entry,
	&verb_env_entry,
	&verb_exec_entry,
	&verb_fork_entry,
	&verb_hosts_entry,
	&verb_image_entry,
	&verb_key_entry,
	&verb_lock_entry,
	&verb_log_entry,
	&verb_migrate_entry,
	&verb_resolve_entry,
	&verb_ping_entry,
	&verb_reboot_entry,
	&verb_report_entry,
	&verb_skip_entry,
	&verb_snap_entry,
	&verb_status_entry,
	&verb_stop_entry,
	&verb_unlock_entry,
	&verb_up_entry,
	&verb_hold_entry,
	&verb_cache_entry,
	&verb_release_entry,
	&verb_verify_entry,
	NULL,
};

static void	client_read(evutil_socket_t, short, void *);
static void	client_write(evutil_socket_t, short, void *);

static void
client_free(struct client *c)
{
	struct isconfd	*d = c->d;

	if (d->busy == c)
		d->busy = NULL;
	TAILQ_REMOVE(&d->clients, c, entry);
	event_free(c->rev);
	event_free(c->wev);
	event_free(c->req_ev);
	evbuffer_free(c->in);
	evbuffer_free(c->out);
	if (c->outfd != -1)
		close(c->outfd);
	if (c->errfd != -1)
		close(c->errfd);
	close(c->fd);
	ctl_request_free(&c->req);
	free(c);
}

/* Free a client once it is both finished and flushed (or gone). */
static void
client_maybe_free(struct client *c)
{
	if (c->exited && (c->dead || evbuffer_get_length(c->out) == 0))
		client_free(c);
}

static void
client_frame(struct client *c, uint32_t type, const void *p, size_t len)
{
	uint8_t	hdr[CTL_HDR_LEN];

	if (c->dead)
		return;
	put_u32(hdr, type);
	put_u32(hdr + 4, (uint32_t)len);
	evbuffer_add(c->out, hdr, sizeof hdr);
	evbuffer_add(c->out, p, len);
	event_add(c->wev, NULL);
}

static void
client_vtext(struct client *c, uint32_t type, const char *prefix,
    const char *fmt, va_list ap)
{
	char	*msg, *line;

	xvasprintf(&msg, fmt, ap);
	xasprintf(&line, "%s%s\n", prefix, msg);
	client_frame(c, type, line, strlen(line));
	free(line);
	free(msg);
}

void
client_out(struct client *c, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	client_vtext(c, CTL_OUT, "", fmt, ap);
	va_end(ap);
}

void
client_info(struct client *c, const char *fmt, ...)
{
	va_list	ap;

	if (c->req.flags & CTL_F_QUIET)
		return;
	va_start(ap, fmt);
	client_vtext(c, CTL_OUT, "isconf: ", fmt, ap);
	va_end(ap);
}

void
client_err(struct client *c, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	client_vtext(c, CTL_ERR, "isconf: error: ", fmt, ap);
	va_end(ap);
}

void
client_hint(struct client *c, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	client_vtext(c, CTL_ERR, "isconf: ", fmt, ap);
	va_end(ap);
}

/* A progress line for a terminal: only when the client's stderr is one
 * and it did not ask for quiet; redrawn in place. */
void
client_progress(struct client *c, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	if (!(c->req.flags & CTL_F_TTY) || (c->req.flags & CTL_F_QUIET))
		return;
	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	client_frame(c, CTL_ERR, msg, strlen(msg));
	free(msg);
}

/* Send b's text to the client's stdout; frees b. */
void
client_buf(struct client *c, struct buf *b)
{
	buf_add_u8(b, 0);
	client_out(c, "%s", (char *)b->data);
	buf_free(b);
}

/* Answer a read-only verb with what build makes (table or --json). */
void
client_reply(struct client *c, int (*build)(struct isconfd *, struct buf *,
    int json, char **cause))
{
	struct buf	 b;
	char		*cause = NULL;
	int		 rv;

	buf_init(&b);
	rv = build(c->d, &b, c->req.flags & CTL_F_JSON, &cause);
	client_reply_built(c, rv, &b, cause);
}

/* What a builder made into b (rv 0), or its failure (rv -1); b and
 * cause are freed. */
void
client_reply_built(struct client *c, int rv, struct buf *b, char *cause)
{
	if (rv == -1) {
		buf_free(b);
		client_fail(c, cause);
		free(cause);
		return;
	}
	client_buf(c, b);
	client_exit(c, 0);
}

void
client_exit(struct client *c, int status)
{
	uint8_t	p[4];

	put_u32(p, (uint32_t)status);
	client_frame(c, CTL_EXIT, p, sizeof p);
	c->exited = 1;
	if (c->d->busy == c)
		c->d->busy = NULL;
	client_maybe_free(c);
}

void
client_fail(struct client *c, const char *cause)
{
	client_err(c, "%s", cause);
	client_exit(c, 1);
}

int
client_claim(struct client *c)
{
	struct client	*b = c->d->busy;

	if (b != NULL && b != c) {
		client_err(c, "another isconf %s is changing this host; try "
		    "again when it is done", b->req.argv[0]);
		client_exit(c, 1);
		return -1;
	}
	c->d->busy = c;
	return 0;
}

char *
client_path(struct client *c, const char *p)
{
	if (p[0] == '/')
		return xstrdup(p);
	return path_join(c->req.cwd, p);
}

char *
client_args(struct client *c, size_t from)
{
	struct buf	b;
	size_t		i;

	buf_init(&b);
	for (i = from; i < c->req.argc; i++)
		buf_printf(&b, "%s%s", i > from ? " " : "", c->req.argv[i]);
	buf_add_u8(&b, 0);
	return (char *)b.data;
}

const struct verb_entry *
verb_entry_find(const char *name)
{
	const struct verb_entry *const	*e;

	for (e = verb_entries; *e != NULL; e++)
		if (strcmp((*e)->name, name) == 0)
			return *e;
	return NULL;
}

static void
client_dispatch(struct client *c)
{
	const struct verb_spec	*v = verb_find(c->req.argv[0]);
	const struct verb_entry	*e = verb_entry_find(c->req.argv[0]);
	char			 esc[128];

	if (v == NULL || e == NULL) {
		log_escape(esc, sizeof esc, c->req.argv[0]);
		client_err(c, "unknown verb '%s' (isconf -h lists them)", esc);
		client_exit(c, EXIT_USAGE);
		return;
	}
	if (!verb_args_ok(v, (int)c->req.argc - 1)) {
		client_err(c, "usage: isconf %s", v->usage);
		client_exit(c, EXIT_USAGE);
		return;
	}
	if ((v->flags & VERB_CHANGES) && client_claim(c) == -1)
		return;
	log_debug("request: %s", v->name);
	e->exec(c);
}

static void
client_take_fds(struct client *c, struct msghdr *msg)
{
	struct cmsghdr	*cm;
	int		 n;

	for (cm = CMSG_FIRSTHDR(msg); cm != NULL; cm = CMSG_NXTHDR(msg, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		n = (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		for (int i = 0; i < n; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof fd);
			if (i == 0 && c->outfd == -1)
				c->outfd = fd;
			else if (i == 1 && c->errfd == -1)
				c->errfd = fd;
			else
				close(fd);
		}
	}
}

/* Returns 1 when a full request has been handled, 0 for more, -1 bad. */
static int
client_try_request(struct client *c)
{
	uint8_t	 hdr[CTL_HDR_LEN];
	uint8_t	*p;
	size_t	 len;
	char	*cause = NULL;

	if (evbuffer_get_length(c->in) < CTL_HDR_LEN)
		return 0;
	evbuffer_copyout(c->in, hdr, sizeof hdr);
	len = get_u32(hdr + 4);
	if (get_u32(hdr) != CTL_REQUEST || len > CTL_MAX_FRAME) {
		client_err(c, "malformed request");
		client_exit(c, 1);
		return -1;
	}
	if (evbuffer_get_length(c->in) < CTL_HDR_LEN + len)
		return 0;
	evbuffer_drain(c->in, CTL_HDR_LEN);
	p = xmalloc(len);
	evbuffer_remove(c->in, p, len);
	c->have_req = 1;
	if (ctl_request_parse(&c->req, p, len, &cause) == -1) {
		client_err(c, "%s", cause);
		client_exit(c, 1);
		free(cause);
		free(p);
		return -1;
	}
	free(p);
	client_dispatch(c);
	return 1;
}

static void
client_read(evutil_socket_t fd, short events, void *arg)
{
	struct client	*c = arg;
	uint8_t		 data[8192];
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(4 * sizeof(int))];
	} cmsgbuf;
	struct iovec	 iov = { data, sizeof data };
	struct msghdr	 msg;
	ssize_t		 n;

	(void)events;
	memset(&msg, 0, sizeof msg);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = &cmsgbuf.buf;
	msg.msg_controllen = sizeof cmsgbuf.buf;
	n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		event_del(c->rev);
		/* An interrupted client (exec): its verb stops, and says
		 * so if the client still reads. */
		if (c->have_req && !c->exited && c->cancel != NULL) {
			void (*cancel)(struct client *) = c->cancel;

			c->cancel = NULL;
			cancel(c);
			return;
		}
		/* The client went away; a running job carries on. */
		c->dead = 1;
		if (!c->have_req)
			c->exited = 1;
		client_maybe_free(c);
		return;
	}
	client_take_fds(c, &msg);
	if (c->have_req)
		return;		/* nothing more expected; ignore */
	evbuffer_add(c->in, data, (size_t)n);
	client_try_request(c);
}

static void
client_write(evutil_socket_t fd, short events, void *arg)
{
	struct client	*c = arg;

	(void)events;
	if (evbuffer_write(c->out, fd) == -1 && errno != EAGAIN &&
	    errno != EINTR) {
		c->dead = 1;
		evbuffer_drain(c->out, evbuffer_get_length(c->out));
	}
	if (evbuffer_get_length(c->out) > 0 && !c->dead)
		event_add(c->wev, NULL);
	client_maybe_free(c);
}

static int
peer_allowed(int fd)
{
	struct ucred	cred;
	socklen_t	len = sizeof cred;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1)
		return 0;
	return cred.uid == 0 || cred.uid == geteuid();
}

enum { DROP_IDLE, DROP_EVICTED, DROP_REFUSED };

/* Log a client dropped or refused, at most once per 10 s per reason:
 * a local flood must not fill the log. */
static void
control_drop_log(int reason, const char *why)
{
	static int64_t	next[3];
	int64_t		now = now_ns();

	if (now < next[reason])
		return;
	next[reason] = now + 10 * 1000000000LL;
	log_warnx("control: %s (next such message in 10 s at most)", why);
}

/* A client that has not sent a whole request in time is dropped; once
 * it has, it stays as long as its verb runs (up, lock, exec). */
static void
client_deadline(evutil_socket_t fd, short events, void *arg)
{
	struct client	*c = arg;

	(void)fd;
	(void)events;
	if (c->have_req)
		return;
	control_drop_log(DROP_IDLE, "dropped a client that sent no "
	    "request within 5 s");
	client_free(c);
}

/* Every slot is taken: free the oldest client that has sent no
 * request, else the oldest one whose verb is done and whose answer
 * it is not reading.  -1 if every client has a verb running. */
static int
client_evict(struct isconfd *d)
{
	struct client	*c, *done = NULL;

	TAILQ_FOREACH(c, &d->clients, entry) {
		if (!c->have_req)
			break;
		if (done == NULL && c->exited)
			done = c;
	}
	if (c == NULL && (c = done) == NULL)
		return -1;
	control_drop_log(DROP_EVICTED, "dropped the oldest idle client "
	    "for a new one: 64 were connected");
	client_free(c);
	return 0;
}

static void
control_accept(evutil_socket_t lfd, short events, void *arg)
{
	struct isconfd	*d = arg;
	struct client	*c;
	struct timeval	 tv = { CTL_REQUEST_SECS, 0 };
	int		 fd, n = 0;
	const char	*why = NULL;

	(void)events;
	if ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) == -1)
		return;
	TAILQ_FOREACH(c, &d->clients, entry)
		n++;
	if (!peer_allowed(fd))
		why = "refused a client: wrong uid";
	else if (n >= CTL_MAX_CLIENTS && client_evict(d) == -1)
		why = "refused a client: 64 are running verbs";
	if (why != NULL) {
		control_drop_log(DROP_REFUSED, why);
		close(fd);
		return;
	}
	c = xcalloc(1, sizeof *c);
	c->d = d;
	c->fd = fd;
	c->outfd = c->errfd = -1;
	c->in = evbuffer_new();
	c->out = evbuffer_new();
	c->rev = event_new(d->base, fd, EV_READ | EV_PERSIST, client_read, c);
	c->wev = event_new(d->base, fd, EV_WRITE, client_write, c);
	c->req_ev = evtimer_new(d->base, client_deadline, c);
	TAILQ_INSERT_TAIL(&d->clients, c, entry);
	event_add(c->rev, NULL);
	evtimer_add(c->req_ev, &tv);
}

int
control_listen(struct isconfd *d, char **cause)
{
	struct sockaddr_un	sun;
	mode_t			old;

	d->ctl_path = path_join(d->conf.home, CTL_SOCKET);
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (xstrlcpy(sun.sun_path, d->ctl_path, sizeof sun.sun_path) >=
	    sizeof sun.sun_path)
		return set_cause(cause, "%s: path too long", d->ctl_path);
	if ((d->ctl_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1)
		return set_cause(cause, "socket: %s", strerror(errno));
	/* We hold the pid-file lock, so a leftover socket is stale. */
	unlink(d->ctl_path);
	old = umask(0177);
	if (bind(d->ctl_fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
		umask(old);
		return set_cause(cause, "bind %s: %s", d->ctl_path,
		    strerror(errno));
	}
	umask(old);
	chmod(d->ctl_path, 0600);
	if (listen(d->ctl_fd, 16) == -1)
		return set_cause(cause, "listen: %s", strerror(errno));
	d->ctl_ev = event_new(d->base, d->ctl_fd, EV_READ | EV_PERSIST,
	    control_accept, d);
	event_add(d->ctl_ev, NULL);
	return 0;
}

void
control_close(struct isconfd *d)
{
	struct client	*c, *next;

	for (c = TAILQ_FIRST(&d->clients); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		/* Best effort: flush what is queued before we go. */
		if (!c->dead)
			evbuffer_write(c->out, c->fd);
		client_free(c);
	}
	if (d->ctl_ev != NULL)
		event_free(d->ctl_ev);
	if (d->ctl_fd != -1) {
		close(d->ctl_fd);
		unlink(d->ctl_path);
	}
	free(d->ctl_path);
}
