/*
 * The newest statement of each issuer per branch (stmtlist.h).
 * Passing news on to every peer costs N^2 datagrams for each statement
 * in a mesh of N; a list with a fanout passes it on to that many
 * random peers (not its sender, not its issuer) instead: each host
 * still hears it from its issuer, which sends its own to every peer,
 * and the relays reach those its issuer does not know.
 */
#include <stdlib.h>
#include <string.h>

#include "isconfd.h"
#include "stmtd.h"
#include "stmtlist.h"

void
stmtlist_item_free(const struct stmtlist_ops *ops, struct stmtlist_item *it)
{
	ops->free(it);
	stmt_free(&it->st);
	free(it->raw);
	free(it);
}

struct stmtlist_item *
stmtlist_item_new(const struct stmtlist_ops *ops, const uint8_t *raw,
    size_t len)
{
	struct stmtlist_item	*it = xcalloc(1, ops->size);

	it->raw = xmalloc(len ? len : 1);
	memcpy(it->raw, raw, len);
	if (stmt_decode(it->raw, len, &it->st) == -1) {
		free(it->raw);
		free(it);
		return NULL;
	}
	if (it->st.kind != ops->kind || ops->decode(it) == -1) {
		stmt_free(&it->st);
		free(it->raw);
		free(it);
		return NULL;
	}
	return it;
}

/* The issuer's statement for it's branch: its link, or where to add. */
static struct stmtlist_item **
stmtlist_find(struct stmtlist *l, const struct stmtlist_item *it, size_t *n)
{
	struct stmtlist_item	**pp, *o;

	*n = 0;
	for (pp = &l->head; (o = *pp) != NULL; pp = &o->next, (*n)++)
		if (strcmp(o->st.issuer, it->st.issuer) == 0 &&
		    strcmp(l->ops->branch(o), l->ops->branch(it)) == 0)
			break;
	return pp;
}

/* Where it is stored: KEY:ISSUER:BRANCH, both names in hex (any bytes
 * a statement carries make one key, and no other). */
static char *
stmtlist_row(const struct stmtlist *l, const struct stmtlist_item *it)
{
	const char	*branch = l->ops->branch(it);
	size_t		 ni = strlen(it->st.issuer), nb = strlen(branch);
	size_t		 nk = strlen(l->ops->key);
	char		*k = xmalloc(nk + 2 * ni + 2 * nb + 3);

	memcpy(k, l->ops->key, nk);
	k[nk] = ':';
	hex_encode(k + nk + 1, (const uint8_t *)it->st.issuer, ni);
	k[nk + 1 + 2 * ni] = ':';
	hex_encode(k + nk + 2 + 2 * ni, (const uint8_t *)branch, nb);
	return k;
}

/* Store it, or (raw NULL) forget it: one row, whatever the list holds.
 * 0, or -1 (logged). */
static int
stmtlist_row_set(struct isconfd *d, struct stmtlist *l,
    const struct stmtlist_item *it, int keep)
{
	char	*k, *v = NULL, *cause = NULL;
	int	 rv = 0;

	if (!l->loaded) {
		/* A row stored now could replace a newer one not read. */
		log_warnx("%s: not stored: the stored list could not be read "
		    "(%s)", l->ops->name, l->unread);
		return -1;
	}
	k = stmtlist_row(l, it);
	if (keep) {
		v = xmalloc(2 * it->st.rawlen + 1);
		hex_encode(v, it->raw, it->st.rawlen);
	}
#ifdef ISCONF_CRASH_HOOKS
	if (fault_point("stmtlist-write", l->ops->key)) {
		cause = xstrdup("writing the state: disk I/O error (fault)");
		rv = -1;
	} else
#endif
	rv = journal_state_set(d->journal, k, v, &cause);
	if (rv == -1) {
		log_warnx("%s: %s", l->ops->name, cause);
		free(cause);
	}
	free(v);
	free(k);
	return rv;
}

static int
stmtlist_unstore(struct isconfd *d, struct stmtlist *l,
    const struct stmtlist_item *it)
{
	return stmtlist_row_set(d, l, it, 0);
}

