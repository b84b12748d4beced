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
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "isconfd.h"

#define UPEXEC_KEY	"up_exec"

/*
 * /proc/PID/stat of one process: its state (field 3), process group
 * (5), session (6) and start time (22, clock ticks since boot).  The
 * command name before them may hold spaces and ")": fields start after
 * its last ')'.  1 read, 0 no such process, -1 any other failure
 * (EACCES under hidepid, EIO): that says nothing about the process.
 */
int
proc_stat_read(pid_t pid, struct proc_stat *ps, char **cause)
{
	char	 path[64], buf[1024], *p;
	FILE	*fp;
	size_t	 n;
	int	 i, err;

	snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
#ifdef ISCONF_CRASH_HOOKS
	if (fault_point("proc-read", NULL))
		return set_cause(cause, "%s: %s", path, strerror(EIO));
#endif
	if ((fp = fopen(path, "re")) == NULL) {
		if (errno == ENOENT || errno == ESRCH)
			return 0;
		return set_cause(cause, "%s: %s", path, strerror(errno));
	}
	n = fread(buf, 1, sizeof buf - 1, fp);
	err = ferror(fp) ? errno : 0;
	fclose(fp);
	if (err == ESRCH)	/* exited between open and read */
		return 0;
	if (err != 0)
		return set_cause(cause, "%s: %s", path, strerror(err));
	buf[n] = '\0';
	if ((p = strrchr(buf, ')')) == NULL || sscanf(p + 1, " %c %*d %ld "
	    "%ld", &ps->state, &ps->pgrp, &ps->session) != 3)
		return set_cause(cause, "%s: unexpected contents", path);
	for (i = 2; i < 22 && (p = strchr(p + 1, ' ')) != NULL; i++)
		;
	if (p == NULL || sscanf(p, " %llu", &ps->start) != 1)
		return set_cause(cause, "%s: unexpected contents", path);
	return 1;
}

/*
 * Whether a live process other than except has process group (what
 * PROC_PGRP) or session (PROC_SESSION) id: 1 yes, 0 no, -1 /proc
 * cannot tell (cause).  A process that exits while it is read is gone.
 */
