/*
 * The lock protocol on host-signed statements (issue 18; lockd.c,
 * doc/protocol.md "The branch lock").  A CLAIM carries the claimant's
 * signed claim, a LOCKED (and the lock a hello lists) the holder's
 * signed held statement, a RELEASE (and the releases a hello lists)
 * the signed release of the holder or of the host whose `unlock` broke
 * the lock; other hosts pass them on as they are.  A key holder without
 * a host's key therefore cannot claim, take or release a lock in its
 * name.
 *
 * Of each issuer, the lock statements are ordered by (epoch, seq): a
 * floor kept in the journal's state ("lockfloor:HOST") rises with each
 * held or release statement taken, and past the held statement of a
 * lock when it is cleared, so an older statement replayed, even after a
 * restart, is stale.  The held statement of the lock recorded on a
 * branch ("lock:BRANCH:held") and the release that last cleared one
 * ("lock:BRANCH:release") are kept there too: the first is what hellos
 * list, the second is sent to a host whose hello still lists the lock.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isconfd.h"
#include "stmtd.h"

/* What a lock datagram takes besides the statement's body: the
 * datagram's header and HMAC (net/udp.c), the blob's length, the
 * statement's header and signature, the names each holds once. */
#define LOCK_DGRAM_OVERHEAD	180

/* The lock statement's body, its message cut to STMT_LOCK_MSG_MAX and
 * to what keeps the body within STMT_BODY_MAX and the datagram within
 * NET_MAX_DGRAM (long domain and host names leave less room). */
void
lockstmt_sign(struct isconfd *d, uint8_t kind, const struct stmt_lock *l,
    struct buf *out)
{
	struct stmt_lock	 c = *l;
	struct buf		 body;
	char			 msg[STMT_LOCK_MSG_MAX + 1];
	size_t			 n, max = STMT_BODY_MAX, room;

	room = NET_MAX_DGRAM - LOCK_DGRAM_OVERHEAD -
	    strlen(d->conf.domain) - 2 * strlen(d->conf.hostname);
	if (room < max)
		max = room;
	if (c.message != NULL) {
		xstrlcpy(msg, c.message, sizeof msg);
		c.message = msg;
	}
	buf_init(&body);
	stmt_lock_encode(kind, &c, &body);
	if (body.len > max && c.message != NULL) {
		n = strlen(msg);
		msg[n > body.len - max ? n - (body.len - max) : 0] = '\0';
		buf_reset(&body);
		stmt_lock_encode(kind, &c, &body);
	}
	stmtd_sign(d, kind, body.data, body.len, out);
	buf_free(&body);
}

/*
 * The floor table: issuer, floor, when it last rose, in that order
 * (oldest first).  At most LOCK_FLOORS_MAX issuers (doc/design.md,
 * "Host-signed statements"): a key holder can sign lock statements in
 * as many names as it likes, and each would otherwise be a row kept for
 * ever.  A newcomer to a full table takes the place of the issuer that
 * rose longest ago and is no peer; one that is a peer (or this host)
 * may take a peer's if none is left; else its statement is refused.
 */
#define LOCK_FLOORS_MAX	4096

struct lock_floor {
	char		*issuer;
	uint64_t	 e, q;
	int64_t		 ms;	/* last risen; 0: before it was kept */
};

struct lockfloors {
	struct lock_floor	*v;
	size_t			 n, max;
	int			 loaded;
	uint64_t		 evicted;
	int64_t			 log_next;
	/* No issuer but peers (and this host) in the full table, as a
	 * walk found until then: a newcomer that is no peer is refused
	 * without a walk (each looks every issuer up among the peers). */
	int64_t			 peers_only_until;
};

/* The floors' rows, under a prefix of their own: read whole, a range
 * holding the receipts too ("stmt:HOST:receipt", as many as there ever
 * were peers) would be read with them. */
#define FLOOR_PREFIX	"lockfloor:"

static char *
floor_key(const char *issuer)
{
	char	*k;

	xasprintf(&k, FLOOR_PREFIX "%s", issuer);
	return k;
}