static int
stmtlist_store(struct isconfd *d, struct stmtlist *l,
    const struct stmtlist_item *it)
{
	return stmtlist_row_set(d, l, it, 1);
}

/* The statements kept at most (tests lower it). */
static size_t
stmtlist_max(const struct stmtlist *l)
{
#ifdef ISCONF_CRASH_HOOKS
	const char	*v;

	if ((v = getenv("ISCONF_STMTLIST_MAX")) != NULL && atoi(v) > 0)
		return (size_t)atoi(v);
#endif
	return l->ops->max;
}

/*
 * What a statement is worth keeping when the list is full: -1 expired
 * (the kind says it no longer counts), 0 of a name that is no peer's,
 * 1 of a peer (or, with trusted_keys, of a listed key), 2 ours.
 * Without trusted_keys a key holder can sign in any name; names it
 * makes up are no peers until it says hellos in them.
 */
static int
stmtlist_rank(struct isconfd *d, const struct stmtlist *l,
    const struct trusted_keys *t, const struct stmtlist_item *it)
{
	if (strcmp(it->st.issuer, d->conf.hostname) == 0)
		return 2;
	if (l->ops->expired != NULL && l->ops->expired(d, it))
		return -1;
	if (t->present)
		return trusted_keys_find(t, it->st.pk) ? 1 : 0;
	return peer_find(d, it->st.issuer) != NULL;
}

/* Room for the newcomer it in a full list: its link is dropped (the
 * stalest of the statements worth least, and less than it): 1, or 0
 * if every one is worth as much (established issuers stay). */
static int
stmtlist_evict(struct isconfd *d, struct stmtlist *l,
    const struct stmtlist_item *it)
{
	struct stmtlist_item	**pp, **victim = NULL, *o;
	struct trusted_keys	  t;
	char			 *path, *cause = NULL;
	int			  r, worst = 0, rank;

	path = path_join(d->conf.home, "conf/trusted_keys");
	if (trusted_keys_load(path, &t, &cause) == -1) {
		/* Broken: no statement is taken (pins.c); nothing to rank. */
		free(cause);
		free(path);
		return 0;
	}
	free(path);
	rank = stmtlist_rank(d, l, &t, it);
	for (pp = &l->head; (o = *pp) != NULL; pp = &o->next) {
		if ((r = stmtlist_rank(d, l, &t, o)) >= rank)
			continue;
		if (victim == NULL || r < worst || (r == worst &&
		    o->heard_ms < (*victim)->heard_ms)) {
			victim = pp;
			worst = r;
		}
	}
	trusted_keys_free(&t);
	if (victim == NULL)
		return 0;
	o = *victim;
	*victim = o->next;
	stmtlist_unstore(d, l, o);
	l->evicted++;
	if (now_ns() >= l->log_next) {
		/* A key holder can make newcomers: once per 10 s. */
		l->log_next = now_ns() + 10 * 1000000000LL;
		log_warnx("%s: more than %zu statements kept; %s of %s on %s "
		    "dropped for %s of %s (%llu so far)", l->ops->name,
		    stmtlist_max(l), l->ops->what, o->st.issuer,
		    l->ops->branch(o), l->ops->what, it->st.issuer,
		    (unsigned long long)l->evicted);
	}
	stmtlist_item_free(l->ops, o);
	return 1;
}

/* Keep it in place of its issuer's older one for the branch (or, with
 * force, whatever was kept; with d, making room in a full list): 1, or
 * 0 (it freed) if the one kept is not older, -1 (it freed) if the list
 * is full. */
static int
stmtlist_put(struct isconfd *d, struct stmtlist *l, struct stmtlist_item *it,
    int force)
{
	struct stmtlist_item	**pp, *o;
	size_t			  n;

	pp = stmtlist_find(l, it, &n);
	if ((o = *pp) != NULL) {
		if (!force && !stmt_after(it->st.epoch, it->st.seq,
		    o->st.epoch, o->st.seq) &&
		    memcmp(o->st.pk, it->st.pk, STMT_PK_LEN) == 0) {
			stmtlist_item_free(l->ops, it);
			return 0;
		}
		it->next = o->next;
		*pp = it;
		stmtlist_item_free(l->ops, o);
		return 1;
	}
	if (!force && n >= stmtlist_max(l) &&
	    (d == NULL || !stmtlist_evict(d, l, it))) {
		stmtlist_item_free(l->ops, it);
		return -1;
	}
	it->next = l->head;
	l->head = it;
	return 1;
}

