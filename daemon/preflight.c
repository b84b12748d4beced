/*
 * ci --test BASE: test a transaction before it reaches the fleet, as
 * the ISconf manual asks ("test O/S changes before deploying them to
 * production").  The branch and then the open transaction are replayed
 * into a scratch image from BASE (image.c: snaps installed, execs run
 * inside the image); only if every entry succeeds there does ci go on
 * and check the transaction in.  Otherwise the failing entry and its
 * output have been shown, and the lock and the transaction are kept
 * for a fix.  The scratch image is removed either way.  BASE may be an
 * image of the branch: then only what follows it is replayed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "isconfd.h"

#define PREFLIGHT_DIR	"/var/tmp/isconf-test.XXXXXX"

struct preflight {
	struct client	*c;
	void		(*commit)(struct client *);
	char		*dir;
	char		*base;
	struct entry	*wip;
	size_t		 nwip;
	int		 ok;
};

static void
preflight_free(struct preflight *pf)
{
	journal_entries_free(pf->wip, pf->nwip);
	free(pf->dir);
	free(pf->base);
	free(pf);
}

static void
preflight_removed(struct isconfd *d, pid_t pid, int wstatus,
    const struct rusage *ru, const struct buf *tail, void *arg)
{
	struct preflight	*pf = arg;
	struct client		*c = pf->c;

	(void)d;
	(void)pid;
	(void)ru;
	(void)tail;
	if (wstatus != 0)
		log_warnx("ci --test: could not remove the scratch image %s",
		    pf->dir);
	if (pf->ok) {
		client_info(c, "ci --test: every entry succeeded in a scratch "
		    "image from %s", pf->base);
		pf->commit(c);
	} else {
		client_err(c, "ci --test: not checked in: the transaction "
		    "fails in an image from %s; the lock and the transaction "
		    "are kept (fix it and run 'isconf ci --test %s' again, or "
		    "'isconf unlock')", pf->base, pf->base);
		client_exit(c, 1);
	}
	preflight_free(pf);
}

/* The replay has ended: remove the scratch image, then go on. */
static void
preflight_built(struct client *c, int ok, void *arg)
{
	struct preflight	*pf = arg;
	char			*argv[] = { "rm", "-rf", "--one-file-system",
				    "--", pf->dir, NULL }, *cause = NULL;
	int			 fd;

	pf->ok = ok;
	if ((fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    child_spawn(c->d, argv, fd, -1, c->errfd, preflight_removed, pf,
	    &cause) == -1) {
		log_warnx("ci --test: removing %s: %s", pf->dir,
		    cause ? cause : strerror(errno));
		free(cause);
		preflight_removed(c->d, 0, 1, NULL, NULL, pf);
	}
	if (fd != -1)
		close(fd);
}

void
preflight_run(struct client *c, const char *base,
    void (*commit)(struct client *))
{
	struct isconfd		*d = c->d;
	struct preflight	*pf;
	struct image_opts	 o;
	struct jlock		 l;
	char			*cause = NULL;

	if (state_need_lock(c, &l) == -1)
		return;
	jlock_free(&l);
	pf = xcalloc(1, sizeof *pf);
	pf->c = c;
	pf->commit = commit;
	pf->base = client_path(c, base);
	pf->dir = xstrdup(PREFLIGHT_DIR);
	if (journal_wip_list(d->journal, d->branch, &pf->wip, &pf->nwip,
	    &cause) == -1 || (mkdtemp(pf->dir) == NULL &&
	    set_cause(&cause, "mkdtemp %s: %s", pf->dir, strerror(errno)))) {
		client_fail(c, cause);
		free(cause);
		preflight_free(pf);
		return;
	}
	memset(&o, 0, sizeof o);
	/* Below the 0700 directory: the copy gives the image the base's
	 * root mode, and a base's setuid files or device nodes must not be
	 * reachable by local users while the test runs. */
	o.dir = path_join(pf->dir, "image");
	o.base = xstrdup(pf->base);
	o.branch = xstrdup(d->branch);
	o.extra = pf->wip;
	o.nextra = pf->nwip;
	client_info(c, "ci --test: replaying %s and the transaction into a "
	    "scratch image from %s", d->branch, pf->base);
	image_build(c, &o, preflight_built, pf);
}
