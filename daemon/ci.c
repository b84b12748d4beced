/*
 * ci: publish the work in progress of this host's transaction as one
 * unit, chained onto the head and closed by a signed ci entry, and
 * release the lock.  A host that is behind (it opened the transaction
 * with lock --skip) journals it without recording it as applied: its
 * up then replays the branch in journal order, skipping the entry it
 * was stuck at, as every other host does.
 */
#include <stdlib.h>
#include <string.h>

#include "isconfd.h"

static void	verb_ci(struct client *);

const struct verb_entry verb_ci_entry = {
	.name = "ci",
	.exec = verb_ci,
};

/* Chain the wip entries onto the head and close them with a ci entry. */
static struct entry *
ci_build(struct client *c, struct entry *wip, size_t n,
    const struct jhead *h, char **cause)
{
	struct isconfd	*d = c->d;
	struct entry	*es = xcalloc(n + 1, sizeof *es);
	struct sig_info	 si;
	char		*origin;
	size_t		 i;

	/* On a fork copy, signed for the branch it is a copy of. */
	if (branch_origin(d, d->branch, &origin, cause) == -1) {
		free(es);
		return NULL;
	}
	for (i = 0; i <= n; i++) {
		if (i < n)
			entry_copy(&es[i], &wip[i]);
		else if (state_entry_init(d, c, &es[i], ENTRY_CI,
		    cause) == -1) {
			journal_entries_free(es, n + 1);
			free(origin);
			return NULL;
		} else {
			memcpy(si.pubkey, d->pk, PUBKEY_LEN);
			si.parent_branch = NULL;
			sig_encode(&si, &es[i].payload);
			/* After the execs ran: what verify compares
			 * targets with. */
			disk_record(c, wip, n, &es[i].payload);
			/* The origin's waves: every host gates this
			 * transaction by the same list. */
			if (d->conf.nwaves > 0) {
				struct ci_waves w = { d->conf.waves,
				    d->conf.nwaves };
				ci_waves_encode(&w, &es[i].payload);
			}
		}
		es[i].seq = h->seq + 1 + i;
		memcpy(es[i].parent, i ? es[i - 1].id : h->id, HASH_LEN);
		entry_compute_id(&es[i]);
	}
	hostkey_sign(d, &es[n], origin);
	free(origin);
	return es;
}

/*
 * JA_APPLIED, or 0 on a host that has not applied the head: marking
 * its own entries applied would put them in its history before the
 * entries it has not applied yet, and up (which goes on after the
 * highest applied) would never apply those.  Such a transaction must
 * begin with a skip of the entry the host is stuck at (lock --skip): a
 * crash between the lock and its skip entry leaves one without.
 * -1 with cause.
 */
static int
ci_applied_flag(struct isconfd *d, const struct jhead *h, int *flag,
    char **cause)
{
	uint64_t	applied;

	*flag = JA_APPLIED;
	if (journal_applied(d->journal, d->branch, &applied, cause) == -1)
		return -1;
	if (applied >= h->seq)
		return 0;
	*flag = 0;
	switch (skip_opens_wip(d, applied + 1, cause)) {
	case -1:
		return -1;
	case 0:
		return set_cause(cause, "this host has applied %llu of the "
		    "%llu entries of %s and this transaction does not begin "
		    "with a skip of entry %llu (isconf unlock, then isconf "
		    "lock --skip %llu MESSAGE)", (unsigned long long)applied,
		    (unsigned long long)h->seq, d->branch,
		    (unsigned long long)applied + 1,
		    (unsigned long long)applied + 1);
	}
	return 0;
}

static void
ci_commit(struct client *c)
{
	struct isconfd	*d = c->d;
	struct jlock	 l;
	struct jhead	 h;
	struct entry	*wip = NULL, *es = NULL;
	size_t		 n = 0;
	uint64_t	 he, hq;
	char		*cause = NULL, idhex[13];
	int		 applied_flag;

	if (state_need_lock(c, &l) == -1)
		return;
	if (journal_head(d->journal, d->branch, &h, &cause) == -1 ||
	    lockd_release_prepare(d, d->branch, &l, &he, &hq, &cause) == -1)
		goto fail;
	if (h.seq != l.base_seq) {
		client_err(c, "ci refused: %s moved from entry %llu to %llu "
		    "since the lock was taken; this transaction no longer "
		    "extends the head (isconf unlock, up, and redo it)",
		    d->branch, (unsigned long long)l.base_seq,
		    (unsigned long long)h.seq);
		client_exit(c, 1);
		goto out;
	}
	if (journal_wip_list(d->journal, d->branch, &wip, &n, &cause) == -1)
		goto fail;
	if (n <= 1) {
		if (journal_lock_clear(d->journal, d->branch, &cause) == -1)
			goto fail;
		lockd_announce_release(d, d->branch, l.host, l.time, he, hq);
		client_info(c, "nothing to check in; lock on %s released",
		    d->branch);
		client_exit(c, 0);
		goto out;
	}
	if (ci_applied_flag(d, &h, &applied_flag, &cause) == -1 ||
	    (es = ci_build(c, wip, n, &h, &cause)) == NULL)
		goto fail;
	CRASH_POINT("ci-publish");	/* wip written, not published */
	if (journal_append(d->journal, d->branch, es, n + 1,
	    JA_CI | applied_flag, &cause) == -1)
		goto fail;
	id_short(idhex, es[n].id);
	client_info(c, "checked in %zu %s on %s: head %llu (%s)", n + 1,
	    n + 1 == 1 ? "entry" : "entries", d->branch,
	    (unsigned long long)es[n].seq, idhex);
	log_info("ci on %s: head %llu %s", d->branch,
	    (unsigned long long)es[n].seq, idhex);
	{
		char *v;
		xasprintf(&v, "%lld %llu %llu", (long long)es[n].time,
		    (unsigned long long)es[0].seq,
		    (unsigned long long)es[n].seq);
		journal_state_set(d->journal, "last_ci", v, NULL);
		free(v);
	}
	if (applied_flag == 0)
		client_info(c, "this host has not applied all of %s: run "
		    "'isconf up' to apply it in journal order (the entries of "
		    "this transaction too)", d->branch);
	CRASH_POINT("ci-release");	/* published, release not sent */
	/* Push: the release and the new head reach online peers now. */
	lockd_announce_release(d, d->branch, l.host, l.time, he, hq);
	mesh_announce(d, ANNOUNCE_CHANGE);
	client_exit(c, 0);
	goto out;
fail:
	client_err(c, "ci failed: %s", cause);
	client_exit(c, 1);
out:
	if (es != NULL)
		journal_entries_free(es, n + 1);
	journal_entries_free(wip, n);
	jlock_free(&l);
	free(cause);
}

/* ci, or ci --test BASE: check in only if the branch and the
 * transaction replay into a scratch image from BASE (preflight.c). */
static void
verb_ci(struct client *c)
{
	if (c->req.argc == 3 && strcmp(c->req.argv[1], "--test") == 0)
		preflight_run(c, c->req.argv[2], ci_commit);
	else if (c->req.argc == 1)
		ci_commit(c);
	else {
		client_err(c, "usage: isconf ci [--test BASE]");
		client_exit(c, EXIT_USAGE);
	}
}
