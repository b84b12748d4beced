/*
 * Child processes (execs, the reboot command), watched through the event
 * loop: SIGCHLD wakes the loop and child_reap collects exit statuses.
 * A child's stdout and stderr come through pipes: the daemon passes
 * them on to the client's terminal as they arrive and keeps the last
 * few KiB, so a failure can be reported with its output.  The callback
 * runs once the child has exited and its pipes are drained (or 2 s
 * after its exit, if something it started keeps them open).  Children
 * get the host's configured environment, umask 022 and /dev/null as
 * stdin, the same on the origin and on every target.
 *
 * They are started with posix_spawn (glibc's vfork path): fork() of
 * the daemon copied its page tables and took copy-on-write faults, the
 * larger part of replaying an `exec true` (make bench).  When
 * posix_spawn cannot start the command (not found, not executable, a
 * script without #!) the old fork path runs instead, so those failures
 * keep their exit status (127/126) and message in the entry's output,
 * and execvp's /bin/sh fallback.  The working directory is given as a
 * descriptor (fchdir): a replayed exec's is resolved beneath IS_ROOT
 * by its caller, and no path is looked up again in the child.
 */
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "isconfd.h"

#define CHILD_TAIL	4096

extern char **environ;

struct child {
	struct isconfd		*d;
	pid_t			 pid;
	child_cb		 cb;
	void			*arg;
	int			 exited;
	int			 wstatus;
	struct rusage		 ru;		/* wait4's */
	int			 pipe[2];	/* our ends: stdout, stderr */
	int			 dest[2];	/* the client's, or -1 */
	struct event		*ev[2];
	struct event		*linger;
	struct event		*kill;		/* SIGKILL after the grace */
	struct event		*drain;		/* its group, once it exited */
	int			 zombie;	/* exited, kept unreaped */
	int			 killed;	/* its grace ended in SIGKILL */
	struct buf		 tail;
	LIST_ENTRY(child)	 entry;
};

int
child_status(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return 255;
}

int
child_termsig(int wstatus)
{
	return WIFSIGNALED(wstatus) ? WTERMSIG(wstatus) : 0;
}

static void
child_fds(int outfd, int errfd)
{
	int	null, fd;

	if ((null = open("/dev/null", O_RDWR)) == -1)
		_exit(127);
	if (dup2(null, 0) == -1 || dup2(outfd, 1) == -1 || dup2(errfd, 2) == -1)
		_exit(127);
	/* One syscall, not a thousand: this was a sixth of the cost of
	 * replaying an exec (make bench). */
	if (close_range(3, ~0U, 0) == -1)
		for (fd = 3; fd < 1024; fd++)
			close(fd);
}

static void
child_exec(struct isconfd *d, char *const argv[], int cwdfd, int outfd,
    int errfd)
{
	sigset_t	set;
	int		i;

	for (i = 1; i < NSIG; i++)
		signal(i, SIG_DFL);
	sigemptyset(&set);
	sigprocmask(SIG_SETMASK, &set, NULL);
	setsid();
	if (fchdir(cwdfd) == -1) {	/* before child_fds closes it */
		dprintf(errfd, "isconf: error: cannot chdir: %s\n",
		    strerror(errno));
		_exit(126);
	}
	child_fds(outfd, errfd);
	umask(022);
	environ = conf_envp(&d->conf);
	execvp(argv[0], argv);
	dprintf(2, "isconf: error: %s: %s\n", argv[0], strerror(errno));
	_exit(errno == ENOENT ? 127 : 126);
}

/* argv[0] found on the configured PATH (what execvp would run), or
 * NULL.  Returns a new string. */
