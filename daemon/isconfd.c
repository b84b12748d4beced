/*
 * isconfd: the per-host daemon.  Holds the journal and the cache, runs
 * changes for its clients, and (later) speaks to its peers.  One per
 * IS_HOME, enforced with a locked pid file.
 *
 * isconfd [-dfhnV] [-c main.cf]
 *	-f	stay in the foreground, log to stderr (systemd, tests)
 *	-n	check the configuration and exit
 *	-d	debug logging
 *	-h, -V	usage, version (stdout, exit 0)
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "isconfd.h"
#include "keepers.h"
#include "stmtd.h"

static void __attribute__((noreturn))
usage(FILE *f, int status)
{
	fprintf(f, "usage: isconfd [-dfhnV] [-c main.cf]\n");
	exit(status);
}

/* Stop; an up's exec is ended first (up_stop), and its end calls
 * this again. */
void
isconfd_stop(struct isconfd *d)
{
	if (!d->stopping)
		notify_systemd("STOPPING=1");
	d->stopping = 1;
	if (up_stop(d) == 1)
		return;
	event_base_loopexit(d->base, NULL);
}

static void
on_signal(evutil_socket_t sig, short events, void *arg)
{
	struct isconfd	*d = arg;
	struct conf	 nc;
	char		*cause = NULL;

	(void)events;
	switch (sig) {
	case SIGTERM:
	case SIGINT:
		log_info("signal %d: stopping", (int)sig);
		isconfd_stop(d);
		break;
	case SIGHUP:
		notify_systemd("RELOADING=1");
		if (conf_load(&nc, d->maincf, &cause) == -1 ||
		    check_files(&nc, &cause) == -1) {
			log_warnx("reload refused, keeping the old "
			    "configuration: %s", cause);
			free(cause);
			conf_free(&nc);
		} else {
			check_modes(&nc);
			conf_free(&d->conf);
			d->conf = nc;
			log_info("configuration reloaded");
		}
		notify_systemd("READY=1");
		break;
	case SIGCHLD:
		child_reap(d);
		break;
	}
}

/* Take the pid-file lock: refuse a second daemon, naming the first. */
static int
pidfile_lock(struct isconfd *d, char **cause)
{
	char	*path, buf[32];
	ssize_t	 n;

	path = path_join(d->conf.home, "isconfd.pid");
	d->pid_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (d->pid_fd == -1) {
		set_cause(cause, "%s: %s", path, strerror(errno));
		free(path);
		return -1;
	}
	if (flock(d->pid_fd, LOCK_EX | LOCK_NB) == -1) {
		n = pread(d->pid_fd, buf, sizeof buf - 1, 0);
		buf[n > 0 ? n : 0] = '\0';
		set_cause(cause, "isconfd is already running for IS_HOME=%s "
		    "(pid %s)", d->conf.home, str_trim(buf));
		free(path);
		return -1;
	}
	free(path);
	n = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
	if (ftruncate(d->pid_fd, 0) == -1 ||
	    pwrite(d->pid_fd, buf, (size_t)n, 0) != n)
		return set_cause(cause, "writing pid file: %s",
		    strerror(errno));
	return 0;
}

static int
read_branch(struct isconfd *d, char **cause)
{
	char	*path, *b;
	int	 r;

	path = path_join(d->conf.confdir, "branch");
	r = name_file_read(path, "branch", &b, cause);
	free(path);
	if (r == -1)
		return -1;
	if (r == 1)
		b = xstrdup("generic");
	d->branch = b;
	return journal_branch_create(d->journal, b, cause);
}

/*
 * IS_HOME holds command lines and their output (journal.db) and the
 * host key: the directory is 0700 and the databases 0600.  Homes made by
 * older versions (0755, 0644 databases) are tightened here, before
 * anything opens them.  SQLite gives a -wal or -shm file the mode of its
 * database, so the databases are made 0600 before SQLite creates them.
 */
static const char *home_private[] = { "journal.db", "cache.db",
    "journal.db-wal", "journal.db-shm", "cache.db-wal", "cache.db-shm",
    "cache.pack", NULL };

