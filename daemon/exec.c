/*
 * exec on the origin: runs the command now, in the client's working
 * directory, with the host's configured environment, writing straight
 * to the client's terminal; only a command that succeeds is journaled.
 * An interrupted client (Ctrl-C: it shuts its end of the socket, or it
 * dies) ends the command's process group as a stop does (SIGTERM,
 * SIGKILL after IS_EXEC_GRACE) and nothing is journaled, however the
 * command ends: what the operator cancelled must not run on every
 * target.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "isconfd.h"

static void	verb_exec(struct client *);

const struct verb_entry verb_exec_entry = {
	.name = "exec",
	.exec = verb_exec,
};

struct exec_job {
	struct client		*c;
	struct exec_info	 x;
	pid_t			 pid;
	int			 cancelled;
};

static void
exec_cancel(struct client *c)
{
	struct exec_job	*job = c->cancel_arg;
	char		*cmd = argv_quote(job->x.argv, job->x.argc);

	job->cancelled = 1;
	log_info("exec %s: the client was interrupted: ending it, not "
	    "journaled", cmd);
	free(cmd);
	child_kill(c->d, job->pid, c->d->conf.exec_grace);
}

static void
exec_done(struct isconfd *d, pid_t pid, int wstatus,
    const struct rusage *ru, const struct buf *tail, void *arg)
{
	struct exec_job	*job = arg;
	struct client	*c = job->c;
	struct entry	 e;
	char		*cause = NULL;
	int		 status = child_status(wstatus);
	char		 why[64], *cmd, *usage = NULL;

	(void)pid;
	(void)tail;
	c->cancel = NULL;
	if (job->cancelled) {
		cmd = argv_quote(job->x.argv, job->x.argc);
		client_err(c, "exec %s: interrupted: %s; not journaled (any "
		    "changes it made on this host stay)", cmd, status == 0 ?
		    "it ended with exit status 0" : status_why(why,
		    sizeof why, status, child_termsig(wstatus)));
		free(cmd);
		client_exit(c, 130);
		goto out;
	}
	if (status != 0) {
		cmd = argv_quote(job->x.argv, job->x.argc);
		client_err(c, "exec %s: %s; not journaled (any changes it "
		    "made on this host stay)", cmd, status_why(why,
		    sizeof why, status, child_termsig(wstatus)));
		free(cmd);
		client_exit(c, status);
		goto out;
	}
	if (state_entry_init(d, c, &e, ENTRY_EXEC, &cause) == 0)
		exec_encode(&job->x, &e.payload);
	usage = usage_exec(ru);
	if (cause != NULL || journal_wip_add_usage(d->journal, d->branch, &e,
	    usage, &cause) == -1) {
		client_err(c, "exec ran but could not be journaled: %s",
		    cause);
		client_exit(c, 1);
	} else
		client_exit(c, 0);
	entry_free(&e);
out:
	free(usage);
	free(cause);
	exec_info_free(&job->x);
	free(job);
}

static void
verb_exec(struct client *c)
{
	struct isconfd	*d = c->d;
	struct exec_job	*job;
	struct jlock	 l;
	char		*cause = NULL;
	size_t		 i;
	int		 cwdfd;

	if (state_need_lock(c, &l) == -1)
		return;
	jlock_free(&l);
	job = xcalloc(1, sizeof *job);
	job->c = c;
	if ((job->x.cwd = state_root_relative(d, c->req.cwd, &cause)) == NULL)
		goto fail;
	job->x.argc = c->req.argc - 1;
	job->x.argv = xcalloc(job->x.argc + 1, sizeof *job->x.argv);
	for (i = 0; i < job->x.argc; i++)
		job->x.argv[i] = xstrdup(c->req.argv[i + 1]);
	/* The client's own directory: the origin runs it where asked. */
	if ((cwdfd = open(c->req.cwd, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1) {
		set_cause(&cause, "%s: %s", c->req.cwd, strerror(errno));
		goto fail;
	}
	if ((job->pid = child_spawn(d, job->x.argv, cwdfd, c->outfd,
	    c->errfd, exec_done, job, &cause)) == -1) {
		close(cwdfd);
		goto fail;
	}
	close(cwdfd);
	c->cancel = exec_cancel;
	c->cancel_arg = job;
	return;
fail:
	client_err(c, "exec: %s", cause);
	client_exit(c, 1);
	exec_info_free(&job->x);
	free(job);
	free(cause);
}