/*
 * A stored statement that does not decode: the others are kept, and
 * the stored value is copied aside (KEY.damaged) so nothing is lost
 * unseen.  Peers send their lists again when they next meet this host.
 */
static void
stmtlist_damaged(struct isconfd *d, struct stmtlist *l, const char *v,
    const char *what)
{
	char	*k, *cause = NULL;

	xasprintf(&k, "%s.damaged", l->ops->key);
	if (journal_state_set(d->journal, k, v, &cause) == -1) {
		log_warnx("%s: %s", l->ops->name, cause);
		free(cause);
	}
	log_warnx("%s: the stored list is damaged (%s): the statements "
	    "that decode kept, the stored value copied to %s",
	    l->ops->name, what, k);
	free(k);
}

static void
stmtlist_load_one(struct stmtlist *l, const uint8_t *p, size_t len,
    int *damaged)
{
	struct stmtlist_item	*it;

	if ((it = stmtlist_item_new(l->ops, p, len)) == NULL) {
		*damaged = 1;
		return;
	}
	if (stmtlist_put(NULL, l, it, 0) == -1)
		log_warnx("%s: more than %zu statements stored; the rest "
		    "ignored", l->ops->name, stmtlist_max(l));
}

/*
 * The list as an older daemon stored it, whole under KEY (blobs, hex):
 * taken in, stored a row each, then deleted.  A crash between the two
 * reads both again: the rows and the list say the same.  A row that
 * could not be stored keeps the list (migrated again at the next
 * start), else its statement would be lost with it.
 */
static void
stmtlist_migrate(struct isconfd *d, struct stmtlist *l, const char *v)
{
	struct stmtlist_item	*it;
	struct rd		 r;
	const uint8_t		*p;
	uint8_t			*raw;
	char			*cause = NULL;
	size_t			 n = strlen(v) / 2, len;
	int			 damaged = 0, failed = 0;

	raw = xmalloc(n ? n : 1);
	if (strlen(v) % 2 != 0 || hex_decode(raw, n, v) != 0)
		stmtlist_damaged(d, l, v, "not hex");
	else {
		rd_init(&r, raw, n);
		while (r.off < r.len && !damaged) {
			if ((p = rd_blob(&r, &len, STMT_MAX)) == NULL)
				damaged = 1;
			else
				stmtlist_load_one(l, p, len, &damaged);
		}
		if (damaged)
			stmtlist_damaged(d, l, v, "a statement that does not "
			    "decode");
	}
	free(raw);
	for (it = l->head; it != NULL; it = it->next)
		failed |= stmtlist_store(d, l, it) == -1;
	if (failed) {
		log_warnx("%s: the list an older daemon stored kept under %s "
		    "until every statement is stored as a row", l->ops->name,
		    l->ops->key);
		return;
	}
	if (journal_state_set(d->journal, l->ops->key, NULL, &cause) == -1) {
		log_warnx("%s: %s", l->ops->name, cause);
		free(cause);
	}
}

/* Read the rows (KEY:...) and an older daemon's list (KEY): 0, or -1
 * and cause (nothing taken). */
