/*
 * skip: inside a transaction, journal that entry SEQ of this host's
 * branch is not to be applied (issue 16).  Once checked in, every host
 * that has not applied SEQ skips it when up reaches it and goes on with
 * the entries after it, the fix of the same transaction among them.
 * What may be skipped is skipped.c's skip_check.
 */
#include <stdlib.h>
#include <string.h>

#include "isconfd.h"

static void	verb_skip(struct client *);

const struct verb_entry verb_skip_entry = {
	.name = "skip",
	.exec = verb_skip,
};

static void
verb_skip(struct client *c)
{
	struct isconfd		*d = c->d;
	struct jlock		 l;
	struct skip_info	 k;
	struct entry		 e;
	char			*cause = NULL;

	if (state_need_lock(c, &l) == -1)
		return;
	jlock_free(&l);
	memset(&e, 0, sizeof e);
	if (skip_check(d, c->req.argv[1], &k, &cause) == -1) {
		client_err(c, "skip refused: %s", cause);
		client_exit(c, 1);
		goto out;
	}
	k.reason = client_args(c, 2);
	if (state_entry_init(d, c, &e, ENTRY_SKIP, &cause) == -1)
		goto fail;
	skip_encode(&k, &e.payload);
	if (journal_wip_add(d->journal, d->branch, &e, &cause) == -1)
		goto fail;
	client_info(c, "entry %llu will be skipped by every host that has "
	    "not applied it, once this transaction is checked in",
	    (unsigned long long)k.seq);
	client_exit(c, 0);
	goto out;
fail:
	client_err(c, "skip: %s", cause);
	client_exit(c, 1);
out:
	skip_info_free(&k);
	entry_free(&e);
	free(cause);
}