static char *
child_which(const char *cmd, char *const envp[])
{
	const char	*path = NULL, *p, *e;
	char		*full;
	size_t		 i;

	if (strchr(cmd, '/') != NULL)
		return xstrdup(cmd);
	for (i = 0; envp[i] != NULL; i++)
		if (strncmp(envp[i], "PATH=", 5) == 0)
			path = envp[i] + 5;
	for (p = path; p != NULL && *p != '\0'; p = *e ? e + 1 : e) {
		e = strchr(p, ':');
		if (e == NULL)
			e = p + strlen(p);
		xasprintf(&full, "%.*s/%s", (int)(e - p), p == e ? "." : p,
		    cmd);
		if (access(full, X_OK) == 0)
			return full;
		free(full);
	}
	return NULL;
}

/* posix_spawn the command as child_exec would exec it; -1 if it cannot
 * (the caller then forks, and child_exec reports why). */
static pid_t
child_fast(struct isconfd *d, char *const argv[], int cwdfd, int outfd,
    int errfd)
{
	posix_spawn_file_actions_t	 fa;
	posix_spawnattr_t		 at;
	sigset_t			 all, none;
	char				**envp, *file;
	pid_t				 pid = -1;

	envp = conf_envp(&d->conf);
	if ((file = child_which(argv[0], envp)) == NULL) {
		conf_envp_free(envp);
		return -1;
	}
	sigfillset(&all);
	sigemptyset(&none);
	posix_spawnattr_init(&at);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGDEF |
	    POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSID);
	posix_spawnattr_setsigdefault(&at, &all);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDWR, 0);
	posix_spawn_file_actions_adddup2(&fa, outfd, 1);
	posix_spawn_file_actions_adddup2(&fa, errfd, 2);
	posix_spawn_file_actions_addfchdir_np(&fa, cwdfd);
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	if (posix_spawn(&pid, file, &fa, &at, argv, envp) != 0)
		pid = -1;
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	conf_envp_free(envp);
	free(file);
	return pid;
}

/*
 * Signal the child's process group: it leads its own session and group
 * (setsid), so this reaches what it started in its group but not a
 * service it started with setsid() in a session of its own.  A forked
 * child may not have called setsid() yet: then the child alone.
 */
static void
child_signal(struct child *ch, int sig)
{
	if (kill(-ch->pid, sig) == -1 && errno == ESRCH && !ch->exited)
		kill(ch->pid, sig);
}

static void	child_drained(struct child *);

static void
child_kill_end(evutil_socket_t fd, short events, void *arg)
{
	struct child	*ch = arg;

	(void)fd;
	(void)events;
	log_warnx("process group %ld outlived its SIGTERM grace: SIGKILL",
	    (long)ch->pid);
	child_signal(ch, SIGKILL);
	ch->killed = 1;
	if (ch->zombie)
		child_drained(ch);
}

/* End a child's process group: SIGTERM now, SIGKILL after grace_s
 * seconds (and for whatever of the group outlives the child).  Its
 * callback runs as usual once it has exited.  -1 if it is not ours. */
int
child_kill(struct isconfd *d, pid_t pid, int grace_s)
{
	struct child	*ch;
	struct timeval	 tv = { grace_s, 0 };

	LIST_FOREACH(ch, &d->children, entry)
		if (ch->pid == pid)
			break;
	if (ch == NULL)
		return -1;
	if (ch->kill != NULL)
		return 0;
	log_info("process group %ld: SIGTERM, SIGKILL in %d s", (long)pid,
	    grace_s);
	child_signal(ch, SIGTERM);
	ch->kill = evtimer_new(d->base, child_kill_end, ch);
	evtimer_add(ch->kill, &tv);
	return 0;
}

static void
child_finish(struct child *ch)
{
	int	i;

	for (i = 0; i < 2; i++) {
		if (ch->ev[i] != NULL)
			event_free(ch->ev[i]);
		if (ch->pipe[i] != -1)
			close(ch->pipe[i]);
	}
	if (ch->linger != NULL)
		event_free(ch->linger);
	if (ch->drain != NULL)
		event_free(ch->drain);
	if (ch->kill != NULL) {
		/* What of its group outlived it after SIGTERM goes too. */
		child_signal(ch, SIGKILL);
		event_free(ch->kill);
	}
	LIST_REMOVE(ch, entry);
	ch->cb(ch->d, ch->pid, ch->wstatus, &ch->ru, &ch->tail, ch->arg);
	buf_free(&ch->tail);
	free(ch);
}