static int
stmtlist_load(struct isconfd *d, struct stmtlist *l, char **cause)
{
	char	**keys, **vals, *old, *prefix;
	uint8_t	 *raw;
	size_t	  n, i, len;
	int	  rv, damaged;

#ifdef ISCONF_CRASH_HOOKS
	if (fault_point("stmtlist-read", l->ops->key)) {
		*cause = xstrdup("reading the state: disk I/O error (fault)");
		return -1;
	}
#endif
	if ((rv = journal_state_get(d->journal, l->ops->key, &old,
	    cause)) == -1)
		return -1;
	xasprintf(&prefix, "%s:", l->ops->key);
	if (journal_state_list(d->journal, prefix, &keys, &vals, &n,
	    cause) == -1) {
		free(prefix);
		free(old);
		return -1;
	}
	free(prefix);
	l->loaded = 1;
	for (i = 0; i < n; i++) {
		len = strlen(vals[i]) / 2;
		raw = xmalloc(len ? len : 1);
		damaged = strlen(vals[i]) % 2 != 0 ||
		    hex_decode(raw, len, vals[i]) != 0;
		if (!damaged)
			stmtlist_load_one(l, raw, len, &damaged);
		if (damaged)
			stmtlist_damaged(d, l, vals[i], keys[i]);
		free(raw);
	}
	journal_state_list_free(keys, vals, n);
	if (rv == 1)
		stmtlist_migrate(d, l, old);
	free(old);
	return 0;
}

struct stmtlist_item *
stmtlist_head(struct isconfd *d, struct stmtlist *l)
{
	char	*cause = NULL;

	if (l->loaded)
		return l->head;
	if (stmtlist_load(d, l, &cause) == -1) {
		/* Not "nothing stored": tried again at the next use. */
		if (l->unread == NULL)
			log_warnx("%s: %s", l->ops->name, cause);
		free(l->unread);
		l->unread = cause;
		return l->head;
	}
	free(l->unread);
	l->unread = NULL;
	return l->head;
}

const char *
stmtlist_unread(struct isconfd *d, struct stmtlist *l)
{
	(void)stmtlist_head(d, l);
	return l->unread;
}

/* Those of the peers to send news of issuer to (from sent it; NULL:
 * ours, to every peer): chosen[i] for the i-th peer. */
static uint8_t *
stmtlist_targets(struct isconfd *d, const struct stmtlist_ops *ops,
    const char *issuer, const char *from)
{
	struct peer	*p;
	uint8_t		*chosen = xcalloc(d->npeers ? d->npeers : 1, 1);
	size_t		*idx, *pick, i = 0, n = 0, k;

	idx = xcalloc(d->npeers ? d->npeers : 1, sizeof *idx);
	TAILQ_FOREACH(p, &d->peers, entry) {
		if (from == NULL || (strcmp(p->host, from) != 0 &&
		    strcmp(p->host, issuer) != 0))
			idx[n++] = i;
		i++;
	}
	k = from == NULL || ops->fanout == 0 || ops->fanout > n ? n :
	    ops->fanout;
	pick = xcalloc(k ? k : 1, sizeof *pick);
	rules_choose(n, k, pick, randombytes_uniform);
	for (i = 0; i < k; i++)
		chosen[idx[pick[i]]] = 1;
	free(pick);
	free(idx);
	return chosen;
}

/* Send the statements kept (or only one) to to, or (news of from, or
 * ours with from NULL) to the peers stmtlist_targets picks. */
static void
stmtlist_send(struct isconfd *d, struct stmtlist *l,
    const struct stmtlist_item *only, const struct sockaddr_in *to,
    const char *from)
{
	const struct stmtlist_item	*it = only != NULL ? only : l->head;
	struct peer			*p;
	struct buf			 b;
	uint8_t				*chosen = NULL;
	size_t				 i;

	if (d->net == NULL)
		return;
	if (to == NULL && only != NULL)
		chosen = stmtlist_targets(d, l->ops, only->st.issuer, from);
	while (it != NULL) {
		buf_init(&b);
		buf_add_u8(&b, 0);
		for (; it != NULL && b.data[0] < STMT_PER_DGRAM &&
		    b.len + 4 + it->st.rawlen < NET_MAX_DGRAM - 600;
		    it = only != NULL ? NULL : it->next) {
			buf_add_blob(&b, it->raw, it->st.rawlen);
			b.data[0]++;
		}
		if (to != NULL)
			net_send(d->net, to, MSG_STMT, b.data, b.len);
		else {
			i = 0;
			TAILQ_FOREACH(p, &d->peers, entry)
				if (chosen == NULL || chosen[i++])
					net_send(d->net, &p->addr, MSG_STMT,
					    b.data, b.len);
		}
		buf_free(&b);
	}
	free(chosen);
}

