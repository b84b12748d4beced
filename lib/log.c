/*
 * Logging: syslog by default, stderr in the foreground.  When stderr is
 * read by journald (JOURNAL_STREAM set) each line gets a <N> priority
 * prefix so levels survive.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

static int	 log_foreground = 1;
static int	 log_verbose;
static int	 log_journald;
static int	 log_stamped;
static const char *log_ident = "isconf";

void
log_init(int foreground, const char *ident)
{
	log_foreground = foreground;
	log_ident = ident;
	log_journald = getenv("JOURNAL_STREAM") != NULL;
	if (!foreground)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

#ifdef ISCONF_CRASH_HOOKS
#include <signal.h>

void
crash_point(const char *name)
{
	const char	*want = getenv("ISCONF_CRASH");

	if (want == NULL || strcmp(want, name) != 0)
		return;
	log_warnx("crash hook: killed at %s", name);
	kill(getpid(), SIGKILL);
}

int
fault_point(const char *what, const char *which)
{
	const char	*want = getenv("ISCONF_FAULT");
	size_t		 n = strlen(what);

	if (want == NULL || strncmp(want, what, n) != 0)
		return 0;
	return want[n] == '\0' || (want[n] == ':' && which != NULL &&
	    strcmp(want + n + 1, which) == 0);
}

void
pause_point(const char *name)
{
	const char	*want = getenv("ISCONF_PAUSE");
	const char	*file = getenv("ISCONF_PAUSE_FILE");
	int		 fd, i;

	if (want == NULL || file == NULL || strcmp(want, name) != 0)
		return;
	if ((fd = open(file, O_WRONLY | O_CREAT | O_CLOEXEC, 0600)) == -1) {
		log_warn("pause hook: %s", file);
		return;
	}
	close(fd);
	log_warnx("pause hook: paused at %s", name);
	for (i = 0; i < 1000 && access(file, F_OK) == 0; i++)
		usleep(10000);
	log_warnx("pause hook: resumed at %s", name);
}

uint64_t
test_knob(const char *name, uint64_t def)
{
	const char		*v = getenv(name);
	unsigned long long	 n;
	char			*end;

	if (v == NULL || *v < '0' || *v > '9')
		return def;
	errno = 0;
	n = strtoull(v, &end, 10);
	return errno != 0 || *end != '\0' || n == 0 || n > def ? def : n;
}

const char *
test_path(const char *name, const char *def)
{
	const char	*v = getenv(name);

	return v == NULL || *v != '/' ? def : v;
}
#endif

/*
 * Write to stderr with a time stamp: the daemon's stderr is then an
 * IS_LOGFILE, so a sanitizer's or libc's own report lands beside ours.
 */
void
log_init_stamped(const char *ident)
{
	log_init(1, ident);
	log_stamped = 1;
}

/* How we log, for a process that must log alike (net/proxy.c): 0 to
 * stderr, 1 stamped, 2 syslog; and whether verbose. */
void
log_mode(int *mode, int *verbose)
{
	*mode = !log_foreground ? 2 : log_stamped ? 1 : 0;
	*verbose = log_verbose;
}

void
log_setverbose(int v)
{
	log_verbose = v;
}

void
log_escape(char *dst, size_t dstlen, const char *s)
{
	size_t	 o = 0;
	unsigned char c;

	if (dstlen == 0)
		return;
	for (; *s != '\0' && o + 5 < dstlen; s++) {
		c = (unsigned char)*s;
		if (c >= 0x20 && c < 0x7f)
			dst[o++] = c;
		else
			o += snprintf(dst + o, dstlen - o, "\\x%02x", c);
	}
	dst[o] = '\0';
}

static void
vlog(int pri, const char *fmt, va_list ap, const char *suffix)
{
	char	 msg[2048];

	vsnprintf(msg, sizeof msg, fmt, ap);
	if (log_foreground) {
		if (log_stamped) {
			char		stamp[32];
			time_t		t = time(NULL);
			struct tm	tm;

			strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S",
			    localtime_r(&t, &tm));
			fprintf(stderr, "%s [%d] ", stamp, (int)getpid());
		} else if (log_journald)
			fprintf(stderr, "<%d>", pri);
		fprintf(stderr, "%s: %s%s%s\n", log_ident, msg,
		    suffix ? ": " : "", suffix ? suffix : "");
		fflush(stderr);
	} else
		syslog(pri, "%s%s%s", msg, suffix ? ": " : "",
		    suffix ? suffix : "");
}

#define LOGFN(name, pri, witherr)					\
void									\
name(const char *fmt, ...)						\
{									\
	va_list	ap;							\
	int	saved = errno;						\
									\
	va_start(ap, fmt);						\
	vlog(pri, fmt, ap, witherr ? strerror(saved) : NULL);		\
	va_end(ap);							\
	errno = saved;							\
}

LOGFN(log_warn, LOG_WARNING, 1)
LOGFN(log_warnx, LOG_WARNING, 0)
LOGFN(log_info, LOG_INFO, 0)

void
log_debug(const char *fmt, ...)
{
	va_list	ap;

	if (!log_verbose)
		return;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, fmt, ap, NULL);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list	ap;
	int	saved = errno;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap, strerror(saved));
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap, NULL);
	va_end(ap);
	exit(1);
}
