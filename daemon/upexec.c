/*
 * The exec an up runs, recorded in the journal's state (key up_exec)
 * from its start to its end: entry, pid, and the process's start time
 * and the kernel's boot id, which together name that one process
 * against pid reuse and across reboots.  A daemon killed during the
 * exec leaves the record behind; the next daemon finds the process
 * still alive (or not) and up waits for it rather than start the same
 * entry beside it.  Its exit status cannot be known (it is not our
 * child), so up then runs the entry again, as after any interrupted
 * exec.
 */
#include <sys/pidfd.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "isconfd.h"

#define UPEXEC_KEY	"up_exec"

/* starttime (field 22 of /proc/PID/stat, clock ticks since boot) of a
 * live process: 1 alive, 0 gone (or a zombie). */
static int
proc_start(pid_t pid, unsigned long long *start)
{
	char	 path[64], buf[1024], *p, *f;
	FILE	*fp;
	size_t	 n;
	int	 i;

	snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
	if ((fp = fopen(path, "re")) == NULL)
		return 0;
	n = fread(buf, 1, sizeof buf - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	/* The command name may hold spaces and parentheses: fields
	 * start after its last ')'; this is field 3, the state. */
	if ((p = strrchr(buf, ')')) == NULL || p[1] != ' ')
		return 0;
	p += 2;
	if (*p == 'Z' || *p == 'X')
		return 0;
	for (i = 3; i < 22 && (f = strchr(p, ' ')) != NULL; i++)
		p = f + 1;
	if (i != 22)
		return 0;
	*start = strtoull(p, NULL, 10);
	return 1;
}

static void
boot_id(char *boot, size_t len)
{
	char	*v = NULL;

	if (file_read_line("/proc/sys/kernel/random/boot_id", &v,
	    NULL) == 0) {
		xstrlcpy(boot, v, len);
		free(v);
	} else
		xstrlcpy(boot, "-", len);
}

/* A decimal number of at most max, then a space; *p moves past both.
 * No sign, no spaces before it: sscanf's %lld took both, and its
 * overflow is undefined. */
static int
rec_num(const char **p, unsigned long long max, unsigned long long *v)
{
	const char		*s = *p;
	unsigned long long	 n = 0;

	if (!isdigit((unsigned char)*s))
		return -1;
	for (; isdigit((unsigned char)*s); s++) {
		if (n > (max - (unsigned)(*s - '0')) / 10)
			return -1;
		n = n * 10 + (unsigned)(*s - '0');
	}
	if (*s != ' ')
		return -1;
	*v = n;
	*p = s + 1;
	return 0;
}

/* A word of 1 to len - 1 bytes, then a space, copied into dst. */
static int
rec_word(const char **p, char *dst, size_t len)
{
	size_t	n = strcspn(*p, " ");

	if (n == 0 || n >= len || (*p)[n] != ' ')
		return -1;
	memcpy(dst, *p, n);
	dst[n] = '\0';
	*p += n + 1;
	return 0;
}

/*
 * The record's text, "since pid start boot seq branch command", decoded
 * into *x (zeroed first; on success branch and command are allocated,
 * freed by upexec_record_free; on failure nothing is).  Each field is
 * bounded: a pid must fit a pid_t, a time an int64, the boot id is
 * what /proc gives (or "-"), the branch a valid name.
 */
int
upexec_decode(const char *text, struct upexec *x, char **cause)
{
	const char		*p = text, *what = NULL;
	unsigned long long	 since, pid, seq;
	char			 branch[256];

	memset(x, 0, sizeof *x);
	if (rec_num(&p, LLONG_MAX, &since) == -1)
		what = "time";
	else if (rec_num(&p, INT_MAX, &pid) == -1 || pid == 0)
		what = "pid";
	else if (rec_num(&p, ULLONG_MAX, &x->start) == -1)
		what = "start time";
	else if (rec_word(&p, x->boot, sizeof x->boot) == -1 ||
	    x->boot[strspn(x->boot, "0123456789abcdef-")] != '\0')
		what = "boot id";
	else if (rec_num(&p, INT64_MAX, &seq) == -1 || seq == 0)
		what = "entry";
	else if (rec_word(&p, branch, sizeof branch) == -1 ||
	    !name_valid(branch))
		what = "branch";
	if (what != NULL) {
		memset(x, 0, sizeof *x);
		return set_cause(cause, "bad %s", what);
	}
	x->since = (long long)since;
	x->pid = (pid_t)pid;
	x->seq = seq;
	x->branch = xstrdup(branch);
	x->command = xstrdup(p);
	return 0;
}

/* The record's text for *x (caller frees); upexec_decode reads it. */
char *
upexec_encode(const struct upexec *x)
{
	char	*v;

	xasprintf(&v, "%lld %ld %llu %s %llu %s %s", x->since, (long)x->pid,
	    x->start, x->boot, (unsigned long long)x->seq, x->branch,
	    x->command);
	return v;
}

void
upexec_record_free(struct upexec *x)
{
	free(x->branch);
	free(x->command);
	x->branch = x->command = NULL;
}

static void
upexec_free(struct upexec *x)
{
	if (x == NULL)
		return;
	if (x->ev != NULL)
		event_free(x->ev);
	if (x->pidfd != -1)
		close(x->pidfd);
	upexec_record_free(x);
	free(x);
}

static void
upexec_clear(struct isconfd *d)
{
	char	*cause = NULL;

	if (journal_state_set(d->journal, UPEXEC_KEY, NULL, &cause) == -1) {
		log_warnx("cannot clear the running exec's record: %s", cause);
		free(cause);
	}
	upexec_free(d->upexec);
	d->upexec = NULL;
}

void
upexec_started(struct isconfd *d, const char *branch, uint64_t seq,
    const char *command, pid_t pid)
{
	struct upexec	*x = xcalloc(1, sizeof *x);
	char		*v, *cause = NULL;

	x->branch = xstrdup(branch);
	x->seq = seq;
	x->command = xstrdup(command);
	x->pid = pid;
	x->since = now_ns() / 1000000000;
	x->pidfd = -1;
	/* Our child, not yet reaped: the pid cannot have been reused. */
	if (proc_start(pid, &x->start) == 0)
		x->start = 0;
	boot_id(x->boot, sizeof x->boot);
	upexec_free(d->upexec);
	d->upexec = x;
	v = upexec_encode(x);
	if (journal_state_set(d->journal, UPEXEC_KEY, v, &cause) == -1) {
		log_warnx("cannot record the running exec (pid %ld): %s",
		    (long)pid, cause);
		free(cause);
	}
	free(v);
}

void
upexec_ended(struct isconfd *d)
{
	if (d->upexec != NULL && !d->upexec->orphan)
		upexec_clear(d);
}

/* The earlier run's exec has exited: forget it, wake a waiting up. */
static void
upexec_gone(struct isconfd *d)
{
	struct upexec	*x = d->upexec;
	void		(*cb)(struct isconfd *, void *) = x->cb;
	void		*arg = x->arg;

	log_info("entry %llu (%s) from an earlier run, pid %ld, has exited "
	    "(its status is unknown: up runs it again)",
	    (unsigned long long)x->seq, x->command, (long)x->pid);
	upexec_clear(d);
	if (cb != NULL)
		cb(d, arg);
}

static void
upexec_poll(evutil_socket_t fd, short events, void *arg)
{
	struct isconfd		*d = arg;
	struct upexec		*x = d->upexec;
	unsigned long long	 start;
	struct timeval		 tv = { 1, 0 };

	(void)fd;
	(void)events;
	if (x->pidfd == -1 && proc_start(x->pid, &start) == 1 &&
	    start == x->start) {
		evtimer_add(x->ev, &tv);
		return;
	}
	upexec_gone(d);
}

/* Watch the earlier run's exec: its pidfd is readable once it has
 * exited; without pidfds (Linux before 5.3), poll every second. */
static void
upexec_watch(struct isconfd *d)
{
	struct upexec		*x = d->upexec;
	unsigned long long	 start;
	struct timeval		 tv = { 1, 0 };

	x->pidfd = pidfd_open(x->pid, 0);
	/* Opened first, checked after: the pidfd holds the process the
	 * start time names, not a later one with its pid. */
	if (proc_start(x->pid, &start) == 0 || start != x->start) {
		upexec_gone(d);
		return;
	}
	if (x->pidfd != -1) {
		x->ev = event_new(d->base, x->pidfd, EV_READ, upexec_poll, d);
		event_add(x->ev, NULL);
	} else {
		x->ev = evtimer_new(d->base, upexec_poll, d);
		evtimer_add(x->ev, &tv);
	}
}

/* At start-up: an exec recorded by an earlier daemon that is still
 * alive (same pid, start time and boot) is watched; a stale record is
 * dropped. */
int
upexec_open(struct isconfd *d, char **cause)
{
	struct upexec	*x;
	char		*v, *why = NULL, boot[40];
	int		 r;

	/* Unreadable, it cannot say whether an earlier exec still runs:
	 * starting anyway could run that entry twice at once. */
	switch (journal_state_get(d->journal, UPEXEC_KEY, &v, cause)) {
	case -1:
		return -1;
	case 0:
		return 0;
	}
	x = xmalloc(sizeof *x);
	r = upexec_decode(v, x, &why);
	free(v);
	x->pidfd = -1;
	x->orphan = 1;
	d->upexec = x;
	if (r == -1) {
		log_warnx("dropping a malformed running-exec record: %s", why);
		free(why);
		upexec_clear(d);
		return 0;
	}
	d->upexec = x;
	boot_id(boot, sizeof boot);
	if (strcmp(boot, x->boot) != 0) {
		log_info("entry %llu (%s) was running when the host rebooted",
		    (unsigned long long)x->seq, x->command);
		upexec_clear(d);
		return 0;
	}
	log_warnx("entry %llu (%s) from an earlier run may still be running "
	    "as pid %ld", (unsigned long long)x->seq, x->command, (long)x->pid);
	upexec_watch(d);
	return 0;
}

/* 1 if an earlier run's exec is alive: cb(d, arg) runs once it has
 * exited.  0 if none. */
int
upexec_wait(struct isconfd *d, void (*cb)(struct isconfd *, void *),
    void *arg)
{
	if (d->upexec == NULL || !d->upexec->orphan)
		return 0;
	d->upexec->cb = cb;
	d->upexec->arg = arg;
	return 1;
}

void
upexec_close(struct isconfd *d)
{
	upexec_free(d->upexec);
	d->upexec = NULL;
}
