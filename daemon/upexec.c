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

#include <errno.h>
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

static void
upexec_free(struct upexec *x)
{
	if (x == NULL)
		return;
	if (x->ev != NULL)
		event_free(x->ev);
	if (x->pidfd != -1)
		close(x->pidfd);
	free(x->branch);
	free(x->command);
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
	xasprintf(&v, "%lld %ld %llu %s %llu %s %s", x->since, (long)pid,
	    x->start, x->boot, (unsigned long long)seq, branch, command);
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
	char		*v, boot[40], branch[300];
	unsigned long long seq;
	long		 pid;
	int		 off = 0;

	/* Unreadable, it cannot say whether an earlier exec still runs:
	 * starting anyway could run that entry twice at once. */
	switch (journal_state_get(d->journal, UPEXEC_KEY, &v, cause)) {
	case -1:
		return -1;
	case 0:
		return 0;
	}
	x = xcalloc(1, sizeof *x);
	x->pidfd = -1;
	x->orphan = 1;
	if (sscanf(v, "%lld %ld %llu %39s %llu %299s %n", &x->since, &pid,
	    &x->start, x->boot, &seq, branch,
	    &off) != 6 || off == 0 || pid <= 0 || (pid_t)pid != pid) {
		log_warnx("dropping a malformed running-exec record");
		d->upexec = x;
		upexec_clear(d);
		free(v);
		return 0;
	}
	x->pid = (pid_t)pid;
	x->seq = seq;
	x->branch = xstrdup(branch);
	x->command = xstrdup(v + off);
	free(v);
	d->upexec = x;
	boot_id(boot, sizeof boot);
	if (strcmp(boot, x->boot) != 0) {
		log_info("entry %llu (%s) was running when the host rebooted",
		    (unsigned long long)x->seq, x->command);
		upexec_clear(d);
		return 0;
	}
	log_warnx("entry %llu (%s) from an earlier run may still be running "
	    "as pid %ld", (unsigned long long)x->seq, x->command, pid);
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