static int
home_file_private(const char *home, const char *name, int create,
    char **cause)
{
	struct stat	 sb;
	char		*p = path_join(home, name);
	int		 fd, rv = 0;

	fd = open(p, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | (create ? O_CREAT :
	    0), 0600);
	if (fd == -1 && errno != ENOENT)
		rv = set_cause(cause, "%s: %s", p, strerror(errno));
	else if (fd != -1 && (fstat(fd, &sb) == -1 || ((sb.st_mode & 0777) !=
	    0600 && fchmod(fd, 0600) == -1)))
		rv = set_cause(cause, "%s: chmod 0600: %s", p,
		    strerror(errno));
	if (fd != -1)
		close(fd);
	free(p);
	return rv;
}

static int
home_secure(struct isconfd *d, char **cause)
{
	const char	*home = d->conf.home;
	struct stat	 sb;
	size_t		 i;

	if (stat(home, &sb) == -1)
		return set_cause(cause, "IS_HOME %s: %s", home,
		    strerror(errno));
	/* Never chmod a shared directory (IS_HOME=/tmp by mistake). */
	if (!S_ISDIR(sb.st_mode) || (sb.st_mode & S_ISVTX) ||
	    sb.st_uid != geteuid())
		return set_cause(cause, "IS_HOME %s must be a directory of "
		    "its own, owned by uid %u and not sticky (shared); chmod "
		    "it 0700", home, (unsigned)geteuid());
	if ((sb.st_mode & 07777) != 0700 && chmod(home, 0700) == -1)
		return set_cause(cause, "IS_HOME %s: chmod 0700: %s", home,
		    strerror(errno));
	for (i = 0; home_private[i] != NULL; i++)
		if (home_file_private(home, home_private[i], i < 2,
		    cause) == -1)
			return -1;
	return 0;
}

static int
isconfd_open(struct isconfd *d, char **cause)
{
	char	*p, *conf;
	int	 rv;

	conf = path_join(d->conf.home, "conf");
	rv = mkdir_p(conf, 0700, cause);
	free(conf);
	if (rv == -1 || home_secure(d, cause) == -1 ||
	    pidfile_lock(d, cause) == -1 || layout_mark(d, cause) == -1 ||
	    hostkey_load(d, cause) == -1)
		return -1;
	p = path_join(d->conf.home, "journal.db");
	rv = journal_open(p, &d->journal, cause);
	free(p);
	if (rv == -1)
		return -1;
	p = path_join(d->conf.home, "cache.db");
	rv = cache_open(p, &d->cache, cause);
	free(p);
	if (rv == -1 || read_branch(d, cause) == -1 ||
	    control_listen(d, cause) == -1 || mesh_open(d, cause) == -1 ||
	    upexec_open(d, cause) == -1 || stmtd_open(d, cause) == -1 ||
	    keepers_open(d, cause) == -1)
		return -1;
#ifdef ISCONF_CRASH_HOOKS
	if (fleet_inject(d, cause) == -1)
		return -1;
#endif
	install_cleanup(d);
	/* The status page is a convenience: without it the host still
	 * replicates, so a busy port is a warning, not a refusal. */
	p = NULL;
	if (http_open(d, &p) == -1) {
		log_warnx("no HTTP status API: %s", p);
		free(p);
		http_close(d);
	}
	return 0;
}

static void
isconfd_signals(struct isconfd *d)
{
	int	sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGCHLD };
	size_t	i;

	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < 4; i++) {
		d->sig_ev[i] = evsignal_new(d->base, sigs[i], on_signal, d);
		evsignal_add(d->sig_ev[i], NULL);
	}
}

static void
isconfd_close(struct isconfd *d)
{
	size_t	i;

	bundle_apply_stop(d);
	control_close(d);
	upexec_close(d);
	http_close(d);
	keepers_close(d);
	mesh_close(d);
	stmtd_close(d);
	for (i = 0; i < 4; i++)
		if (d->sig_ev[i] != NULL)
			event_free(d->sig_ev[i]);
	journal_close(d->journal);
	cache_close(d->cache);
	if (d->base != NULL)
		event_base_free(d->base);
	sodium_memzero(d->sk, sizeof d->sk);
	free(d->refusals);
	free(d->branch);
	conf_free(&d->conf);
}

/*
 * Fork; the parent waits for the child to report ready or failed.
 * Returns 1 when the child's stdout and stderr are IS_LOGFILE.
 */
