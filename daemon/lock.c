/*
 * lock: open a transaction on this host's branch.  The lock is claimed
 * across the mesh (lockd.c), which journals a lock entry, carrying the
 * message, into the work in progress; ci publishes that work and unlock
 * throws it away.
 */
#include <stdlib.h>

#include "isconfd.h"

static void	verb_lock(struct client *);

const struct verb_entry verb_lock_entry = {
	.name = "lock",
	.exec = verb_lock,
};

static char *
join_args(struct client *c, size_t from)
{
	struct buf	b;
	size_t		i;

	buf_init(&b);
	for (i = from; i < c->req.argc; i++)
		buf_printf(&b, "%s%s", i > from ? " " : "", c->req.argv[i]);
	buf_add_u8(&b, 0);
	return (char *)b.data;
}

static void
lock_refuse(struct client *c, const struct jlock *l)
{
	char	when[64];

	fmt_time(when, sizeof when, l->time);
	client_err(c, "branch %s is locked by %s@%s since %s: %s",
	    c->d->branch, l->author, l->host, when, l->message);
	client_exit(c, EXIT_LOCKED);
}

static void
verb_lock(struct client *c)
{
	struct isconfd	*d = c->d;
	struct jlock	 l;
	struct jhead	 h;
	uint64_t	 applied;
	char		*msg, *cause = NULL;

	msg = join_args(c, 1);
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
