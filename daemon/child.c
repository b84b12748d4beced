/*
 * Child processes (execs, the reboot command), watched through the event
 * loop: SIGCHLD wakes the loop and child_reap hands each exit status to
 * the callback that spawned it.  Children get the host's configured
 * environment, umask 022 and /dev/null as stdin, the same on the origin
 * and on every target.
 */
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "isconfd.h"

extern char **environ;

int
child_status(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return 255;
}

static void
child_fds(int outfd, int errfd)
{
	int	null, fd;

	if ((null = open("/dev/null", O_RDWR)) == -1)
		_exit(127);
	if (outfd == -1)
		outfd = null;
	if (errfd == -1)
		errfd = null;
	if (dup2(null, 0) == -1 || dup2(outfd, 1) == -1 || dup2(errfd, 2) == -1)
		_exit(127);
	for (fd = 3; fd < 1024; fd++)
		close(fd);
}

static void
child_exec(struct isconfd *d, char *const argv[], const char *cwd,
    int outfd, int errfd)
{
	sigset_t	set;
	int		i;

	for (i = 1; i < NSIG; i++)
		signal(i, SIG_DFL);
	sigemptyset(&set);
	sigprocmask(SIG_SETMASK, &set, NULL);
	setsid();
	child_fds(outfd, errfd);
	umask(022);
	if (chdir(cwd) == -1) {
		dprintf(2, "isconf: error: cannot chdir to %s: %s\n", cwd,
		    strerror(errno));
		_exit(126);
	}
	environ = conf_envp(&d->conf);
	execvp(argv[0], argv);
	dprintf(2, "isconf: error: %s: %s\n", argv[0], strerror(errno));
	_exit(errno == ENOENT ? 127 : 126);
}

pid_t
child_spawn(struct isconfd *d, char *const argv[], const char *cwd,
    int outfd, int errfd, child_cb cb, void *arg, char **cause)
{
	struct child	*ch;
	pid_t		 pid;

	if ((pid = fork()) == -1)
		return set_cause(cause, "fork: %s", strerror(errno));
	if (pid == 0)
		child_exec(d, argv, cwd, outfd, errfd);
	ch = xcalloc(1, sizeof *ch);
	ch->pid = pid;
	ch->cb = cb;
	ch->arg = arg;
	LIST_INSERT_HEAD(&d->children, ch, entry);
	return pid;
}

void
child_reap(struct isconfd *d)
{
	struct child	*ch;
	pid_t		 pid;
	int		 status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		LIST_FOREACH(ch, &d->children, entry)
			if (ch->pid == pid)
				break;
		if (ch == NULL)
			continue;
		LIST_REMOVE(ch, entry);
		ch->cb(d, pid, status, ch->arg);
		free(ch);
	}
}