int
proc_find(int what, pid_t id, pid_t except, char **cause)
{
	DIR		*dir;
	struct dirent	*de;
	struct proc_stat ps;
	long		 pid;
	int		 r = 0;

	if ((dir = opendir("/proc")) == NULL)
		return set_cause(cause, "/proc: %s", strerror(errno));
	while (r == 0 && (de = readdir(dir)) != NULL) {
		if ((pid = atol(de->d_name)) <= 0 || pid == (long)except)
			continue;
		if ((r = proc_stat_read((pid_t)pid, &ps, cause)) == 1)
			r = (what == PROC_PGRP ? ps.pgrp : ps.session) ==
			    (long)id && ps.state != 'Z' && ps.state != 'X';
	}
	closedir(dir);
	return r;
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

static void	upexec_unwatch(struct upexec *);

static void
upexec_free(struct upexec *x)
{
	if (x == NULL)
		return;
	upexec_unwatch(x);
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
	struct upexec		*x = xcalloc(1, sizeof *x);
	struct proc_stat	 ps;
	char			*v, *cause = NULL;

	x->branch = xstrdup(branch);
	x->seq = seq;
	x->command = xstrdup(command);
	x->pid = pid;
	x->since = now_ns() / 1000000000;
	x->pidfd = -1;
	/* Our child, not yet reaped: the pid cannot have been reused.
	 * Start time 0 (unreadable) matches no process: after a crash,
	 * only the rest of its session is waited for. */
	switch (proc_stat_read(pid, &ps, &cause)) {
	case 1:
		x->start = ps.start;
		break;
	case -1:
		log_warnx("exec pid %ld: %s", (long)pid, cause);
		free(cause);
		cause = NULL;
		break;
	}
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

/*
 * Whether the earlier run's exec, or any process left in its session,
 * lives: 1 yes, 0 no, -1 cannot tell (cause).  The exec led its own
 * session (child.c), so its pid is the session's id, which the kernel
 * does not give to a new process while any member lives: a process
 * with that pid but another start time means the session has ended.
 * A service the exec started with setsid() is in a session of its own
 * and is not waited for.
 */
static int
upexec_alive(struct upexec *x, char **cause)
{
	struct proc_stat	ps;

	switch (proc_stat_read(x->pid, &ps, cause)) {
	case -1:
		return -1;
	case 1:
		if (ps.start != x->start)
			return 0;
		if (ps.state != 'Z' && ps.state != 'X')
			return 1;
		break;
	}
	return proc_find(PROC_SESSION, x->pid, x->pid, cause);
}

static void
upexec_unwatch(struct upexec *x)
{
	if (x->ev != NULL)
		event_free(x->ev);
	x->ev = NULL;
	if (x->pidfd != -1)
		close(x->pidfd);
	x->pidfd = -1;
}

/* "entry SEQ (command)", the command escaped for the log and the
 * operator's terminal (caller frees). */
static char *
upexec_name(const struct upexec *x)
{
	char	*cmd = str_esc(x->command), *name;

	xasprintf(&name, "entry %llu (%s)", (unsigned long long)x->seq, cmd);
	free(cmd);
	return name;
}

/* The earlier run's exec has exited: forget it, wake a waiting up. */
static void
upexec_gone(struct isconfd *d)
{
	struct upexec	*x = d->upexec;
	upexec_cb	 cb = x->cb;
	void		*arg = x->arg;
	char		*name = upexec_name(x);

	log_info("%s from an earlier run, pid %ld, has exited with its "
	    "session (its status is unknown: up runs it again)", name,
	    (long)x->pid);
	free(name);
	upexec_clear(d);
	if (cb != NULL)
		cb(d, arg, NULL);
}

/* /proc cannot tell whether it still runs: the record is kept, and no
 * up runs the entry (a waiting one fails) until it can tell. */
static void
upexec_unknown(struct isconfd *d, const char *why, char **cause)
{
	struct upexec	*x = d->upexec;
	char		*name = upexec_name(x);

	upexec_unwatch(x);
	set_cause(cause, "cannot tell whether %s from an earlier run, pid "
	    "%ld, still runs: %s; its record is kept and up will not run "
	    "that entry again until this can be read", name, (long)x->pid,
	    why);
	free(name);
	log_warnx("%s", *cause);
}

static void
upexec_poll(evutil_socket_t fd, short events, void *arg)
{
	struct isconfd	*d = arg;
	struct upexec	*x = d->upexec;
	upexec_cb	 cb = x->cb;
	struct timeval	 tv = { 1, 0 };
	char		*why = NULL, *cause = NULL;

	(void)fd;
	(void)events;
	switch (upexec_alive(x, &why)) {
	case 0:
		upexec_gone(d);
		return;
	case -1:
		upexec_unknown(d, why, &cause);
		x->cb = NULL;
		if (cb != NULL)
			cb(d, x->arg, cause);
		free(why);
		free(cause);
		return;
	}
	/* The pidfd woke us: the leader has exited and what is left of
	 * its session has no pidfd.  Poll each second from now on. */
	if (x->pidfd != -1) {
		upexec_unwatch(x);
		x->ev = evtimer_new(d->base, upexec_poll, d);
	}
	evtimer_add(x->ev, &tv);
}

/*
 * Watch the earlier run's exec: its pidfd is readable once it has
 * exited; then (or without pidfds, Linux before 5.3) poll the session
 * each second.  1 watched, 0 gone (the record is dropped), -1 cannot
 * tell (cause; the record is kept).
 */
static int
upexec_watch(struct isconfd *d, char **cause)
{
	struct upexec	*x = d->upexec;
	struct timeval	 tv = { 1, 0 };
	char		*why = NULL;

	/* Opened first, checked after: the pidfd holds the process the
	 * start time names, not a later one with its pid. */
	x->pidfd = pidfd_open(x->pid, 0);
	switch (upexec_alive(x, &why)) {
	case 0:
		upexec_gone(d);
		return 0;
	case -1:
		upexec_unknown(d, why, cause);
		free(why);
		return -1;
	}
	if (x->pidfd != -1) {
		x->ev = event_new(d->base, x->pidfd, EV_READ, upexec_poll, d);
		event_add(x->ev, NULL);
	} else {
		x->ev = evtimer_new(d->base, upexec_poll, d);
		evtimer_add(x->ev, &tv);
	}
	return 1;
}

/* At start-up: an exec recorded by an earlier daemon that is still
 * alive (same pid, start time and boot), or any process of its
 * session, is watched; a stale record is dropped; one /proc cannot
 * tell about is kept. */
int
upexec_open(struct isconfd *d, char **cause)
{
	struct upexec	*x;
	char		*v, *why = NULL, *name, boot[40];
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
	name = upexec_name(x);
	boot_id(boot, sizeof boot);
	if (strcmp(boot, x->boot) != 0) {
		log_info("%s was running when the host rebooted", name);
		free(name);
		upexec_clear(d);
		return 0;
	}
	log_warnx("%s from an earlier run may still be running as pid %ld",
	    name, (long)x->pid);
	free(name);
	if (upexec_watch(d, &why) == -1)
		free(why);	/* logged; up refuses until it can tell */
	return 0;
}

/*
 * Whether an earlier run's exec is alive: 1 yes, cb(d, arg, NULL) runs
 * once it (and its session) has exited, or cb(d, arg, cause) if /proc
 * stops telling; 0 none; -1 /proc cannot tell (cause).  cb NULL: stop
 * waiting.
 */
int
upexec_wait(struct isconfd *d, upexec_cb cb, void *arg, char **cause)
{
	struct upexec	*x = d->upexec;
	int		 r;

	if (x == NULL || !x->orphan)
		return 0;
	x->cb = NULL;
	x->arg = NULL;
	if (cb == NULL)
		return 1;
	/* Not watched: its last look at /proc failed; look again. */
	if (x->ev == NULL && (r = upexec_watch(d, cause)) != 1)
		return r;
	x->cb = cb;
	x->arg = arg;
	return 1;
}

void
upexec_close(struct isconfd *d)
{
	upexec_free(d->upexec);
	d->upexec = NULL;
}
