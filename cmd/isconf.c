/*
 * isconf: the thin client.  Parses flags and the verb, sends one request
 * to the host's isconfd over $IS_HOME/ctl.sock, streams its answers, and
 * exits with the daemon's status.  start/stop/restart manage isconfd.
 */
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"
#include "proto.h"
#include "conf.h"

/* Where the daemon's standard output goes: 2 for -D. */
static int	out_fd = 1;
/* exec: the control socket, shut on the first interrupt. */
static volatile sig_atomic_t	cancel_fd = -1, cancels;

struct opts {
	const char	*maincf;
	const char	*message;
	int		 debug;
	uint32_t	 flags;
};

static void __attribute__((noreturn))
die(int code, const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "isconf: error: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(code);
}

static void
usage(FILE *f)
{
	const struct verb_spec	*v;

	fprintf(f, "usage: isconf [-DhqrV] [-c config] [-m message] [--json] "
	    "verb [args...]\nverbs:\n  start | stop | restart\n");
	for (v = verb_specs; v->name != NULL; v++)
		if (!(v->flags & VERB_INTERNAL))
			fprintf(f, "  %s\n", v->usage);
}

static int
ctl_connect(const struct conf *c)
{
	struct sockaddr_un	 sun;
	char			*path = path_join(c->home, CTL_SOCKET);
	int			 fd;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (xstrlcpy(sun.sun_path, path, sizeof sun.sun_path) >=
	    sizeof sun.sun_path)
		die(1, "%s: path too long", path);
	free(path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		die(1, "socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
		/* IS_HOME is 0700: not "not running" for a user who may
		 * not look. */
		if (errno == EACCES || errno == EPERM)
			die(1, "cannot connect to isconfd at %s: %s (run as "
			    "root)", sun.sun_path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static const char *
author(void)
{
	const char	*names[] = { "SUDO_USER", "USER", "LOGNAME" };
	struct passwd	*pw;
	size_t		 i;

	for (i = 0; i < 3; i++)
		if (getenv(names[i]) != NULL && *getenv(names[i]) != '\0')
			return getenv(names[i]);
	return (pw = getpwuid(getuid())) ? pw->pw_name : "unknown";
}

static void
ctl_send(int fd, uint32_t flags, int argc, char **argv)
{
	struct buf	 b;
	char		 cwd[PATH_MAX];
	int		 fds[2] = { 1, 2 }, i;
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof fds)];
	} cmsgbuf;
	struct msghdr	 msg;
	struct iovec	 iov;
	struct cmsghdr	*cm;
	ssize_t		 n;

	if (getcwd(cwd, sizeof cwd) == NULL)
		die(1, "getcwd: %s", strerror(errno));
	buf_init(&b);
	buf_add_u32(&b, CTL_REQUEST);
	buf_add_u32(&b, 0);
	buf_add_u32(&b, CTL_VERSION);
	buf_add_u32(&b, flags);
	buf_add_str(&b, cwd);
	buf_add_str(&b, author());
	buf_add_u32(&b, (uint32_t)argc);
	for (i = 0; i < argc; i++)
		buf_add_str(&b, argv[i]);
	if (b.len - CTL_HDR_LEN > CTL_MAX_FRAME)
		die(EXIT_USAGE, "arguments too long");
	put_u32(b.data + 4, (uint32_t)(b.len - CTL_HDR_LEN));
	memset(&msg, 0, sizeof msg);
	iov.iov_base = b.data;
	iov.iov_len = b.len;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cmsgbuf.buf;
	msg.msg_controllen = sizeof cmsgbuf.buf;
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof fds);
	memcpy(CMSG_DATA(cm), fds, sizeof fds);
	if ((n = sendmsg(fd, &msg, MSG_NOSIGNAL)) == -1)
		die(1, "sending request: %s", strerror(errno));
	if ((size_t)n < b.len && write(fd, b.data + n, b.len - (size_t)n) !=
	    (ssize_t)(b.len - (size_t)n))
		die(1, "sending request: %s", strerror(errno));
	buf_free(&b);
}

