/*
 * unlock: break the lock on this host's branch, whoever holds it; the
 * uncommitted work of the transaction is thrown away.
 */
#include <stdlib.h>

#include "isconfd.h"

static void	verb_unlock(struct client *);

const struct verb_entry verb_unlock_entry = {
	.name = "unlock",
	.exec = verb_unlock,
};

static void
verb_unlock(struct client *c)
{
	struct isconfd	*d = c->d;
	struct jlock	 l;
	uint64_t	 e, q;
	char		*cause = NULL;

	switch (journal_lock_get(d->journal, d->branch, &l, &cause)) {
	case -1:
		client_fail(c, cause);
		free(cause);
		return;
	case 0:
		client_err(c, "branch %s is not locked", d->branch);
		client_exit(c, EXIT_NOT_LOCKED);
		return;
	}
	if (lockd_release_prepare(d, d->branch, &l, &e, &q, &cause) == -1 ||
	    journal_lock_clear(d->journal, d->branch, &cause) == -1) {
		client_err(c, "%s", cause);
		client_exit(c, 1);
	} else {
		lockd_announce_release(d, d->branch, l.host, l.time, e, q);
		client_info(c, "unlocked %s; the uncommitted work of %s@%s "
		    "(%s) is discarded", d->branch, l.author, l.host,
		    l.message);
		log_info("%s broke the lock of %s@%s on %s", c->req.author,
		    l.author, l.host, d->branch);
		client_exit(c, 0);
	}
	jlock_free(&l);
	free(cause);
}
