/*
 * fork and migrate: move this host to another branch.  A fork copies the
 * current branch's journal into a new branch and appends a signed fork
 * entry naming the parent; migrate only moves to a branch whose journal
 * holds, at the same places, every entry this host has applied (the
 * manual's "contiguous superset"), judged by this host's history, not by
 * the old branch's journal.
 */
#include <stdlib.h>
#include <string.h>

#include "isconfd.h"

static int
branch_name_ok(struct client *c, const char *name)
{
	if (name_valid(name))
		return 1;
	client_err(c, "'%s' is not a valid branch name (\\w+[-\\w.]+)", name);
	client_exit(c, EXIT_USAGE);
	return 0;
}

/* Move this host's history and its branch file to `to`. */
static int
branch_switch(struct isconfd *d, const char *to, uint64_t applied,
    char **cause)
{
	if (journal_history_copy(d->journal, d->branch, to, applied,
	    cause) == -1)
		return -1;
	return state_set_branch(d, to, cause);
}

void
verb_fork(struct client *c)
{
	struct isconfd	*d = c->d;
	const char	*to = c->req.argv[1];
	struct jhead	 h;
	struct entry	 e;
	struct sig_info	 si;
	uint64_t	 applied;
	char		*cause = NULL, *from;

	if (!branch_name_ok(c, to) || state_no_wip(c, "fork") == -1)
		return;
	switch (journal_branch_exists(d->journal, to, &cause)) {
	case -1:
		client_fail(c, cause);
		free(cause);
		return;
	case 1:
		client_err(c, "branch %s already exists; use 'isconf migrate "
		    "%s' to move this host to it", to, to);
		client_exit(c, 1);
		return;
	}
	from = xstrdup(d->branch);
	memset(&e, 0, sizeof e);
	if (journal_head(d->journal, from, &h, &cause) == -1 ||
	    journal_applied(d->journal, from, &applied, &cause) == -1 ||
	    state_entry_init(d, c, &e, ENTRY_FORK, &cause) == -1) {
		client_fail(c, cause);
		entry_free(&e);
		free(from);
		free(cause);
		return;
	}
	free(e.message);
	xasprintf(&e.message, "fork of %s", from);
	memcpy(si.pubkey, d->pk, PUBKEY_LEN);
	si.parent_branch = from;
	sig_encode(&si, &e.payload);
	e.seq = h.seq + 1;
	memcpy(e.parent, h.id, HASH_LEN);
	entry_compute_id(&e);
	hostkey_sign(d, &e, to);
	if (journal_fork(d->journal, from, to, h.seq, &e, &cause) == -1 ||
	    branch_switch(d, to, applied, &cause) == -1 ||
	    (applied == h.seq && journal_mark_applied(d->journal, to, &e, 0, 0,
	    &cause) == -1)) {
		client_err(c, "fork: %s", cause);
		client_exit(c, 1);
	} else {
		client_info(c, "forked %s from %s at entry %llu; this host is "
		    "now on %s", to, from, (unsigned long long)h.seq, to);
		log_info("forked %s from %s at %llu", to, from,
		    (unsigned long long)h.seq);
		mesh_announce(d, ANNOUNCE_CHANGE);
		client_exit(c, 0);
	}
	entry_free(&e);
	free(from);
	free(cause);
}

void
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