/* Where an older daemon kept issuer's floor. */
static char *
floor_old_key(const char *issuer)
{
	char	*k;

	xasprintf(&k, "stmt:%s:lock", issuer);
	return k;
}

/* A floor's value, "E Q MS": a damaged one is no floor, as it always
 * read. */
static void
floor_parse(const char *v, uint64_t *e, uint64_t *q, int64_t *ms)
{
	unsigned long long	a = 0, b = 0, c = 0;

	if (sscanf(v, "%llu %llu %llu", &a, &b, &c) < 2)
		a = b = c = 0;
	*e = a;
	*q = b;
	*ms = (int64_t)c;
}

/*
 * The floor an older daemon kept for issuer, one it has not risen past
 * here (doc/design.md): read by its key wherever the table has none, so
 * never gone backwards, and never read with every other "stmt:" row.
 * 1 with (e, q), 0 if none, -1 and cause.
 */
static int
floor_old(struct isconfd *d, const char *issuer, uint64_t *e, uint64_t *q,
    char **cause)
{
	char	*k = floor_old_key(issuer), *v;
	int64_t	 ms;
	int	 r;

	*e = *q = 0;
	r = journal_state_get(d->journal, k, &v, cause);
	free(k);
	if (r != 1)
		return r;
	floor_parse(v, e, q, &ms);
	free(v);
	return 1;
}

static int
floor_cmp(const void *a, const void *b)
{
	const struct lock_floor	*x = a, *y = b;

	return x->ms < y->ms ? -1 : x->ms > y->ms;
}

static struct lockfloors *
floors_table(struct isconfd *d)
{
	struct lockfloors	*t;
#ifdef ISCONF_CRASH_HOOKS
	const char		*v;
#endif

	if ((t = d->lock_floors) != NULL)
		return t;
	t = d->lock_floors = xcalloc(1, sizeof *t);
	t->max = LOCK_FLOORS_MAX;
#ifdef ISCONF_CRASH_HOOKS
	/* Tests fill the table without signing 4,096 statements. */
	if ((v = getenv("ISCONF_LOCK_FLOORS_MAX")) != NULL && atoi(v) > 0)
		t->max = (size_t)atoi(v);
#endif
	return t;
}

static int	floors_evict(struct isconfd *, struct lockfloors *, int);

/* The table, read from the journal's state on first use: it, or NULL
 * and cause (read again at the next use). */
static struct lockfloors *
floors_load(struct isconfd *d, char **cause)
{
	struct lockfloors	*t = floors_table(d);
	struct lock_floor	*f;
	char			**keys, **vals;
	size_t			 n, i;

	if (t->loaded)
		return t;
	if (journal_state_list(d->journal, FLOOR_PREFIX, &keys, &vals, &n,
	    cause) == -1)
		return NULL;
#ifdef ISCONF_CRASH_HOOKS
	log_warnx("lock: the floor table read from %zu rows", n);
#endif
	for (i = 0; i < n; i++) {
		if (keys[i][strlen(FLOOR_PREFIX)] == '\0')
			continue;
		t->v = xreallocarray(t->v, t->n + 1, sizeof *t->v);
		f = &t->v[t->n++];
		f->issuer = xstrdup(keys[i] + strlen(FLOOR_PREFIX));
		floor_parse(vals[i], &f->e, &f->q, &f->ms);
	}
	journal_state_list_free(keys, vals, n);
	if (t->n > 0)
		qsort(t->v, t->n, sizeof *t->v, floor_cmp);
	t->loaded = 1;
	/* Kept under a larger cap. */
	while (t->n > t->max && floors_evict(d, t, 1))
		;
	return t;
}

static struct lock_floor *
floor_find(struct lockfloors *t, const char *issuer)
{
	size_t	i;

	for (i = 0; i < t->n; i++)
		if (strcmp(t->v[i].issuer, issuer) == 0)
			return &t->v[i];
	return NULL;
}

