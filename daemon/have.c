/*
 * Holdings, the serving side (doc/protocol.md, "Holdings"; issue 24): a
 * fetching peer names a snap entry in a F_BITFIELD request, and this
 * host answers with a bit per chunk of that snap's list that its cache
 * holds, then a F_HAVE for each chunk of it that it stores while the
 * connection is open (have_stored, called by fetch.c).  The fetching
 * host asks each such peer for the rarest chunk it holds
 * (rules_have_next), which bench/simdist found takes 1,000 hosts to
 * 1.31x the lower bound where asking blind took 1.88x.
 *
 * A list is loaded once (its chunk hashes, sorted, and which are held)
 * and shared by every connection that asks for it; it goes when the
 * last of them closes.  Bounds: HAVE_LISTS lists per connection, and
 * HAVE_LOADED_MAX chunks in all the lists loaded at once (a list past
 * that is answered as unknown: the peer asks as it did before).  Only
 * entries of this host's own journal can be named, over authenticated
 * streams.  The connection's drain callback tells us when it closes;
 * so it does not also run an entries stream (serve.c refuses one).
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "isconfd.h"

/* Chunks of all the lists loaded at once (about 40 bytes each). */
#define HAVE_LOADED_MAX	(1u << 20)

struct have_ref {
	uint8_t		hash[HASH_LEN];
	uint32_t	index;
};

struct have_list {
	uint8_t			 id[HASH_LEN];	/* the snap entry's */
	uint32_t		 n;
	struct have_ref		*refs;		/* by hash, then index */
	uint8_t			*bits;		/* held, a bit per index */
	int			 users;
	struct have_list	*next;
};

struct have_conn {
	struct isconfd		*d;
	struct net_conn		*c;
	struct have_list	*list[HAVE_LISTS];	/* by tag */
	int			 asked;		/* requests, known or not */
	struct have_conn	*next;
};

static int
have_ref_cmp(const void *a, const void *b)
{
	const struct have_ref	*x = a, *y = b;
	int			 r = memcmp(x->hash, y->hash, HASH_LEN);

	if (r != 0)
		return r;
	return x->index < y->index ? -1 : x->index > y->index;
}

static size_t
have_loaded(struct isconfd *d)
{
	struct have_list	*l;
	size_t			 n = 0;

	for (l = d->have_lists; l != NULL; l = l->next)
		n += l->n;
	return n;
}

/* 1 if s's chunk list (its count is in the entry: nothing is loaded to
 * know it) fits beside the lists loaded. */
static int
have_fits(struct isconfd *d, const struct snap_info *s)
{
	size_t	i, n = s->nlists ? 0 : s->nchunks;

	for (i = 0; i < s->nlists; i++)
		n += s->lists[i].nchunks;
	return n <= HAVE_LOADED_MAX - have_loaded(d);
}

/* A list from s's loaded chunks, with what the cache holds marked.
 * -1 if the cache fails. */
static struct have_list *
have_list_new(struct isconfd *d, const uint8_t *id, struct snap_info *s,
    char **cause)
{
	struct have_list	*l = xcalloc(1, sizeof *l);
	size_t			 i;
	int			 r;

	memcpy(l->id, id, HASH_LEN);
	l->n = (uint32_t)s->nchunks;
	l->refs = xcalloc(s->nchunks, sizeof *l->refs);
	l->bits = xcalloc((s->nchunks + 7) / 8, 1);
	for (i = 0; i < s->nchunks; i++) {
		memcpy(l->refs[i].hash, s->chunks[i].hash, HASH_LEN);
		l->refs[i].index = (uint32_t)i;
		if ((r = cache_has(d->cache, s->chunks[i].hash, cause)) == -1) {
			free(l->refs);
			free(l->bits);
			free(l);
			return NULL;
		}
		if (r == 1)
			l->bits[i >> 3] |= 1 << (i & 7);
	}
	qsort(l->refs, l->n, sizeof *l->refs, have_ref_cmp);
	l->next = d->have_lists;
	d->have_lists = l;
	return l;
}

static void
have_list_unuse(struct isconfd *d, struct have_list *l)
{
	struct have_list	**pp;

	if (--l->users > 0)
		return;
	for (pp = &d->have_lists; *pp != NULL; pp = &(*pp)->next)
		if (*pp == l) {
			*pp = l->next;
			break;
		}
	free(l->refs);
	free(l->bits);
	free(l);
}

/*
 * The list of entry seq of branch if its id is id and this host has
 * its chunk list: 1 (*out set, used once more), 0 when not (or past
 * HAVE_LOADED_MAX), -1 if the journal or cache fails.
 */
static int
have_list_get(struct isconfd *d, const char *branch, uint64_t seq,
    const uint8_t *id, struct have_list **out, char **cause)
{
	struct have_list	*l;
	struct entry		 e;
	struct snap_info	 s;
	int			 r;

	for (l = d->have_lists; l != NULL; l = l->next)
		if (memcmp(l->id, id, HASH_LEN) == 0) {
			l->users++;
			*out = l;
			return 1;
		}
	if ((r = journal_get(d->journal, branch, seq, &e, cause)) != 1)
		return r;
	r = 0;
	if (memcmp(e.id, id, HASH_LEN) == 0 && e.kind == ENTRY_SNAP &&
	    snap_decode(&e.payload, &s) == 0) {
		if (have_fits(d, &s) && (r = chunklist_load(d, &s,
		    cause)) == 0) {
			free(*cause);
			*cause = NULL;
		}
		if (r == 1 && s.nchunks == 0)
			r = 0;
		if (r == 1 && (*out = have_list_new(d, id, &s, cause)) == NULL)
			r = -1;
		if (r == 1)
			(*out)->users = 1;
		snap_info_free(&s);
	}
	entry_free(&e);
	return r;
}

