/*
 * Cache keepers and starved caches (keepers.h, doc/design.md "Cache
 * keepers").
 *
 * A keeper walks every branch of its journal each tick: the entries
 * after the one it last found complete, until the first snap whose
 * chunks (or chunk list objects) it lacks.  Complete through a later
 * entry, and every few ticks, it signs a STMT_HOLDINGS statement for
 * the branch and sends it to every peer; lacking something, it fetches
 * the branch's chunks in the background, one branch at a time.  A
 * keeper never prunes.
 *
 * Each issuer's latest holdings per branch are kept (stmtlist.c) and
 * passed on to a few peers.  A statement counts for a branch only
 * while its signature verifies, its key may speak for its issuer
 * (pins, trusted_keys), its issuer is a reachable peer (a keeper that
 * stopped no longer counts), its time is recent (a replay does not
 * keep it alive), the id it names is the id this host holds for that
 * entry (the chain below that entry is then the same), and its key is
 * in trusted_keys (or, with IS_CACHE_TRUST=pinned, there is no
 * trusted_keys).  The branch is covered through the
 * IS_CACHE_KEEPERS-th highest such seq (distinct issuers and keys).
 *
 * Every other host needs, of each branch, the chunks of the latest snap
 * of each path (of its own branch: the latest applied, and every snap
 * it has yet to apply) and of the open transaction: verify and a
 * re-install stay local.  Chunk list objects are always kept (small;
 * they name the chunks).  A chunk may be pruned when it is held, not
 * needed, and in a snap of a covered entry; when a needed snap's chunk
 * list is not held (of this host's branch or the open transaction),
 * what is needed is unknown and nothing is pruned.
 * Pruning (automatic on a non-keeper, above IS_CACHE_MAX if set, and
 * isconf cache prune) deletes the rows, then punches the pack's freed
 * space out (cache_drop).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "isconfd.h"
#include "stmtd.h"
#include "stmtlist.h"
#include "keepers.h"
#include "cacheuse.h"

#define HOLDINGS_MAX	1024	/* statements kept: issuers x branches */
#define HOLDINGS_FANOUT	4	/* peers a host passes news on to */
#define KEEP_REST_TICKS	10	/* after a fetch that got nothing */
/* A keeper signs its holdings anew every HOLDINGS_REFRESH_TICKS
 * gossip ticks; they count for HOLDINGS_TTL_TICKS after the time they
 * were signed (design.md): three refreshes may be lost, and clocks may
 * be apart by the rest (9 ticks, 45 s at the default 5 s). */
#define HOLDINGS_REFRESH_TICKS	3
#define HOLDINGS_TTL_TICKS	12
#define REPORT_AGE_S	30	/* /metrics: the report at most this old */

struct holding {
	struct stmtlist_item	 it;	/* first */
	struct stmt_holdings	 h;
};

/* What a keeper found complete of a branch, and last said of it. */
struct keep_branch {
	struct keep_branch	*next;
	char			*name;
	uint64_t		 seq;
	uint8_t			 id[HASH_LEN];
	uint64_t		 said;		/* seq last signed */
	uint8_t			 said_id[HASH_LEN];
	int			 spoke;		/* since this daemon started */
	int64_t			 said_ms;	/* when */
};

struct keepers {
	int			 keep;		/* IS_CACHE_KEEP */
	size_t			 need;		/* IS_CACHE_KEEPERS */
	uint64_t		 max;		/* IS_CACHE_MAX, 0: none */
	int			 pinned;	/* IS_CACHE_TRUST=pinned */
	struct stmtlist		 list;
	struct keep_branch	*branches;
	struct event		*tick;
	int			 fetching;
	int			 rest;
	char			*fetched;	/* branch fetched last */
	int			 retracted;
	char			*pruned_at;	/* state of the last auto-prune */
	uint64_t		 pruned_chunks, pruned_bytes;	/* totals */
	uint64_t		 prune_failures;
	int			 prune_asked;	/* isconf cache prune, deferred */
	struct cache_report	 last;		/* the latest report */
	int64_t			 last_ns;	/* when; 0: none yet */
	uint64_t		 reports;	/* run since start */
};

static struct keep_branch *keep_branch_get(struct keepers *, const char *);

/* A report's age: not the wall clock, which a test or an admin moves. */
static int64_t
mono_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int
holding_decode(struct stmtlist_item *it)
{
	return stmt_holdings_decode(it->st.body, it->st.blen,
	    &((struct holding *)it)->h);
}

static void
holding_free(struct stmtlist_item *it)
{
	stmt_holdings_free(&((struct holding *)it)->h);
}

static const char *
holding_branch(const struct stmtlist_item *it)
{
	return ((const struct holding *)it)->h.branch;
}

static int	holding_fresh(struct isconfd *, const struct holding *);

/* Past its time it counts for nothing: a full list drops it first. */
static int
holding_expired(struct isconfd *d, const struct stmtlist_item *it)
{
	return !holding_fresh(d, (const struct holding *)it);
}

/* Each keeper sends its own to every peer, every few ticks: relays
 * only fill the gaps, so news goes on to a few peers, not to all. */
static const struct stmtlist_ops holdings_ops = {
	.name = "keepers", .key = "holdings", .what = "holdings",
	.kind = STMT_HOLDINGS, .size = sizeof(struct holding),
	.max = HOLDINGS_MAX, .fanout = HOLDINGS_FANOUT,
	.decode = holding_decode, .free = holding_free,
	.branch = holding_branch, .expired = holding_expired,
};