static int
read_full(int fd, void *p, size_t n)
{
	size_t	got = 0;
	ssize_t	r;

	while (got < n) {
		r = read(fd, (char *)p + got, n - got);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

static void
write_all(int fd, const void *p, size_t n)
{
	ssize_t	w;

	while (n > 0 && (w = write(fd, p, n)) > 0) {
		p = (const char *)p + w;
		n -= (size_t)w;
	}
}

/* Stream the daemon's answer; returns its exit status.  No timeout: a
 * long or silent command never makes the client give up. */
static int
ctl_stream(int fd, char *out, size_t outlen)
{
	uint8_t	 hdr[CTL_HDR_LEN], *p;
	uint32_t type, len;
	int	 status;

	for (;;) {
		if (read_full(fd, hdr, sizeof hdr) == -1)
			die(1, "isconfd closed the connection without an "
			    "answer (see its log)");
		type = get_u32(hdr);
		if ((len = get_u32(hdr + 4)) > CTL_MAX_FRAME)
			die(1, "malformed answer from isconfd");
		p = xmalloc(len);
		if (read_full(fd, p, len) == -1)
			die(1, "isconfd closed the connection mid-answer");
		if (type == CTL_EXIT && len == 4) {
			status = (int)get_u32(p);
			free(p);
			return status;
		}
		if (type == CTL_OUT && out != NULL) {
			snprintf(out, outlen, "%.*s", (int)len, (char *)p);
		} else if (type == CTL_OUT || type == CTL_ERR) {
			fflush(stdout);
			write_all(type == CTL_OUT ? out_fd : 2, p, len);
		}
		free(p);
	}
}

/*
 * exec interrupted (Ctrl-C, SIGTERM, SIGHUP): shut our end of the
 * socket, which tells isconfd to end the command's process group and
 * journal nothing, and keep reading its answer.  A second interrupt
 * leaves at once (the command is ended all the same).
 */
static void
on_interrupt(int sig)
{
	static const char	msg[] = "\nisconf: interrupted: stopping the "
	    "command; nothing is journaled\n";
	int			saved = errno;
	ssize_t			w;

	(void)sig;
	if (cancels++ > 0)
		_exit(130);
	w = write(2, msg, sizeof msg - 1);
	(void)w;	/* nothing to be done if stderr is gone */
	shutdown(cancel_fd, SHUT_WR);
	errno = saved;
}

static void
catch_interrupts(int fd)
{
	struct sigaction	sa, old;

	cancel_fd = fd;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_interrupt;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* nohup's SIGHUP stays ignored. */
	if (sigaction(SIGHUP, NULL, &old) == 0 && old.sa_handler != SIG_IGN)
		sigaction(SIGHUP, &sa, NULL);
}

static int
ctl_request(const struct conf *c, uint32_t flags, int argc, char **argv,
    char *out, size_t outlen)
{
	int	fd, status;

	if ((fd = ctl_connect(c)) == -1)
		return -1;
	if (argc > 0 && strcmp(argv[0], "exec") == 0)
		catch_interrupts(fd);
	ctl_send(fd, flags, argc, argv);
	status = ctl_stream(fd, out, outlen);
	close(fd);
	return status;
}

static long
daemon_pid(const struct conf *c)
{
	char	*argv[] = { "ping" }, out[64] = "";

	if (ctl_request(c, 0, 1, argv, out, sizeof out) != 0)
		return 0;
	return strtol(out, NULL, 10);
}

static char *
isconfd_path(void)
{
	char	 self[PATH_MAX], *slash, *p;
	ssize_t	 n;

	if ((p = getenv("ISCONFD")) != NULL && *p != '\0')
		return xstrdup(p);
	if ((n = readlink("/proc/self/exe", self, sizeof self - 1)) > 0) {
		self[n] = '\0';
		if ((slash = strrchr(self, '/')) != NULL) {
			*slash = '\0';
			/* Beside us (a build tree), or PREFIX/sbin. */
			p = path_join(self, "isconfd");
			if (access(p, X_OK) == 0)
				return p;
			free(p);
			p = path_join(self, "../sbin/isconfd");
			if (access(p, X_OK) == 0)
				return p;
			free(p);
		}
	}
	return xstrdup("isconfd");
}

static int
cmd_start(const struct conf *c, const struct opts *o)
{
	char	*path, *argv[4];
	long	 pid;
	int	 status, i = 0;
	pid_t	 child;

	if ((pid = daemon_pid(c)) > 0) {
		if (!(o->flags & CTL_F_QUIET))
			printf("isconf: isconfd already running (pid %ld)\n",
			    pid);
		return 0;
	}
	path = isconfd_path();
	argv[i++] = path;
	if (o->maincf != NULL) {
		argv[i++] = "-c";
		argv[i++] = (char *)o->maincf;
	}
	argv[i] = NULL;
	if ((child = fork()) == -1)
		die(1, "fork: %s", strerror(errno));
	if (child == 0) {
		execvp(path, argv);
		fprintf(stderr, "isconf: error: cannot run %s: %s\n", path,
		    strerror(errno));
		_exit(127);
	}
	free(path);
	if (waitpid(child, &status, 0) == -1 || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		return 1;	/* isconfd said why */
	if (!(o->flags & CTL_F_QUIET))
		printf("isconf: isconfd started (pid %ld)\n", daemon_pid(c));
	return 0;
}

static int
cmd_stop(const struct conf *c, const struct opts *o)
{
	struct timespec	 ts = { 0, 20 * 1000 * 1000 };
	char		*argv[] = { "stop" };
	long		 pid = daemon_pid(c);
	char		*pidfile;
	int		 i, fd, locked;

	if (pid <= 0) {
		if (!(o->flags & CTL_F_QUIET))
			printf("isconf: isconfd is not running\n");
		return 0;
	}
	if (ctl_request(c, o->flags | CTL_F_QUIET, 1, argv, NULL, 0) != 0)
		return 1;
	/* Wait until it has let go of its pid-file lock (released at
	 * exit, before the process is reaped). */
	pidfile = path_join(c->home, "isconfd.pid");
	for (i = 0; i < 1500; i++) {
		if ((fd = open(pidfile, O_RDONLY | O_CLOEXEC)) == -1)
			break;
		locked = flock(fd, LOCK_SH | LOCK_NB) == -1;
		close(fd);
		if (!locked)
			break;
		/* Only a running command holds it up that long: say so. */
		if (i == 25 && !(o->flags & CTL_F_QUIET))
			fprintf(stderr, "isconf: waiting for isconfd (pid %ld) "
			    "to exit: a running command gets IS_EXEC_GRACE to "
			    "end (30 s at most)\n", pid);
		nanosleep(&ts, NULL);
	}
	free(pidfile);
	if (i == 1500)
		die(1, "isconfd (pid %ld) did not stop within 30 s", pid);
	if (!(o->flags & CTL_F_QUIET))
		printf("isconf: isconfd (pid %ld) stopped\n", pid);
	return 0;
}

/* The client's own reading of main.cf, for env and -D when no daemon
 * runs; a note on stderr says so. */
static int
env_local(const struct conf *c, int fd, int json)
{
	struct buf	b;

	fprintf(stderr, "isconf: isconfd is not running for IS_HOME=%s: "
	    "this is main.cf (%s) as the client reads it\n", c->home,
	    c->maincf != NULL ? c->maincf : "none");
	buf_init(&b);
	conf_export(c, &b, json, "client");
	write_all(fd, b.data, b.len);
	buf_free(&b);
	return 0;
}

/* -D: the running daemon's configuration (the main.cf it read, which
 * may be another than ours after isconf -c FILE start), on stderr. */
static void
show_env(const struct conf *c)
{
	char	*argv[] = { "env" };

	fflush(stdout);
	out_fd = 2;
	if (ctl_request(c, 0, 1, argv, NULL, 0) == -1)
		env_local(c, 2, 0);
	out_fd = 1;
}

/* Verbs that only ask the running daemon: a main.cf that does not load
 * must not keep the operator from stopping or inspecting it. */
static int
verb_env_only(const char *verb)
{
	static const char *const names[] = { "stop", "status", "log", "hosts",
	    "key", "report", "verify", "env", NULL };
	size_t	i;

	for (i = 0; verb != NULL && names[i] != NULL; i++)
		if (strcmp(verb, names[i]) == 0)
			return 1;
	return 0;
}

/*
 * Load main.cf.  When it does not load, a verb of verb_env_only finds
 * the daemon through the environment (or the default IS_HOME) alone,
 * with a warning; any other verb fails.  Both say how to check the file.
 */
static void
conf_load_client(struct conf *c, const struct opts *o, const char *verb)
{
	char	*cause = NULL, *cause2 = NULL;
	int	 saved;

	if (conf_load(c, o->maincf, &cause) == 0)
		return;
	saved = errno;
	conf_free(c);
	/* IS_HOME/conf is root's: say so, not "no such file". */
	if (saved == EACCES)
		die(1, "%s (run as root)", cause);
	if (o->debug || !verb_env_only(verb) ||
	    conf_load(c, "/dev/null", &cause2) == -1)
		die(EXIT_NOFILE, "%s (isconfd -n checks the configuration)",
		    cause);
	fprintf(stderr, "isconf: warning: %s (isconfd -n checks the "
	    "configuration); looking for isconfd at IS_HOME=%s\n", cause,
	    c->home);
	free(cause);
}

static int
parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int	ch;

	while ((ch = getopt_long(argc, argv, "+c:Dhm:qrV", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c': o->maincf = optarg; break;
		case 'D': o->debug = 1; break;
		case 'h': usage(stdout); exit(0);
		case 'j': o->flags |= CTL_F_JSON; break;
		case 'm': o->message = optarg; break;
		case 'q': o->flags |= CTL_F_QUIET; break;
		case 'r': o->flags |= CTL_F_REBOOT; break;
		case 'V': printf("isconf %s\n", ISCONF_VERSION); exit(0);
		default: usage(stderr); exit(EXIT_USAGE);
		}
	}
	return optind;
}

static int
run_verb(const struct conf *c, struct opts *o, int argc, char **argv)
{
	const struct verb_spec	*v;
	char			**args;
	int			  n = argc - 1, status, i;

	if (strcmp(argv[0], "start") == 0 || strcmp(argv[0], "stop") == 0 ||
	    strcmp(argv[0], "restart") == 0) {
		if (n != 0)
			die(EXIT_USAGE, "usage: isconf %s", argv[0]);
		if (argv[0][0] == 's')
			return argv[0][2] == 'a' ? cmd_start(c, o) :
			    cmd_stop(c, o);
		return cmd_stop(c, o) != 0 ? 1 : cmd_start(c, o);
	}
	/* --json may follow the verb too (but is an argument of exec). */
	if (strcmp(argv[0], "exec") != 0) {
		args = xcalloc((size_t)argc + 2, sizeof *args);
		for (i = n = 0; i < argc; i++) {
			if (strcmp(argv[i], "--json") == 0)
				o->flags |= CTL_F_JSON;
			else
				args[n++] = argv[i];
		}
		argv = args;
		argc = n;
		n = argc - 1;
	}
	if ((v = verb_find(argv[0])) == NULL)
		die(EXIT_USAGE, "unknown verb '%s' (isconf -h lists them)",
		    argv[0]);
	if (strcmp(argv[0], "lock") == 0 && o->message != NULL) {
		args = xcalloc((size_t)argc + 2, sizeof *args);
		for (i = 0; i < argc; i++)
			args[i] = argv[i];
		args[argc++] = (char *)o->message;
		n++;
		argv = args;
	}
	/* snap takes two arguments only as snap -R PATH. */
	if (!verb_args_ok(v, n) || (strcmp(argv[0], "snap") == 0 && n == 2 &&
	    strcmp(argv[1], "-R") != 0))
		die(EXIT_USAGE, "usage: isconf %s", v->usage);
	status = ctl_request(c, o->flags | (isatty(2) ? CTL_F_TTY : 0), argc,
	    argv, NULL, 0);
	if (status == -1 && strcmp(argv[0], "env") == 0)
		return env_local(c, 1, o->flags & CTL_F_JSON);
	if (status == -1)
		die(1, "isconfd is not running for IS_HOME=%s (isconf start)",
		    c->home);
	return status;
}

int
main(int argc, char **argv)
{
	struct opts	 o;
	struct conf	 c;
	int		 first, status;

	memset(&o, 0, sizeof o);
	signal(SIGPIPE, SIG_IGN);
	first = parse_opts(argc, argv, &o);
	conf_load_client(&c, &o, first < argc ? argv[first] : NULL);
	if (o.debug)
		show_env(&c);
	if (first == argc) {
		if (o.debug)
			return 0;
		usage(stderr);
		return EXIT_USAGE;
	}
	status = run_verb(&c, &o, argc - first, argv + first);
	conf_free(&c);
	return status;
}
