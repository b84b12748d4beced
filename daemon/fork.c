/*
 * fork: copy the current branch's journal into a new branch, append a
 * signed fork entry naming the parent, and move this host to it.
 */
#include <stdlib.h>
#include <string.h>

#include "isconfd.h"

static void	verb_fork(struct client *);

const struct verb_entry verb_fork_entry = {
	.name = "fork",
	.exec = verb_fork,
};

static void
verb_fork(struct client *c)
{
	struct isconfd	*d = c->d;
	const char	*to = c->req.argv[1];
	struct jhead	 h;
	struct entry	 e;
	struct sig_info	 si;
	uint64_t	 applied;
	char		*cause = NULL, *from, *origin = NULL;

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
	if (branch_origin(d, from, &origin, &cause) == -1 ||
	    journal_head(d->journal, from, &h, &cause) == -1 ||
	    journal_applied(d->journal, from, &applied, &cause) == -1 ||
	    state_entry_init(d, c, &e, ENTRY_FORK, &cause) == -1) {
		client_fail(c, cause);
		entry_free(&e);
		free(from);
		free(origin);
		free(cause);
		return;
	}
	free(e.message);
	xasprintf(&e.message, "fork of %s", from);
	memcpy(si.pubkey, d->pk, PUBKEY_LEN);
	/* The entries below were signed for the origin of a copy. */
	si.parent_branch = origin;
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
	free(origin);
	free(cause);
}