static const struct holding *
holdings_first(struct isconfd *d)
{
	return (const struct holding *)stmtlist_head(d, &d->keepers->list);
}

static const struct holding *
holding_next(const struct holding *h)
{
	return (const struct holding *)h->it.next;
}

void
keepers_greet(struct isconfd *d, const struct sockaddr_in *to)
{
	if (d->keepers != NULL)
		stmtlist_greet(d, &d->keepers->list, to);
}

void
keepers_take(struct isconfd *d, const struct stmt *st, const char *from)
{
	if (d->keepers != NULL)
		(void)stmtlist_take(d, &d->keepers->list, st, from);
}

/* Is h fresh now: signed less than the TTL ago (and not more than that
 * ahead: a clock far ahead must not keep it alive)? */
static int
holding_fresh(struct isconfd *d, const struct holding *h)
{
	int64_t	now = now_ns() / 1000000, ttl;

	ttl = (int64_t)HOLDINGS_TTL_TICKS * d->gossip_ms;
	return h->h.time > now - ttl && h->h.time < now + ttl;
}

/* Does h vouch for what it says now?  1 yes, 0 no, -1 error.  Whether
 * it counts for pruning is the trust rule's (keepers_cover). */
static int
holding_counts(struct isconfd *d, const struct holding *h, char **cause)
{
	struct stmt_host	*sh;
	struct peer		*p;
	struct entry		 e;
	const char		*why;
	int			 r;

	if ((p = peer_find(d, h->it.st.issuer)) == NULL ||
	    !peer_reachable(d, p) || !holding_fresh(d, h))
		return 0;
	if (stmtd_host(d, h->it.st.issuer, &sh, cause) == -1)
		return -1;
	if (!stmtd_check(d, sh, &h->it.st, &why))
		return 0;
	if ((r = journal_get(d->journal, h->h.branch, h->h.seq, &e,
	    cause)) != 1)
		return r;
	r = memcmp(e.id, h->h.id, HASH_LEN) == 0;
	entry_free(&e);
	return r;
}

static int
seq_desc(const void *a, const void *b)
{
	uint64_t	x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? 1 : x > y ? -1 : 0;
}

/*
 * How far IS_CACHE_KEEPERS keepers cover branch: *cov, 0 if not at all;
 * *n the keepers counted, *untrusted those that vouch but do not count:
 * only a key in trusted_keys counts, or without trusted_keys the key
 * pinned to the keeper's name with IS_CACHE_TRUST=pinned (a holder of
 * the HMAC key can make up hosts and keys: design.md).  0 or -1.
 */
static int
keepers_cover(struct isconfd *d, const char *branch, uint64_t *cov,
    size_t *n, size_t *untrusted, char **cause)
{
	struct keepers		 *k = d->keepers;
	const struct holding	 *h, **used;
	uint64_t		 *seqs;
	size_t			  i, m = 0;
	int			  r, dup;

	*cov = 0;
	*n = *untrusted = 0;
	used = xcalloc(HOLDINGS_MAX, sizeof *used);
	seqs = xcalloc(HOLDINGS_MAX, sizeof *seqs);
	for (h = holdings_first(d); h != NULL && m < HOLDINGS_MAX;
	    h = holding_next(h)) {
		if (strcmp(h->h.branch, branch) != 0)
			continue;
		/* One vote per host and per key. */
		for (dup = 0, i = 0; i < m && !dup; i++)
			dup = strcmp(used[i]->it.st.issuer,
			    h->it.st.issuer) == 0 || memcmp(used[i]->it.st.pk,
			    h->it.st.pk, STMT_PK_LEN) == 0;
		if (dup)
			continue;
		if ((r = holding_counts(d, h, cause)) == -1) {
			free(used);
			free(seqs);
			return -1;
		}
		if (r == 0)
			continue;
		/* 0: listed in trusted_keys; 1: there is none. */
		if (pins_trust(d, h->it.st.pk) != 0 && !k->pinned) {
			(*untrusted)++;
			continue;
		}
		used[m] = h;
		seqs[m++] = h->h.seq;
	}
	if (m > 0)
		qsort(seqs, m, sizeof *seqs, seq_desc);
	*n = m;
	if (m >= k->need)
		*cov = seqs[k->need - 1];
	free(used);
	free(seqs);
	return 0;
}

/* ---- what a host needs ---- */

struct snaprec {
	struct snap_info	 s;
	uint64_t		 seq;
};

struct snapwalk {
	struct snaprec		*v;
	size_t			 n, alloc;
};

static int
snapwalk_one(void *arg, const struct entry *e, char **cause)
{
	struct snapwalk	*w = arg;

	(void)cause;
	if (w->n == w->alloc) {
		w->alloc = w->alloc ? 2 * w->alloc : 64;
		w->v = xreallocarray(w->v, w->alloc, sizeof *w->v);
	}
	if (snap_decode(&e->payload, &w->v[w->n].s) == -1)
		return 0;
	w->v[w->n++].seq = e->seq;
	return 0;
}

static void
snapwalk_free(struct snapwalk *w)
{
	size_t	i;

	for (i = 0; i < w->n; i++)
		snap_info_free(&w->v[i].s);
	free(w->v);
	memset(w, 0, sizeof *w);
}