/* Drop the floor of the issuer that rose longest ago and is no peer
 * (nor this host); with peers, a peer's if there is none: 1, or 0 if
 * every one is kept. */
static int
floors_evict(struct isconfd *d, struct lockfloors *t, int peers)
{
	size_t	 i, victim = t->n, oldest_peer = t->n;
	int64_t	 now = now_ns() / 1000000;
	char	*k, *cause = NULL;

	if (peers || now >= t->peers_only_until) {
		for (i = 0; i < t->n && victim == t->n; i++) {
			if (strcmp(t->v[i].issuer, d->conf.hostname) == 0)
				continue;
			if (peer_find(d, t->v[i].issuer) == NULL)
				victim = i;
			else if (oldest_peer == t->n)
				oldest_peer = i;
		}
		if (victim == t->n)
			t->peers_only_until = now + d->gossip_ms;
	}
	if (victim == t->n && peers)
		victim = oldest_peer;
	if (victim == t->n)
		return 0;
	k = floor_key(t->v[victim].issuer);
	if (journal_state_set(d->journal, k, NULL, &cause) == -1) {
		log_warnx("lock: %s; the statement floor of %s kept", cause,
		    t->v[victim].issuer);
		free(cause);
		free(k);
		return 0;
	}
	free(k);
	t->evicted++;
	if (now >= t->log_next) {
		t->log_next = now + 10000;
		log_warnx("lock: the lock floor table is full (%zu issuers): "
		    "the floor of %s dropped for a newcomer (%llu so far)",
		    t->max, t->v[victim].issuer,
		    (unsigned long long)t->evicted);
	}
	free(t->v[victim].issuer);
	memmove(&t->v[victim], &t->v[victim + 1],
	    (t->n - victim - 1) * sizeof *t->v);
	t->n--;
	return 1;
}

/* Room for issuer's floor: 1 (it has one, or room was made), 0. */
static int
floor_room(struct isconfd *d, struct lockfloors *t, const char *issuer)
{
	if (floor_find(t, issuer) != NULL || t->n < t->max)
		return 1;
	return floors_evict(d, t, strcmp(issuer, d->conf.hostname) == 0 ||
	    peer_find(d, issuer) != NULL);
}

/* issuer's floor: 0, or -1 and cause. */
static int
floor_get(struct isconfd *d, const char *issuer, uint64_t *e, uint64_t *q,
    char **cause)
{
	struct lockfloors	*t;
	struct lock_floor	*f;

	*e = *q = 0;
	if ((t = floors_load(d, cause)) == NULL)
		return -1;
	if ((f = floor_find(t, issuer)) == NULL)
		return floor_old(d, issuer, e, q, cause) == -1 ? -1 : 0;
	*e = f->e;
	*q = f->q;
	return 0;
}