static void
child_maybe_finish(struct child *ch)
{
	if (ch->exited && ch->pipe[0] == -1 && ch->pipe[1] == -1)
		child_finish(ch);
}

static void
tail_add(struct buf *t, const uint8_t *p, size_t n)
{
	if (n >= CHILD_TAIL) {
		buf_reset(t);
		buf_add(t, p + n - CHILD_TAIL, CHILD_TAIL);
		return;
	}
	if (t->len + n > CHILD_TAIL) {
		size_t drop = t->len + n - CHILD_TAIL;
		memmove(t->data, t->data + drop, t->len - drop);
		t->len -= drop;
	}
	buf_add(t, p, n);
}

static void
child_pipe_read(evutil_socket_t fd, short events, void *arg)
{
	struct child	*ch = arg;
	uint8_t		 buf[65536];
	ssize_t		 n, w;
	int		 i = fd == ch->pipe[0] ? 0 : 1;

	(void)events;
	n = read(fd, buf, sizeof buf);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		event_free(ch->ev[i]);
		ch->ev[i] = NULL;
		close(ch->pipe[i]);
		ch->pipe[i] = -1;
		child_maybe_finish(ch);
		return;
	}
	tail_add(&ch->tail, buf, (size_t)n);
	/* Best effort: a client that went away loses the rest. */
	for (ssize_t off = 0; ch->dest[i] != -1 && off < n; off += w)
		if ((w = write(ch->dest[i], buf + off, (size_t)(n - off))) <= 0)
			break;
}

static void
child_linger_end(evutil_socket_t fd, short events, void *arg)
{
	struct child	*ch = arg;
	int		 i;

	(void)fd;
	(void)events;
	for (i = 0; i < 2; i++) {
		if (ch->pipe[i] == -1)
			continue;
		event_free(ch->ev[i]);
		ch->ev[i] = NULL;
		close(ch->pipe[i]);
		ch->pipe[i] = -1;
	}
	child_finish(ch);
}

pid_t
child_spawn(struct isconfd *d, char *const argv[], int cwdfd, int outfd,
    int errfd, child_cb cb, void *arg, char **cause)
{
	return child_spawn_in(d, NULL, argv, cwdfd, outfd, errfd, cb, arg,
	    cause);
}

/* As child_spawn; with sb, inside an image (sandbox.c; cwdfd unused). */
pid_t
child_spawn_in(struct isconfd *d, const struct sandbox *sb,
    char *const argv[], int cwdfd, int outfd, int errfd, child_cb cb,
    void *arg, char **cause)
{
	struct child	*ch;
	int		 p[2][2], i;
	pid_t		 pid;

	if (pipe2(p[0], O_CLOEXEC) == -1)
		return set_cause(cause, "pipe: %s", strerror(errno));
	if (pipe2(p[1], O_CLOEXEC) == -1) {
		close(p[0][0]);
		close(p[0][1]);
		return set_cause(cause, "pipe: %s", strerror(errno));
	}
	if ((sb != NULL || (pid = child_fast(d, argv, cwdfd, p[0][1],
	    p[1][1])) == -1) && (pid = fork()) == -1) {
		for (i = 0; i < 4; i++)
			close(p[i / 2][i % 2]);
		return set_cause(cause, "fork: %s", strerror(errno));
	}
	if (pid == 0 && sb != NULL)
		sandbox_exec(d, sb, argv, p[0][1], p[1][1]);
	if (pid == 0)
		child_exec(d, argv, cwdfd, p[0][1], p[1][1]);
	ch = xcalloc(1, sizeof *ch);
	ch->d = d;
	ch->pid = pid;
	ch->cb = cb;
	ch->arg = arg;
	ch->dest[0] = outfd;
	ch->dest[1] = errfd;
	for (i = 0; i < 2; i++) {
		close(p[i][1]);
		ch->pipe[i] = p[i][0];
		fcntl(ch->pipe[i], F_SETFL, O_NONBLOCK);
		ch->ev[i] = event_new(d->base, ch->pipe[i], EV_READ | EV_PERSIST,
		    child_pipe_read, ch);
		event_add(ch->ev[i], NULL);
	}
	LIST_INSERT_HEAD(&d->children, ch, entry);
	return pid;
}

