/*
 * migrate: move this host to another branch, only one whose journal
 * holds, at the same places, every entry this host has applied (the
 * manual's "contiguous superset"), judged by this host's history, not by
 * the old branch's journal.
 */
#include <stdlib.h>
#include <string.h>

#include "isconfd.h"

static void	verb_migrate(struct client *);

const struct verb_entry verb_migrate_entry = {
	.name = "migrate",
	.exec = verb_migrate,
};

static void
verb_migrate(struct client *c)
{
	struct isconfd	*d = c->d;
	const char	*to = c->req.argv[1];
	uint64_t	 applied, bad;
	char		*cause = NULL;
	int		 r;

	if (!branch_name_ok(c, to) || state_no_wip(c, "migrate") == -1)
		return;
	if (strcmp(to, d->branch) == 0) {
		client_info(c, "this host is already on %s", to);
		client_exit(c, 0);
		return;
	}
	if ((r = journal_branch_exists(d->journal, to, &cause)) == 0) {
		client_err(c, "migrate: no branch %s is known here", to);
		client_exit(c, 1);
		return;
	}
	if (r == -1 || journal_applied(d->journal, d->branch, &applied,
	    &cause) == -1 || (r = journal_history_matches(d->journal,
	    d->branch, to, applied, &bad, &cause)) == -1) {
		client_err(c, "migrate: %s", cause);
		client_exit(c, 1);
		free(cause);
		return;
	}
	if (r == 1) {
		client_err(c, "migrate refused: %s is not a contiguous superset "
		    "of what this host applied on %s (entry %llu differs or "
		    "is missing)", to, d->branch, (unsigned long long)bad);
		client_exit(c, 1);
		return;
	}
	if (branch_switch(d, to, applied, &cause) == -1) {
		client_err(c, "migrate: %s", cause);
		client_exit(c, 1);
		free(cause);
		return;
	}
	client_info(c, "this host is now on %s; run 'isconf up' to apply its "
	    "entries", to);
	client_exit(c, 0);
}