/* Raise issuer's floor to (e, q) unless it is there already. */
static void
floor_raise(struct isconfd *d, const char *issuer, uint64_t e, uint64_t q)
{
	struct lockfloors	*t;
	struct lock_floor	 f;
	struct lock_floor	*o;
	uint64_t		 oe, oq;
	char			*k, v[80], *cause = NULL;
	int			 old = 0;

	if ((t = floors_load(d, &cause)) == NULL ||
	    ((o = floor_find(t, issuer)) == NULL &&
	    (old = floor_old(d, issuer, &oe, &oq, &cause)) == -1)) {
		/* Unread, an older daemon's floor could be above (e, q). */
		log_warnx("lock: %s; the statement floor of %s not kept",
		    cause, issuer);
		free(cause);
		return;
	}
	if (o != NULL && !stmt_after(e, q, o->e, o->q))
		return;
	if (old == 1 && !stmt_after(e, q, oe, oq))
		return;
	if (o == NULL && !floor_room(d, t, issuer)) {
		log_warnx("lock: the lock floor table is full (%zu issuers, "
		    "each a peer); the statement floor of %s not kept",
		    t->max, issuer);
		return;
	}
	memset(&f, 0, sizeof f);
	f.e = e;
	f.q = q;
	f.ms = now_ns() / 1000000;
	k = floor_key(issuer);
	snprintf(v, sizeof v, "%llu %llu %lld", (unsigned long long)e,
	    (unsigned long long)q, (long long)f.ms);
	if (journal_state_set(d->journal, k, v, &cause) == -1) {
		log_warnx("lock: %s; the statement floor of %s not kept",
		    cause, issuer);
		free(cause);
		free(k);
		return;
	}
	free(k);
	/* Risen past it here (the row above is found first from now on):
	 * left by a crash or a failed delete, it is only ever below. */
	if (old == 1) {
		k = floor_old_key(issuer);
		if (journal_state_set(d->journal, k, NULL, &cause) == -1) {
			log_warnx("lock: %s", cause);
			free(cause);
		}
		free(k);
	}
	/* Risen now: to the end of the table, the newest. */
	if ((o = floor_find(t, issuer)) != NULL) {
		f.issuer = o->issuer;
		memmove(o, o + 1, (size_t)(&t->v[t->n] - (o + 1)) * sizeof *o);
		t->n--;
	} else
		f.issuer = xstrdup(issuer);
	t->v = xreallocarray(t->v, t->n + 1, sizeof *t->v);
	t->v[t->n++] = f;
}

void
lockstmt_metrics(struct isconfd *d, struct buf *b)
{
	struct lockfloors	*t;
	char			*cause = NULL;

	if ((t = floors_load(d, &cause)) == NULL) {
		free(cause);
		return;
	}
	buf_printf(b, "# HELP isconf_lock_floors Issuers whose lock "
	    "statement floor is kept (at most %zu).\n"
	    "# TYPE isconf_lock_floors gauge\nisconf_lock_floors %zu\n"
	    "# HELP isconf_lock_floors_evicted_total Floors dropped from the "
	    "full table for a newcomer.\n"
	    "# TYPE isconf_lock_floors_evicted_total counter\n"
	    "isconf_lock_floors_evicted_total %llu\n", t->max, t->n,
	    (unsigned long long)t->evicted);
}

void
lockstmt_free(struct isconfd *d)
{
	struct lockfloors	*t = d->lock_floors;
	size_t			 i;

	if (t == NULL)
		return;
	for (i = 0; i < t->n; i++)
		free(t->v[i].issuer);
	free(t->v);
	free(t);
	d->lock_floors = NULL;
}

int
lockstmt_check(struct isconfd *d, const struct wire_lockstmt *w,
    const char *about, const char *from)
{
	const struct stmt	*st = &w->st;
	const char		*what = stmt_kind_name(st->kind);
	struct stmt_host	*h;
	enum stmt_count		 why;
	uint64_t		 fe, fq;
	char			*cause = NULL;

	if (about != NULL && strcmp(st->issuer, about) != 0) {
		stmtd_drop(d, STMT_C_WRONG_ISSUER, "dropped a %s of %s sent "
		    "by %s as %s's", what, st->issuer, from, about);
		return 0;
	}
	if (floor_get(d, st->issuer, &fe, &fq, &cause) == -1 ||
	    stmtd_host(d, st->issuer, &h, &cause) == -1) {
		log_warnx("lock: %s; a %s of %s ignored", cause, what,
		    st->issuer);
		free(cause);
		return 0;
	}
	if (stmt_after(fe, fq, st->epoch, st->seq)) {
		stmtd_drop(d, STMT_C_STALE, "ignored a %s of %s (from %s) "
		    "older than its last", what, st->issuer, from);
		return 0;
	}
	if (stmt_verify(st, d->conf.domain) == -1) {
		stmtd_drop(d, STMT_C_BAD_SIG, "dropped a %s of %s (from %s): "
		    "its signature does not verify", what, st->issuer, from);
		return 0;
	}
	stmtd_verified(d);
	/* Only a peer's name (or ours) is pinned: a key holder could make
	 * up names without end, each a row kept for ever. */
	if (pins_check(d, h, st->pk, peer_find(d, st->issuer) != NULL ||
	    strcmp(st->issuer, d->conf.hostname) == 0, &why) == -1) {
		stmtd_drop(d, why, "dropped a %s of %s (from %s): %s", what,
		    st->issuer, from, why == STMT_C_UNTRUSTED ? "its key is "
		    "not in trusted_keys" : "signed by another key than the "
		    "one pinned for that name");
		return 0;
	}
	if (st->kind != STMT_LOCK_CLAIM &&
	    !floor_room(d, d->lock_floors, st->issuer)) {
		stmtd_drop(d, STMT_C_FULL, "dropped a %s of %s (from %s): the "
		    "lock floor table is full (%zu issuers, each a peer)", what,
		    st->issuer, from, d->lock_floors->max);
		return 0;
	}
	stmtd_accepted(d);
	if (st->kind != STMT_LOCK_CLAIM)
		floor_raise(d, st->issuer, st->epoch, st->seq);
	return 1;
}