static int
daemonize(int *report_fd, const char *logfile)
{
	int	p[2], null, out = -1;
	char	buf[1024];
	ssize_t	n;
	pid_t	pid;

	if (pipe(p) == -1 || (pid = fork()) == -1)
		fatal("daemonize");
	if (pid > 0) {
		close(p[1]);
		n = read(p[0], buf, sizeof buf - 1);
		if (n > 0 && buf[0] == '+')
			exit(0);
		buf[n > 0 ? n : 0] = '\0';
		fprintf(stderr, "isconfd: %s\n", n > 0 ? buf :
		    "exited before it was ready");
		exit(1);
	}
	close(p[0]);
	/* Keep nothing of the caller's but the report pipe: an inherited
	 * descriptor would keep a caller's pipe open forever. */
	for (int fd = 3; fd < 1024; fd++)
		if (fd != p[1])
			close(fd);
	setsid();
	if (logfile != NULL && (out = open(logfile, O_WRONLY | O_APPEND |
	    O_CREAT | O_CLOEXEC, 0640)) == -1)
		log_warn("IS_LOGFILE %s: logging to syslog instead", logfile);
	if ((null = open("/dev/null", O_RDWR)) != -1) {
		dup2(null, 0);
		dup2(out != -1 ? out : null, 1);
		dup2(out != -1 ? out : null, 2);
		if (null > 2)
			close(null);
	}
	if (out > 2)
		close(out);
	*report_fd = p[1];
	return out != -1;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct isconfd	 d;
	char		*cause = NULL;
	const char	*logfile;
	int		 ch, check = 0, debug = 0, report = -1;

	memset(&d, 0, sizeof d);
	d.ctl_fd = d.pid_fd = -1;
	while ((ch = getopt_long(argc, argv, "c:dfhnV", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c': d.maincf = optarg; break;
		case 'd': debug = 1; break;
		case 'f': d.foreground = 1; break;
		case 'h': usage(stdout, 0);
		case 'n': check = 1; break;
		case 'V': printf("isconfd %s\n", ISCONF_VERSION); return 0;
		default: usage(stderr, EXIT_USAGE);
		}
	}
	if (optind != argc)
		usage(stderr, EXIT_USAGE);
	log_init(1, "isconfd");
	log_setverbose(debug);
	if (sodium_init() == -1)
		fatalx("libsodium failed to initialise");
	/* Chunks (up to 1 MiB) pass through buffers of their size: from
	 * mmap and back each time, every page was a fresh zeroed fault.
	 * Keep them on the heap, and at most 8 MiB of free heap (the
	 * gossip tick trims the rest away once a transfer is over). */
	mallopt(M_MMAP_THRESHOLD, 4 << 20);
	mallopt(M_TRIM_THRESHOLD, 8 << 20);
	/* SQLite's defaults give each connection a page-cache slab and a
	 * lookaside pool that it writes through at open: 100 KiB of the
	 * idle daemon's private memory for two small databases.  Pages
	 * come from malloc as needed instead, and a small pool stays. */
	sqlite3_config(SQLITE_CONFIG_PAGECACHE, NULL, 0, 0);
	sqlite3_config(SQLITE_CONFIG_LOOKASIDE, 128, 64);
	/* Before daemonizing: a refusal reaches isconf start's stderr. */
	if (conf_load(&d.conf, d.maincf, &cause) == -1 ||
	    check_files(&d.conf, &cause) == -1)
		fatalx("%s", cause);
	if (check) {
		check_modes(&d.conf);
		printf("configuration OK\n");
		return 0;
	}
	logfile = env_get(&d.conf.env, "IS_LOGFILE");
	if (logfile != NULL && *logfile == '\0')
		logfile = NULL;
	if (!d.foreground && daemonize(&report, logfile) == 1)
		log_init_stamped("isconfd");
	else
		log_init(d.foreground, "isconfd");
	TAILQ_INIT(&d.clients);
	LIST_INIT(&d.children);
	d.base = event_base_new();
	isconfd_signals(&d);
	umask(022);
	check_modes(&d.conf);
	if (isconfd_open(&d, &cause) == -1) {
		if (report != -1 && write(report, cause, strlen(cause)) < 0)
			log_warn("report");
		fatalx("%s", cause);
	}
	log_info("started: domain %s, host %s, branch %s, IS_HOME %s",
	    d.conf.domain, d.conf.hostname, d.branch, d.conf.home);
	layout_log(&d);
	if (report != -1) {
		if (write(report, "+", 1) < 0)
			log_warn("report");
		close(report);
	}
	notify_systemd("READY=1");
	event_base_dispatch(d.base);
	log_info("stopped");
	isconfd_close(&d);
	return 0;
}
