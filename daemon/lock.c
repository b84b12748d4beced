/*
 * lock: open a transaction on this host's branch.  The lock is claimed
 * across the mesh (lockd.c), which journals a lock entry, carrying the
 * message, into the work in progress; ci publishes that work and unlock
 * throws it away.
 *
 * A host that has not applied its branch's head may not lock: its
 * changes would be made on a state the others do not have.  One
 * exception (issue 16): a host stuck at entry SEQ, the first it has not
 * applied, may open a transaction that begins by skipping SEQ, `lock
 * --skip SEQ MESSAGE`; otherwise an entry that fails everywhere but on
 * its origin could be repaired from the origin only.
 */
#include <stdlib.h>
#include <string.h>

#include "isconfd.h"

static void	verb_lock(struct client *);

const struct verb_entry verb_lock_entry = {
	.name = "lock",
	.exec = verb_lock,
};

static void
lock_refuse(struct client *c, const struct jlock *l)
{
	char	when[64];

	fmt_time(when, sizeof when, l->time);
	client_err(c, "branch %s is locked by %s@%s since %s: %s",
	    c->d->branch, l->author, l->host, when, l->message);
	client_exit(c, EXIT_LOCKED);
}

/*
 * lock --skip SEQ: the skip entry the transaction begins with, checked
 * as skip checks it, and on a host that is behind only of the entry it
 * is stuck at.  0 and the entry, or -1 after telling the client.
 */
static int
lock_skip_entry(struct client *c, const char *arg, const char *msg,
    uint64_t applied, uint64_t head, struct entry *e)
{
	struct isconfd		*d = c->d;
	struct skip_info	 k;
	char			*cause = NULL;

	if (skip_check(d, arg, &k, &cause) == -1) {
		client_err(c, "lock --skip refused: %s", cause);
		free(cause);
		client_exit(c, 1);
		return -1;
	}
	if (applied < head && k.seq != applied + 1) {
		client_err(c, "lock --skip refused: this host is stuck at "
		    "entry %llu (it has applied %llu of the %llu entries of "
		    "%s), so the transaction it opens may skip only that "
		    "entry", (unsigned long long)applied + 1,
		    (unsigned long long)applied, (unsigned long long)head,
		    d->branch);
		client_exit(c, 1);
		return -1;
	}
	memset(e, 0, sizeof *e);
	e->kind = ENTRY_SKIP;
	e->time = now_ns() / 1000000000;
	e->host = xstrdup(d->conf.hostname);
	e->author = xstrdup(c->req.author);
	e->message = xstrdup(msg);
	k.reason = xstrdup("");
	skip_encode(&k, &e->payload);
	skip_info_free(&k);
	return 0;
}

static void
verb_lock(struct client *c)
{
	struct isconfd	*d = c->d;
	struct jlock	 l;
	struct jhead	 h;
	struct entry	 skip;
	uint64_t	 applied;
	const char	*skip_arg = NULL;
	char		*msg, *cause = NULL;

	if (c->req.argc >= 2 && strcmp(c->req.argv[1], "--skip") == 0) {
		if (c->req.argc < 3) {
			client_err(c, "usage: isconf lock [--skip SEQ] "
			    "MESSAGE...");
			client_exit(c, EXIT_USAGE);
			return;
		}
		skip_arg = c->req.argv[2];
	}
	msg = client_args(c, skip_arg != NULL ? 3 : 1);
	if (*str_trim(msg) == '\0') {
		client_err(c, "lock needs a message: isconf lock MESSAGE...");
		client_exit(c, EXIT_NO_MESSAGE);
		goto out;
	}
	switch (journal_lock_get(d->journal, d->branch, &l, &cause)) {
	case -1:
		client_fail(c, cause);
		goto out;
	case 1:
		lock_refuse(c, &l);
		jlock_free(&l);
		goto out;
	}
	if (journal_head(d->journal, d->branch, &h, &cause) == -1 ||
	    journal_applied(d->journal, d->branch, &applied, &cause) == -1) {
		client_fail(c, cause);
		goto out;
	}
	if (skip_arg != NULL) {
		if (lock_skip_entry(c, skip_arg, msg, applied, h.seq,
		    &skip) == -1)
			goto out;
		/* The base is the head received, not applied: peers deny a
		 * claim that builds on less than they have. */
		lockd_claim_first(c, msg, h.seq, &skip);
		entry_free(&skip);
		goto out;
	}
	if (applied < h.seq) {
		client_err(c, "this host has applied %llu of the %llu entries "
		    "of %s: run 'isconf up' before locking",
		    (unsigned long long)applied, (unsigned long long)h.seq,
		    d->branch);
		client_exit(c, 1);
		goto out;
	}
	/* Claim it across the mesh; lockd ends the request. */
	lockd_claim(c, msg, h.seq);
out:
	free(cause);
	free(msg);
}