void
lockstmt_cleared(struct isconfd *d, const char *holder, uint64_t e,
    uint64_t q)
{
	if (e != 0)
		floor_raise(d, holder, e, q + 1);
}

static char *
branch_key(const char *branch, const char *what)
{
	char	*k;

	xasprintf(&k, "lock:%s:%s", branch, what);
	return k;
}

int
lockstmt_get(struct isconfd *d, const char *branch, uint8_t kind,
    struct buf *raw, struct wire_lockstmt *w, char **cause)
{
	uint8_t	 p[STMT_MAX];
	char	*k, *v;
	size_t	 len;
	int	 r;

	buf_reset(raw);
	k = branch_key(branch, kind == STMT_LOCK_HELD ? "held" : "release");
#ifdef ISCONF_CRASH_HOOKS
	/* Tests: ISCONF_FAULT=lockstmt-read:held (or :release). */
	if (fault_point("lockstmt-read", kind == STMT_LOCK_HELD ? "held" :
	    "release")) {
		xasprintf(cause, "reading the state %s: disk I/O error "
		    "(fault)", k);
		free(k);
		return -1;
	}
#endif
	/* A failed read is no "none kept": a release of the lock, or a
	 * lock seen released, would be taken on it (lockd.c). */
	r = journal_state_get(d->journal, k, &v, cause);
	free(k);
	if (r != 1)
		return r;
	len = strlen(v) / 2;
	r = 0;
	if (len > 0 && len <= STMT_MAX && hex_decode(p, len, v) == 0) {
		buf_add(raw, p, len);
		r = wire_lockstmt_raw(kind, raw->data, raw->len, w) == 0;
	}
	free(v);
	if (r == 0)
		buf_reset(raw);
	return r;
}

void
lockstmt_put(struct isconfd *d, const char *branch, uint8_t kind,
    const uint8_t *raw, size_t len)
{
	char	*k, *v = NULL, *cause = NULL;

	k = branch_key(branch, kind == STMT_LOCK_HELD ? "held" : "release");
	if (raw != NULL) {
		v = xmalloc(2 * len + 1);
		hex_encode(v, raw, len);
	}
	if (journal_state_set(d->journal, k, v, &cause) == -1) {
		log_warnx("lock: %s; the %s statement of %s not kept", cause,
		    stmt_kind_name(kind), branch);
		free(cause);
	}
	free(k);
	free(v);
}

int
lockstmt_held(struct isconfd *d, const char *branch, const struct jlock *l,
    struct buf *raw, uint64_t *e, uint64_t *q, char **cause)
{
	struct wire_lockstmt	w;
	int			r;

	*e = *q = 0;
	if ((r = lockstmt_get(d, branch, STMT_LOCK_HELD, raw, &w,
	    cause)) != 1)
		return r;
	r = strcmp(w.st.issuer, l->host) == 0 && w.l.time == l->time;
	if (r) {
		*e = w.st.epoch;
		*q = w.st.seq;
	} else
		buf_reset(raw);
	wire_lockstmt_free(&w);
	return r;
}