/* The child has been reaped: finish once its pipes are drained, or
 * 2 s on if something it started keeps them open.  1 if finished (ch
 * is gone). */
static int
child_exited(struct child *ch, int wstatus)
{
	struct timeval	 tv = { 2, 0 };

	ch->exited = 1;
	ch->wstatus = wstatus;
	if (ch->pipe[0] == -1 && ch->pipe[1] == -1) {
		child_finish(ch);
		return 1;
	}
	ch->linger = evtimer_new(ch->d->base, child_linger_end, ch);
	evtimer_add(ch->linger, &tv);
	return 0;
}

/* 1 if a live process other than the leader is in group pgid (or
 * /proc cannot tell: then it waits for the grace). */
static int
child_group_alive(pid_t pgid)
{
	char	*cause = NULL;
	int	 r;

	if ((r = proc_find(PROC_PGRP, pgid, pgid, &cause)) == -1) {
		log_warnx("process group %ld: %s", (long)pgid, cause);
		free(cause);
	}
	return r != 0;
}

/* The ended child's group is empty, or has just been SIGKILLed: reap
 * the leader, whose unreaped pid kept the group's id from reuse. */
static void
child_drained(struct child *ch)
{
	int	wstatus = 0;

	if (ch->drain != NULL) {
		event_free(ch->drain);
		ch->drain = NULL;
	}
	ch->zombie = 0;
	while (wait4(ch->pid, &wstatus, 0, &ch->ru) == -1 && errno == EINTR)
		;
	child_exited(ch, wstatus);
}

static void
child_drain_poll(evutil_socket_t fd, short events, void *arg)
{
	struct child	*ch = arg;

	(void)fd;
	(void)events;
	if (!child_group_alive(ch->pid))
		child_drained(ch);
}

/*
 * A child being ended (child_kill) has exited: it is left unreaped, so
 * that its pid, its group's id, cannot be reused, until the rest of its
 * group has exited too or the grace ends in SIGKILL.  Those get the
 * whole grace to handle SIGTERM, however soon the leader died.
 */
static void
child_drain(struct child *ch)
{
	struct timeval	 tv = { 0, 100000 };

	ch->zombie = 1;
	if (ch->killed || !child_group_alive(ch->pid)) {
		child_drained(ch);
		return;
	}
	ch->drain = event_new(ch->d->base, -1, EV_PERSIST, child_drain_poll,
	    ch);
	evtimer_add(ch->drain, &tv);
}

/* Collect the children that have exited.  Each is waited for by pid:
 * one being ended is only looked at (WNOWAIT), see child_drain. */
void
child_reap(struct isconfd *d)
{
	struct child	*ch;
	siginfo_t	 si;
	pid_t		 pid;
	int		 status;

again:
	LIST_FOREACH(ch, &d->children, entry) {
		if (ch->exited || ch->zombie)
			continue;
		if (ch->kill != NULL) {
			memset(&si, 0, sizeof si);
			if (waitid(P_PID, (id_t)ch->pid, &si, WEXITED |
			    WNOHANG | WNOWAIT) == 0 && si.si_pid == ch->pid) {
				child_drain(ch);
				goto again;
			}
			continue;
		}
		if ((pid = wait4(ch->pid, &status, WNOHANG, &ch->ru)) ==
		    ch->pid && child_exited(ch, status))
			goto again;
	}
}