static int
snaprec_cmp(const void *a, const void *b)
{
	const struct snaprec	*x = a, *y = b;
	int			 c = strcmp(x->s.path, y->s.path);

	if (c != 0)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* s's chunks (and list objects, with lists) into hs: 1, 0 if a list
 * object is not held, -1. */
static int
snap_hashes(struct isconfd *d, struct snap_info *s, struct hashset *hs,
    int lists, char **cause)
{
	size_t	i;
	int	r;

	for (i = 0; lists && i < s->nlists; i++)
		hashset_add(hs, s->lists[i].hash);
	if ((r = chunklist_load(d, s, cause)) != 1)
		return r;
	for (i = 0; i < s->nchunks; i++)
		hashset_add(hs, s->chunks[i].hash);
	return 1;
}

/* What branch needs here into hs; *complete 0 if a needed list object
 * of this host's branch is not held.  0 or -1. */
static int
needed_branch(struct isconfd *d, const char *branch, struct hashset *hs,
    int *complete, char **cause)
{
	struct snapwalk	 w;
	struct jhead	 h;
	uint64_t	 applied;
	size_t		 i;
	int		 r, rv = -1, need;

	memset(&w, 0, sizeof w);
	if (journal_head(d->journal, branch, &h, cause) == -1)
		return -1;
	applied = h.seq;
	if (strcmp(branch, d->branch) == 0 &&
	    journal_applied(d->journal, branch, &applied, cause) == -1)
		return -1;
	if (journal_walk_kind(d->journal, branch, 0, h.seq, ENTRY_SNAP,
	    snapwalk_one, &w, cause) == -1)
		goto out;
	if (w.n > 0)		/* qsort(NULL, 0): undefined */
		qsort(w.v, w.n, sizeof *w.v, snaprec_cmp);
	for (i = 0; i < w.n; i++) {
		/* Every snap yet to apply; of the applied, the last of a
		 * path (the next one is another path's or unapplied). */
		need = w.v[i].seq > applied || i + 1 == w.n ||
		    strcmp(w.v[i].s.path, w.v[i + 1].s.path) != 0 ||
		    w.v[i + 1].seq > applied;
		if (!need)
			continue;
		if ((r = snap_hashes(d, &w.v[i].s, hs, 1, cause)) == -1)
			goto out;
		if (r == 0) {
			free(*cause);
			*cause = NULL;
			/* Another branch's list objects are fetched only by
			 * its hosts and keepers: not held, its files were
			 * never here, and it must not stop every prune. */
			if (strcmp(branch, d->branch) == 0)
				*complete = 0;
		}
	}
	rv = 0;
out:
	snapwalk_free(&w);
	return rv;
}

/* The open transaction's snaps (their chunks are in the cache, in no
 * entry yet). */
static int
needed_wip(struct isconfd *d, struct hashset *hs, int *complete,
    char **cause)
{
	struct entry		*e;
	struct snap_info	 s;
	size_t			 n, i;
	int			 r = 1;

	if (wip_load(d, &e, &n, cause) == -1)
		return -1;
	for (i = 0; i < n && r != -1; i++) {
		if (e[i].kind != ENTRY_SNAP ||
		    snap_decode(&e[i].payload, &s) == -1)
			continue;
		if ((r = snap_hashes(d, &s, hs, 1, cause)) == 0) {
			free(*cause);
			*cause = NULL;
			*complete = 0;
		}
		snap_info_free(&s);
	}
	journal_entries_free(e, n);
	return r == -1 ? -1 : 0;
}

/* ---- what may go ---- */

struct prunable {
	uint8_t		(*h)[HASH_LEN];
	uint32_t	 *len;
	size_t		  n, alloc;
};

struct coverwalk {
	struct isconfd		*d;
	struct hashset		*needed;
	struct prunable		*p;
};

/* Every chunk of a covered snap that is not needed, repeats included
 * (prunable_finish drops them and what is not held). */
static int
coverwalk_one(void *arg, const struct entry *e, char **cause)
{
	struct coverwalk	*w = arg;
	struct prunable		*p = w->p;
	struct snap_info	 s;
	size_t			 i;
	int			 r;

	if (snap_decode(&e->payload, &s) == -1)
		return 0;
	if ((r = chunklist_load(w->d, &s, cause)) == 0) {
		free(*cause);		/* its chunks are not known here */
		*cause = NULL;
	}
	for (i = 0; r == 1 && i < s.nchunks; i++) {
		if (hashset_find(w->needed, s.chunks[i].hash) != -1)
			continue;
		if (p->n == p->alloc) {
			p->alloc = p->alloc ? 2 * p->alloc : 64;
			p->h = xreallocarray(p->h, p->alloc, sizeof *p->h);
			p->len = xreallocarray(p->len, p->alloc,
			    sizeof *p->len);
		}
		memcpy(p->h[p->n], s.chunks[i].hash, HASH_LEN);
		p->len[p->n++] = s.chunks[i].len;
	}
	snap_info_free(&s);
	return r == -1 ? -1 : 0;
}

/* Keep the first of each chunk, in order (oldest entries first), and
 * only those held. */
static int
prunable_finish(struct isconfd *d, struct prunable *p,
    struct cache_report *rep, char **cause)
{
	struct hashset	seen;
	size_t		i, kept = 0;
	ssize_t		at;
	int		r;

	memset(&seen, 0, sizeof seen);
	for (i = 0; i < p->n; i++)
		hashset_add(&seen, p->h[i]);
	hashset_finish(&seen);
	for (i = 0; i < p->n; i++) {
		if ((at = hashset_find(&seen, p->h[i])) == -1)
			fatalx("prunable_finish: a chunk is not in its set");
		if (seen.found[at])
			continue;
		seen.found[at] = 1;
		if ((r = cache_has(d->cache, p->h[i], cause)) == -1) {
			hashset_free(&seen);
			return -1;
		}
		if (r == 0)
			continue;
		memmove(p->h[kept], p->h[i], HASH_LEN);
		p->len[kept++] = p->len[i];
		rep->prunable_chunks++;
		rep->prunable_bytes += p->len[i];
	}
	p->n = kept;
	hashset_free(&seen);
	return 0;
}

/* The needed chunks' count, and those held. */
static int
needed_count(struct isconfd *d, const struct hashset *hs,
    struct cache_report *rep, char **cause)
{
	size_t		i;
	int		r;

	for (i = 0; i < hs->n; i++) {
		if ((r = cache_has(d->cache, hs->h[i], cause)) == -1)
			return -1;
		if (r == 1)
			rep->needed_chunks++;
		else
			rep->missing_chunks++;
	}
	return 0;
}

const char *const keepers_off_names[KEEPERS_OFF_N] = { "none", "keeper",
    "trust", "keepers", "incomplete" };

/* Why this host prunes nothing now, if it is so for a reason the
 * operator may want to change. */
static enum keepers_off
keepers_off(struct isconfd *d, const struct cache_report *rep)
{
	if (d->keepers->keep)
		return KEEPERS_OFF_KEEPER;
	/* Our own key is "not listed" (1) only without trusted_keys. */
	if (!d->keepers->pinned && pins_trust(d, d->pk) == 1)
		return KEEPERS_OFF_TRUST;
	if (rep->keepers < d->keepers->need)
		return KEEPERS_OFF_KEEPERS;
	if (rep->incomplete)
		return KEEPERS_OFF_INCOMPLETE;
	return KEEPERS_OFF_NONE;
}

int
keepers_report(struct isconfd *d, struct cache_report *rep, int prune,
    uint64_t cap, char **cause)
{
	struct hashset	 needed;
	struct prunable	 p;
	struct coverwalk w;
	char		**names = NULL;
	size_t		 nb = 0, i, n, most = 0, upto, untrusted;
	uint64_t	 cov, bytes, dropped;
	int		 complete = 1, rv = -1;

	memset(rep, 0, sizeof *rep);
	memset(&needed, 0, sizeof needed);
	memset(&p, 0, sizeof p);
	if (cache_stats(d->cache, &rep->chunks, &rep->bytes, cause) == -1 ||
	    journal_branches(d->journal, &names, &nb, cause) == -1)
		return -1;
	for (i = 0; i < nb; i++)
		if (needed_branch(d, names[i], &needed, &complete,
		    cause) == -1)
			goto out;
	if (needed_wip(d, &needed, &complete, cause) == -1)
		goto out;
	hashset_finish(&needed);
	if (needed_count(d, &needed, rep, cause) == -1)
		goto out;
	rep->incomplete = !complete;
	w.d = d;
	w.needed = &needed;
	w.p = &p;
	for (i = 0; i < nb; i++) {
		if (keepers_cover(d, names[i], &cov, &n, &untrusted,
		    cause) == -1)
			goto out;
		if (n > most)
			most = n;
		if (untrusted > rep->untrusted)
			rep->untrusted = untrusted;
		if (strcmp(names[i], d->branch) == 0)
			rep->through = cov;
		if (cov > 0 && !d->keepers->keep && journal_walk_kind(d->journal,
		    names[i], 0, cov, ENTRY_SNAP, coverwalk_one, &w,
		    cause) == -1)
			goto out;
	}
	rep->keepers = most;
	if (d->keepers->keep) {
		struct keep_branch *kb = keep_branch_get(d->keepers,
		    d->branch);
		rep->through = kb->seq;
	}
	if (prunable_finish(d, &p, rep, cause) == -1)
		goto out;
	rep->off = keepers_off(d, rep);
	/* needed_bytes: what is held, less what may go, is what stays. */
	rep->needed_bytes = rep->bytes > rep->prunable_bytes ? rep->bytes -
	    rep->prunable_bytes : 0;
	if (prune && rep->incomplete && p.n > 0) {
		set_cause(cause, "cannot tell which chunks this host needs: "
		    "a chunk list of a snap it needs is not in the cache");
		goto out;
	}
	if (prune && p.n > 0) {
		/* Oldest entries' chunks first, down to cap. */
		bytes = rep->bytes;
		for (upto = 0; upto < p.n && (cap == 0 || bytes > cap); upto++)
			bytes -= bytes > p.len[upto] ? p.len[upto] : bytes;
		if (cache_drop(d->cache, (const uint8_t (*)[CACHE_HASH_LEN])p.h,
		    upto, &dropped, cause) == -1)
			goto out;
		rep->pruned_chunks = upto;
		rep->pruned_bytes = dropped;
		d->keepers->pruned_chunks += upto;
		d->keepers->pruned_bytes += dropped;
		if (cache_stats(d->cache, &rep->chunks, &rep->bytes,
		    cause) == -1)
			goto out;
	}
	if (cache_disk_bytes(d->cache, &rep->disk, cause) == -1)
		goto out;
	/* A prune's counts of what may go are from before it: the next
	 * /metrics runs its own. */
	d->keepers->last = *rep;
	d->keepers->last_ns = prune ? 0 : mono_ns();
	d->keepers->reports++;
	rv = 0;
out:
	for (i = 0; i < nb; i++)
		free(names[i]);
	free(names);
	hashset_free(&needed);
	free(p.h);
	free(p.len);
	return rv;
}

/* ---- a keeper ---- */

static struct keep_branch *
keep_branch_get(struct keepers *k, const char *name)
{
	struct keep_branch	*kb;

	for (kb = k->branches; kb != NULL; kb = kb->next)
		if (strcmp(kb->name, name) == 0)
			return kb;
	kb = xcalloc(1, sizeof *kb);
	kb->name = xstrdup(name);
	kb->next = k->branches;
	k->branches = kb;
	return kb;
}

struct keepwalk {
	struct isconfd	*d;
	uint64_t	 ok;		/* complete through */
	int		 lacking;
};

static int
keepwalk_one(void *arg, const struct entry *e, char **cause)
{
	struct keepwalk		*w = arg;
	struct snap_info	 s;
	size_t			 i;
	int			 r = 1;

	if (snap_decode(&e->payload, &s) == -1)
		return 0;
	for (i = 0; r == 1 && i < s.nlists; i++)
		r = cache_has(w->d->cache, s.lists[i].hash, cause);
	if (r == 1 && (r = chunklist_load(w->d, &s, cause)) == 0) {
		free(*cause);
		*cause = NULL;
	}
	for (i = 0; r == 1 && i < s.nchunks; i++)
		r = cache_has(w->d->cache, s.chunks[i].hash, cause);
	snap_info_free(&s);
	if (r == 1) {
		w->ok = e->seq;
		return 0;
	}
	if (r == 0) {
		w->ok = e->seq - 1;
		w->lacking = 1;
	}
	return -1;	/* stop: lacking, or an error */
}

/* Sign and send what kb says now, if it changed. */
static void
keep_say(struct isconfd *d, struct keep_branch *kb)
{
	struct stmt_holdings	 sh;
	struct buf		 body, out;
	int64_t			 now = now_ns() / 1000000;

	/* The first time since start even "through 0": what an earlier
	 * daemon said (its cache since lost?) must not stand.  Then when
	 * it changed, and every few ticks: it counts only while fresh. */
	if (kb->spoke && kb->said == kb->seq &&
	    memcmp(kb->said_id, kb->id, HASH_LEN) == 0 &&
	    now - kb->said_ms < (int64_t)HOLDINGS_REFRESH_TICKS * d->gossip_ms)
		return;
	kb->spoke = 1;
	memset(&sh, 0, sizeof sh);
	sh.branch = kb->name;
	sh.seq = kb->seq;
	memcpy(sh.id, kb->id, HASH_LEN);
	sh.time = now;
	buf_init(&body);
	buf_init(&out);
	stmt_holdings_encode(&sh, &body);
	stmtd_sign(d, STMT_HOLDINGS, body.data, body.len, &out);
	/* Ours are kept too, so that peers met anew hear them. */
	(void)stmtlist_own(d, &d->keepers->list, out.data, out.len);
	kb->said = kb->seq;
	memcpy(kb->said_id, kb->id, HASH_LEN);
	kb->said_ms = now;
	buf_free(&body);
	buf_free(&out);
}

static void
keep_fetched(struct isconfd *d, void *arg, int got)
{
	(void)arg;
	if (d->keepers == NULL)
		return;
	d->keepers->fetching = 0;
	if (got == 0)
		d->keepers->rest = KEEP_REST_TICKS;
}

/* One branch, said as found: 1 if it lacks chunks, 0, -1. */
static int
keep_branch(struct isconfd *d, const char *name, char **cause)
{
	struct keep_branch	*kb = keep_branch_get(d->keepers, name);
	struct keepwalk		 w;
	struct jhead		 h;
	struct entry		 e;
	int			 r;

	if (journal_head(d->journal, name, &h, cause) == -1)
		return -1;
	if (kb->seq > h.seq)
		kb->seq = 0;
	if (kb->seq > 0) {
		if ((r = journal_get(d->journal, name, kb->seq, &e,
		    cause)) == -1)
			return -1;
		if (r == 0 || memcmp(e.id, kb->id, HASH_LEN) != 0)
			kb->seq = 0;	/* rewritten (a fork's decision) */
		if (r == 1)
			entry_free(&e);
	}
	memset(&w, 0, sizeof w);
	w.d = d;
	w.ok = h.seq;
	if (kb->seq < h.seq && journal_walk_kind(d->journal, name, kb->seq,
	    h.seq, ENTRY_SNAP, keepwalk_one, &w, cause) == -1 && !w.lacking)
		return -1;
	if (w.ok > kb->seq) {
		if (journal_get(d->journal, name, w.ok, &e, cause) != 1)
			return -1;
		kb->seq = w.ok;
		memcpy(kb->id, e.id, HASH_LEN);
		entry_free(&e);
	}
	keep_say(d, kb);
	return w.lacking;
}

/*
 * Every branch is walked and said each tick, not only those before the
 * first that lacks chunks: after a restart with its cache lost, what
 * this keeper said of a later branch must not stand while an earlier
 * one is fetched (or never can be).  One fetch at a time, the lacking
 * branches taking turns: one whose chunks no peer has must not starve
 * the others.
 */
static void
keep_tick(struct isconfd *d)
{
	struct keepers	*k = d->keepers;
	char		**names = NULL, *cause = NULL;
	size_t		 n = 0, i, first = SIZE_MAX, after = SIZE_MAX;
	int		 r = 0;

	if (k->fetching)
		return;
	if (k->rest > 0) {
		k->rest--;
		return;
	}
	if (journal_branches(d->journal, &names, &n, &cause) == -1)
		goto fail;
	for (i = 0; i < n && r != -1; i++) {
		if ((r = keep_branch(d, names[i], &cause)) != 1)
			continue;
		if (first == SIZE_MAX)
			first = i;
		if (after == SIZE_MAX && (k->fetched == NULL ||
		    strcmp(names[i], k->fetched) > 0))
			after = i;
	}
	if (r != -1 && first != SIZE_MAX) {
		i = after != SIZE_MAX ? after : first;
		free(k->fetched);
		k->fetched = xstrdup(names[i]);
		k->fetching = 1;
		sync_chunks_from(d, names[i], keep_branch_get(k,
		    names[i])->seq, NULL, keep_fetched, NULL);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (r != -1)
		return;
fail:
	log_warnx("keepers: %s", cause);
	free(cause);
	k->rest = KEEP_REST_TICKS;
}

/*
 * A host that is no longer a keeper takes back what it said as one:
 * its statements would count on every peer (and be sent to each peer
 * it meets) while it prunes, so two former keepers could each prune
 * on the strength of the other's word.  "Through 0" counts nowhere.
 */
static void
keepers_retract(struct isconfd *d)
{
	struct keepers		*k = d->keepers;
	const struct holding	*h;
	struct keep_branch	*kb;

	for (h = holdings_first(d); h != NULL; h = holding_next(h))
		if (strcmp(h->it.st.issuer, d->conf.hostname) == 0 &&
		    h->h.seq != 0)
			(void)keep_branch_get(k, h->h.branch);
	/* keep_say replaces list entries: said after the walk. */
	for (kb = k->branches; kb != NULL; kb = kb->next)
		keep_say(d, kb);
}

/* ---- a non-keeper ---- */

/* What the last automatic prune saw: when nothing of it changed, there
 * is nothing new to prune. */
static char *
prune_state(struct isconfd *d, char **cause)
{
	struct buf	 b;
	struct jhead	 h;
	uint64_t	 applied, cov;
	char		**names = NULL, *s = NULL;
	size_t		 nb = 0, i, n, untrusted;

	if (journal_applied(d->journal, d->branch, &applied, cause) == -1 ||
	    journal_branches(d->journal, &names, &nb, cause) == -1)
		return NULL;
	buf_init(&b);
	buf_printf(&b, "%s %llu", d->branch, (unsigned long long)applied);
	for (i = 0; i < nb; i++) {
		if (journal_head(d->journal, names[i], &h, cause) == -1 ||
		    keepers_cover(d, names[i], &cov, &n, &untrusted,
		    cause) == -1)
			goto out;
		buf_printf(&b, " %s:%llu:%llu", names[i],
		    (unsigned long long)h.seq, (unsigned long long)cov);
	}
	buf_add_u8(&b, 0);
	s = xstrdup((char *)b.data);
out:
	for (i = 0; i < nb; i++)
		free(names[i]);
	free(names);
	buf_free(&b);
	return s;
}

/* A prune isconf cache prune asked for while the cache was read. */
static void
keepers_prune_asked(struct isconfd *d)
{
	struct cache_report	 rep;
	char			*cause = NULL;

	d->keepers->prune_asked = 0;
	if (keepers_report(d, &rep, 1, 0, &cause) == -1) {
		d->keepers->prune_failures++;
		log_warnx("cache: the deferred prune failed: %s", cause);
		free(cause);
		return;
	}
	log_info("cache: deferred prune: pruned %llu chunks (%llu bytes)",
	    (unsigned long long)rep.pruned_chunks,
	    (unsigned long long)rep.pruned_bytes);
}

void
keepers_prune_later(struct isconfd *d)
{
	d->keepers->prune_asked = 1;
}

static void
starve_tick(struct isconfd *d)
{
	struct keepers		*k = d->keepers;
	struct cache_report	 rep;
	char			*s, *cause = NULL, what[64];

	/* Nothing that reads the cache may be running (cacheuse.c). */
	if (cacheuse_reader(d, NULL, what, sizeof what))
		return;
	if (k->prune_asked) {
		keepers_prune_asked(d);
		return;
	}
	if ((s = prune_state(d, &cause)) == NULL)
		goto fail;
	if (k->pruned_at != NULL && strcmp(s, k->pruned_at) == 0) {
		free(s);
		return;
	}
	free(k->pruned_at);
	k->pruned_at = s;
	if (keepers_report(d, &rep, 0, 0, &cause) == -1)
		goto fail;
	if (rep.prunable_chunks == 0 || rep.incomplete ||
	    (k->max > 0 && rep.bytes <= k->max))
		return;
	if (keepers_report(d, &rep, 1, k->max, &cause) == -1)
		goto fail;
	if (rep.pruned_chunks > 0)
		log_info("cache: pruned %llu chunks (%llu bytes) that %zu "
		    "keepers hold", (unsigned long long)rep.pruned_chunks,
		    (unsigned long long)rep.pruned_bytes, rep.keepers);
	return;
fail:
	k->prune_failures++;
	log_warnx("cache: not pruned: %s", cause);
	free(cause);
}

static void
keepers_tick(evutil_socket_t fd, short events, void *arg)
{
	struct isconfd	*d = arg;
	struct timeval	 tv;

	(void)fd;
	(void)events;
	if (d->keepers->keep)
		keep_tick(d);
	else {
		/* On a tick, as a keeper's first word: sessions are up. */
		if (!d->keepers->retracted)
			keepers_retract(d);
		d->keepers->retracted = 1;
		starve_tick(d);
	}
	tv.tv_sec = d->gossip_ms / 1000;
	tv.tv_usec = (d->gossip_ms % 1000) * 1000;
	evtimer_add(d->keepers->tick, &tv);
}

/* "10G", "512M", "1024": bytes; 0 if unset; -1 if malformed. */
static int
parse_size(const char *v, uint64_t *out)
{
	char			*end;
	unsigned long long	 n;

	*out = 0;
	if (v == NULL || *v == '\0')
		return 0;
	n = strtoull(v, &end, 10);
	switch (*end) {
	case 'k': case 'K': n <<= 10; end++; break;
	case 'm': case 'M': n <<= 20; end++; break;
	case 'g': case 'G': n <<= 30; end++; break;
	case 't': case 'T': n <<= 40; end++; break;
	}
	if (*end != '\0' || end == v)
		return -1;
	*out = n;
	return 0;
}

int
keepers_open(struct isconfd *d, char **cause)
{
	struct keepers	*k = xcalloc(1, sizeof *k);
	const char	*v;
	struct timeval	 tv = { 1, 0 };

	k->list.ops = &holdings_ops;
	v = env_get(&d->conf.env, "IS_CACHE_KEEP");
	k->keep = v != NULL && strcmp(v, "1") == 0;
	v = env_get(&d->conf.env, "IS_CACHE_TRUST");
	if (v != NULL && *v != '\0' && strcmp(v, "keys") != 0 &&
	    strcmp(v, "pinned") != 0) {
		free(k);
		return set_cause(cause, "IS_CACHE_TRUST=%s: keys or pinned",
		    v);
	}
	k->pinned = v != NULL && strcmp(v, "pinned") == 0;
	k->need = 2;
	if ((v = env_get(&d->conf.env, "IS_CACHE_KEEPERS")) != NULL &&
	    *v != '\0') {
		/* Fewer than one keeper would prune what nobody holds. */
		if (atoi(v) < 1) {
			free(k);
			return set_cause(cause, "IS_CACHE_KEEPERS=%s: at least "
			    "1", v);
		}
		k->need = (size_t)atoi(v);
	}
	if (parse_size(env_get(&d->conf.env, "IS_CACHE_MAX"), &k->max) ==
	    -1) {
		free(k);
		return set_cause(cause, "IS_CACHE_MAX=%s: a size in bytes "
		    "(K, M, G, T)", env_get(&d->conf.env, "IS_CACHE_MAX"));
	}
	d->keepers = k;
	if (d->net != NULL) {
		k->tick = evtimer_new(d->base, keepers_tick, d);
		evtimer_add(k->tick, &tv);
	}
	return 0;
}

void
keepers_close(struct isconfd *d)
{
	struct keepers		*k = d->keepers;
	struct keep_branch	*kb;

	if (k == NULL)
		return;
	if (k->tick != NULL)
		event_free(k->tick);
	stmtlist_clear(&k->list);
	while ((kb = k->branches) != NULL) {
		k->branches = kb->next;
		free(kb->name);
		free(kb);
	}
	free(k->pruned_at);
	free(k->fetched);
	free(k);
	d->keepers = NULL;
}

int
keepers_keep(struct isconfd *d)
{
	return d->keepers != NULL && d->keepers->keep;
}

int
keepers_pinned(struct isconfd *d)
{
	return d->keepers != NULL && d->keepers->pinned;
}

size_t
keepers_needed(struct isconfd *d)
{
	return d->keepers->need;
}

uint64_t
keepers_max(struct isconfd *d)
{
	return d->keepers->max;
}

struct lackwalk {
	struct isconfd		*d;
	struct lacking		*l;
};

static int
lackwalk_one(void *arg, const struct entry *e, char **cause)
{
	struct lackwalk		*w = arg;
	struct snap_info	 s;
	size_t			 i, before = w->l->chunks;
	int			 r = 1;

	if (snap_decode(&e->payload, &s) == -1)
		return 0;
	for (i = 0; i < s.nlists; i++) {
		if ((r = cache_has(w->d->cache, s.lists[i].hash, cause)) == -1)
			goto out;
		w->l->chunks += r == 0;
	}
	if ((r = chunklist_load(w->d, &s, cause)) == -1)
		goto out;
	if (r == 0) {
		free(*cause);	/* counted above */
		*cause = NULL;
	}
	for (i = 0; r == 1 && i < s.nchunks; i++) {
		if ((r = cache_has(w->d->cache, s.chunks[i].hash, cause)) == -1)
			goto out;
		if (r == 0) {
			w->l->chunks++;
			w->l->bytes += s.chunks[i].len;
		}
		r = 1;
	}
	if (w->l->chunks > before && w->l->path == NULL) {
		w->l->path = xstrdup(s.path);
		w->l->seq = e->seq;
	}
	r = 0;
out:
	snap_info_free(&s);
	return r == -1 ? -1 : 0;
}

int
keepers_lacking(struct isconfd *d, const char *branch, struct lacking *l,
    char **cause)
{
	struct lackwalk	w = { d, l };
	struct jhead	h;

	memset(l, 0, sizeof *l);
	if (journal_head(d->journal, branch, &h, cause) == -1 ||
	    journal_walk_kind(d->journal, branch, 0, h.seq, ENTRY_SNAP,
	    lackwalk_one, &w, cause) == -1) {
		free(l->path);
		l->path = NULL;
		return -1;
	}
	return 0;
}

/*
 * Fetch asks keepers first: the peers whose verified holdings for
 * branch count move to the front of to (stable), where rules_fetch_peers
 * takes its connections from.
 */
void
keepers_rank(struct isconfd *d, const char *branch, struct sockaddr_in *to,
    size_t n)
{
	const struct holding	*h;
	struct sockaddr_in	 t;
	struct peer		*p;
	size_t			 front = 0, i;
	char			*cause = NULL;
	int			 r;

	if (d->keepers == NULL)
		return;
	for (h = holdings_first(d); h != NULL && front < n;
	    h = holding_next(h)) {
		if (strcmp(h->h.branch, branch) != 0 ||
		    (p = peer_find(d, h->it.st.issuer)) == NULL)
			continue;
		if ((r = holding_counts(d, h, &cause)) == -1) {
			free(cause);
			cause = NULL;
		}
		if (r != 1)
			continue;
		for (i = front; i < n; i++)
			if (to[i].sin_addr.s_addr == p->addr.sin_addr.s_addr &&
			    to[i].sin_port == p->addr.sin_port)
				break;
		if (i == n)
			continue;
		t = to[i];
		memmove(&to[front + 1], &to[front], (i - front) * sizeof *to);
		to[front++] = t;
	}
}

/* ---- /metrics ---- */

/* Why nothing is pruned (1 on the reason that holds now), and the
 * keepers that vouch but do not count. */
static void
keepers_metrics_off(struct buf *b, const struct cache_report *r)
{
	int	i;

	buf_printf(b, "# HELP isconf_cache_prune_off 1 on why this host "
	    "prunes nothing now (none: it may).\n"
	    "# TYPE isconf_cache_prune_off gauge\n");
	for (i = 0; i < KEEPERS_OFF_N; i++)
		buf_printf(b, "isconf_cache_prune_off{reason=\"%s\"} %d\n",
		    keepers_off_names[i], (int)r->off == i);
	buf_printf(b, "# HELP isconf_cache_keepers_untrusted Keepers whose "
	    "holdings verify but do not count (no trusted_keys, "
	    "IS_CACHE_TRUST not pinned).\n"
	    "# TYPE isconf_cache_keepers_untrusted gauge\n"
	    "isconf_cache_keepers_untrusted %zu\n", r->untrusted);
}

/*
 * A report walks every branch's journal: run for each request, a client
 * asking /metrics in a loop held the daemon.  So the figures are the
 * latest report's (isconf cache, a prune, or this), rerun only when it
 * is older than REPORT_AGE_S, and say their age.
 */
void
keepers_metrics(struct isconfd *d, struct buf *b)
{
	struct keepers		*k = d->keepers;
	struct cache_report	 r;
	char			*cause = NULL;
	int64_t			 now = mono_ns();

	if (k == NULL)
		return;
	if ((k->last_ns == 0 || now - k->last_ns >= (int64_t)TEST_KNOB(
	    "ISCONF_CACHE_REPORT_S", REPORT_AGE_S) * 1000000000LL) &&
	    keepers_report(d, &r, 0, 0, &cause) == -1) {
		log_warnx("metrics: %s", cause);
		free(cause);
	}
	if (k->last_ns == 0)
		return;
	r = k->last;
	buf_printf(b, "# HELP isconf_cache_report_age_seconds How old the "
	    "cache figures below are (a report is rerun when older than "
	    "%d s).\n# TYPE isconf_cache_report_age_seconds gauge\n"
	    "isconf_cache_report_age_seconds %.1f\n"
	    "# HELP isconf_cache_reports_total Cache reports run (each "
	    "walks the journal).\n"
	    "# TYPE isconf_cache_reports_total counter\n"
	    "isconf_cache_reports_total %llu\n", REPORT_AGE_S,
	    (double)(mono_ns() - k->last_ns) / 1e9,
	    (unsigned long long)k->reports);
	buf_printf(b, "# HELP isconf_cache_chunks Chunks in the cache: held, "
	    "needed here, needed but not held, prunable.\n"
	    "# TYPE isconf_cache_chunks gauge\n"
	    "isconf_cache_chunks{state=\"held\"} %llu\n"
	    "isconf_cache_chunks{state=\"needed\"} %llu\n"
	    "isconf_cache_chunks{state=\"missing\"} %llu\n"
	    "isconf_cache_chunks{state=\"prunable\"} %llu\n",
	    (unsigned long long)r.chunks, (unsigned long long)r.needed_chunks,
	    (unsigned long long)r.missing_chunks,
	    (unsigned long long)r.prunable_chunks);
	buf_printf(b, "# HELP isconf_cache_bytes Cache bytes: held (plain), "
	    "on disk, prunable.\n# TYPE isconf_cache_bytes gauge\n"
	    "isconf_cache_bytes{state=\"held\"} %llu\n"
	    "isconf_cache_bytes{state=\"disk\"} %llu\n"
	    "isconf_cache_bytes{state=\"prunable\"} %llu\n",
	    (unsigned long long)r.bytes, (unsigned long long)r.disk,
	    (unsigned long long)r.prunable_bytes);
	buf_printf(b, "# HELP isconf_cache_keepers Reachable keepers with "
	    "verified holdings.\n# TYPE isconf_cache_keepers gauge\n"
	    "isconf_cache_keepers %zu\n"
	    "# HELP isconf_cache_pruned_total Chunks and bytes pruned.\n"
	    "# TYPE isconf_cache_pruned_total counter\n"
	    "isconf_cache_pruned_total{unit=\"chunks\"} %llu\n"
	    "isconf_cache_pruned_total{unit=\"bytes\"} %llu\n"
	    "# HELP isconf_cache_is_keeper 1 on a keeper (IS_CACHE_KEEP=1).\n"
	    "# TYPE isconf_cache_is_keeper gauge\n"
	    "isconf_cache_is_keeper %d\n", r.keepers,
	    (unsigned long long)d->keepers->pruned_chunks,
	    (unsigned long long)d->keepers->pruned_bytes, d->keepers->keep);
	keepers_metrics_off(b, &r);
}
