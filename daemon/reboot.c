/*
 * reboot on the origin: journal a reboot entry, then run IS_REBOOT_CMD
 * (reboot_run, which up runs too for a replayed reboot entry).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "isconfd.h"

static void	verb_reboot(struct client *);

const struct verb_entry verb_reboot_entry = {
	.name = "reboot",
	.exec = verb_reboot,
};

static void
reboot_done(struct isconfd *d, pid_t pid, int wstatus,
    const struct rusage *ru, const struct buf *tail, void *arg)
{
	struct client	*c = arg;
	int		 status = child_status(wstatus);
	char		 why[64];

	(void)d;
	(void)ru;
	(void)pid;
	(void)tail;
	if (status != 0) {
		client_err(c, "IS_REBOOT_CMD (%s) failed: %s",
		    d->conf.reboot_cmd, status_why(why, sizeof why, status,
		    child_termsig(wstatus)));
		client_exit(c, 1);
		return;
	}
	client_exit(c, 0);
}

/* Run IS_REBOOT_CMD through sh; reboot_done or the caller's cb ends it. */
int
reboot_run(struct client *c, child_cb cb, void *arg, char **cause)
{
	struct isconfd	*d = c->d;
	char		*argv[] = { "/bin/sh", "-c", d->conf.reboot_cmd, NULL };
	pid_t		 pid;
	int		 cwdfd;

	log_info("rebooting: %s", d->conf.reboot_cmd);
	client_info(c, "rebooting: %s", d->conf.reboot_cmd);
	if ((cwdfd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return set_cause(cause, "/: %s", strerror(errno));
	pid = child_spawn(d, argv, cwdfd, c->outfd, c->errfd, cb, arg, cause);
	close(cwdfd);
	return pid == -1 ? -1 : 0;
}

static void
verb_reboot(struct client *c)
{
	struct isconfd	*d = c->d;
	struct jlock	 l;
	struct entry	 e;
	char		*cause = NULL;

	if (state_need_lock(c, &l) == -1)
		return;
	jlock_free(&l);
	if (state_entry_init(d, c, &e, ENTRY_REBOOT, &cause) == -1 ||
	    journal_wip_add(d->journal, d->branch, &e, &cause) == -1 ||
	    reboot_run(c, reboot_done, c, &cause) == -1) {
		client_err(c, "reboot: %s", cause);
		client_exit(c, 1);
	}
	entry_free(&e);
	free(cause);
}