void
stmtlist_greet(struct isconfd *d, struct stmtlist *l,
    const struct sockaddr_in *to)
{
	if (stmtlist_head(d, l) != NULL)
		stmtlist_send(d, l, NULL, to, NULL);
}

const struct stmtlist_item *
stmtlist_take(struct isconfd *d, struct stmtlist *l, const struct stmt *st,
    const char *from)
{
	const struct stmtlist_ops	*ops = l->ops;
	struct stmtlist_item		*it;
	struct stmt_host		*sh;
	enum stmt_count			 why;
	char				*cause = NULL;

	if (strcmp(st->issuer, d->conf.hostname) == 0)
		return NULL;	/* ours, back */
	for (it = stmtlist_head(d, l); it != NULL; it = it->next)
		if (it->st.rawlen == st->rawlen &&
		    memcmp(it->raw, st->raw, st->rawlen) == 0)
			return NULL;	/* the one we hold */
	if (stmt_verify(st, d->conf.domain) == -1) {
		stmtd_drop(d, STMT_C_BAD_SIG, "dropped %s of %s (from %s): "
		    "its signature does not verify", ops->what, st->issuer,
		    from);
		return NULL;
	}
	if (stmtd_host(d, st->issuer, &sh, &cause) == -1) {
		log_warnx("%s: %s", ops->name, cause);
		free(cause);
		return NULL;
	}
	/* Only a peer's name is pinned: a key holder could make up names
	 * without end, each a row of the state kept for ever.  Another's
	 * is checked against trusted_keys and a pin already there; a
	 * keeper's counts only as a peer's (keepers.c). */
	if (pins_check(d, sh, st->pk, peer_find(d, st->issuer) != NULL,
	    &why) == -1) {
		stmtd_drop(d, why, "dropped %s of %s (from %s): %s", ops->what,
		    st->issuer, from, why == STMT_C_UNTRUSTED ? "its key is "
		    "not in trusted_keys" : "signed by another key than the "
		    "one pinned for that name");
		return NULL;
	}
	if ((it = stmtlist_item_new(ops, st->raw, st->rawlen)) == NULL) {
		stmtd_drop(d, STMT_C_MALFORMED, "dropped %s of %s (from %s): "
		    "its body does not decode", ops->what, st->issuer, from);
		return NULL;
	}
	it->heard_ms = now_ns() / 1000000;
	switch (stmtlist_put(d, l, it, 0)) {
	case 0:
		stmtd_drop(d, STMT_C_STALE, "ignored %s of %s (from %s) older "
		    "than the one kept", ops->what, st->issuer, from);
		return NULL;
	case -1:
		stmtd_drop(d, STMT_C_FULL, "ignored %s of %s (from %s): more "
		    "than %zu statements kept, none worth less", ops->what,
		    st->issuer, from, stmtlist_max(l));
		return NULL;
	}
	stmtd_accepted(d);
	stmtlist_store(d, l, it);
	stmtlist_send(d, l, it, NULL, from);	/* passed on, once: news */
	return it;
}

const struct stmtlist_item *
stmtlist_own(struct isconfd *d, struct stmtlist *l, const uint8_t *raw,
    size_t len)
{
	struct stmtlist_item	*it;

	(void)stmtlist_head(d, l);
	if ((it = stmtlist_item_new(l->ops, raw, len)) == NULL)
		fatalx("%s: our own statement does not decode", l->ops->name);
	it->heard_ms = now_ns() / 1000000;
	stmtlist_put(d, l, it, 1);
	stmtlist_store(d, l, it);
	stmtlist_send(d, l, it, NULL, NULL);
	return it;
}

void
stmtlist_clear(struct stmtlist *l)
{
	struct stmtlist_item	*it;

	while ((it = l->head) != NULL) {
		l->head = it->next;
		stmtlist_item_free(l->ops, it);
	}
	l->loaded = 0;
	free(l->unread);
	l->unread = NULL;
}