static struct have_conn *
have_conn_find(struct isconfd *d, struct net_conn *c)
{
	struct have_conn	*hc;

	for (hc = d->have_conns; hc != NULL; hc = hc->next)
		if (hc->c == c)
			return hc;
	return NULL;
}

int
have_serving(struct isconfd *d, struct net_conn *c)
{
	return have_conn_find(d, c) != NULL;
}

static void
have_conn_free(struct have_conn *hc)
{
	struct have_conn	**pp;
	int			  t;

	for (pp = &hc->d->have_conns; *pp != NULL; pp = &(*pp)->next)
		if (*pp == hc) {
			*pp = hc->next;
			break;
		}
	for (t = 0; t < HAVE_LISTS; t++)
		if (hc->list[t] != NULL)
			have_list_unuse(hc->d, hc->list[t]);
	free(hc);
}

/* The connection goes: its lists with it.  The drain callback is how a
 * serving connection's owner hears that (net.h). */
static void
have_drain(void *arg, struct net_conn *c, int closed)
{
	(void)c;
	if (closed)
		have_conn_free(arg);
}

/*
 * A F_HAVE (index n) or a F_BITFIELD (n, bits).  A test build lies when
 * $ISCONF_HAVE_EVIL says so, for the peers' checks (t1315): 1 a HAVE
 * past the list after the bitfield, 2 a bitfield a byte short, 3 every
 * chunk held.
 */
static void
have_send(struct isconfd *d, struct net_conn *c, uint8_t type, uint8_t tag,
    uint32_t n, const uint8_t *bits)
{
	struct buf	b;
	size_t		nbytes = ((size_t)n + 7) / 8;
	int		evil = (int)TEST_KNOB("ISCONF_HAVE_EVIL", 100) % 100;

	buf_init(&b);
	buf_add_u8(&b, tag);
	buf_add_u32(&b, n);
	if (type == F_BITFIELD && bits != NULL) {
		if (evil == 2)
			nbytes--;
		if (evil == 3)
			for (size_t k = 0; k < nbytes; k++)
				buf_add_u8(&b, k + 1 == nbytes && (n & 7) ?
				    (1 << (n & 7)) - 1 : 0xff);
		else
			buf_add(&b, bits, nbytes);
	}
	net_conn_send(c, type, b.data, b.len);
	buf_free(&b);
	if (type == F_BITFIELD && evil == 1 && n > 0)
		have_send(d, c, F_HAVE, tag, n, NULL);
	if (type == F_HAVE)
		d->have.haves_out++;
}

int
have_request(struct isconfd *d, struct net_conn *c, const uint8_t *p,
    size_t len)
{
	struct have_conn	*hc;
	struct have_list	*l = NULL;
	char			*branch, *cause = NULL;
	uint8_t			 tag, id[HASH_LEN];
	uint64_t		 seq;
	int			 r;

	if (wire_bitfield_req_decode(p, len, &tag, &branch, &seq, id) == -1 ||
	    serve_streaming(d, c)) {
		d->have.refused++;
		return -1;
	}
	if ((hc = have_conn_find(d, c)) == NULL) {
		hc = xcalloc(1, sizeof *hc);
		hc->d = d;
		hc->c = c;
		hc->next = d->have_conns;
		d->have_conns = hc;
		net_conn_set_drain(c, 0, have_drain, hc);
	} else if (hc->list[tag] != NULL || hc->asked == HAVE_LISTS) {
		free(branch);
		d->have.refused++;
		return -1;	/* a tag once: HAVE_LISTS at most */
	}
	hc->asked++;
	if ((r = have_list_get(d, branch, seq, id, &l, &cause)) == -1) {
		log_warnx("holdings of %s %llu for a peer: %s", branch,
		    (unsigned long long)seq, cause);
		free(cause);
	}
	free(branch);
	d->have.requests++;
	if (r != 1) {
		have_send(d, c, F_BITFIELD, tag, 0, NULL);	/* unknown */
		return 0;
	}
	hc->list[tag] = l;
	have_send(d, c, F_BITFIELD, tag, l->n, l->bits);
	return 0;
}

/* The lowest index of hash in l, or -1. */
static ssize_t
have_list_find(const struct have_list *l, const uint8_t *hash)
{
	size_t	lo = 0, hi = l->n, mid;

	while (lo < hi) {		/* the first ref not below hash */
		mid = lo + (hi - lo) / 2;
		if (memcmp(l->refs[mid].hash, hash, HASH_LEN) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == l->n || memcmp(l->refs[lo].hash, hash, HASH_LEN) != 0)
		return -1;
	return (ssize_t)lo;
}

void
have_stored(struct isconfd *d, const uint8_t *hash)
{
	struct have_list	*l;
	struct have_conn	*hc;
	ssize_t			 at;
	uint32_t		 i;
	int			 t;

	for (l = d->have_lists; l != NULL; l = l->next) {
		if ((at = have_list_find(l, hash)) == -1)
			continue;
		i = l->refs[at].index;
		if (l->bits[i >> 3] & (1 << (i & 7)))
			continue;
		/* Every index of it is held (the client maps them all to
		 * one chunk): the lowest is told. */
		for (; (size_t)at < l->n && memcmp(l->refs[at].hash, hash,
		    HASH_LEN) == 0; at++)
			l->bits[l->refs[at].index >> 3] |=
			    1 << (l->refs[at].index & 7);
		for (hc = d->have_conns; hc != NULL; hc = hc->next)
			for (t = 0; t < HAVE_LISTS; t++)
				if (hc->list[t] == l)
					have_send(d, hc->c, F_HAVE, (uint8_t)t,
					    i, NULL);
	}
}
