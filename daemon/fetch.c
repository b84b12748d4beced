/*
 * Fetching the chunks that this host's unapplied snaps need, from every
 * reachable peer at once: each peer connection keeps a few requests in
 * flight and takes the next chunk nobody has yet; a chunk a peer lacks
 * goes to the others; a dropped connection's chunks go back in the pool.
 * Chunks are stored one by one, so a fetch interrupted by anything
 * resumes where it stopped.  Every chunk is checked against its hash
 * before it is stored.
 *
 * When many hosts fetch the same file at once, the origin must not serve
 * it to each of them (issue 6: at most a quarter of the bytes).  So each
 * host asks for the chunks in its own random order, and a peer that
 * lacks a chunk now is asked again later: it is probably fetching the
 * same file and will have other chunks soon.  A connection whose peer
 * said NOCHUNK rests FETCH_REST_MS, and once its peer lacked every chunk
 * still missing it rests as long and asks for them all again; after
 * FETCH_STALL_MS without a chunk while peers say they lack what is
 * asked, the fetch ends with what it has.
 *
 * The decisions (which peers, which chunk on which connection, how many
 * in flight, the rests, what a closed connection gives back, when it is
 * over) are daemon/rules.c's rules_fetch_*, which bench/simdist runs for
 * thousands of simulated hosts; this file does the I/O around them.
 *
 * A snap whose chunk list is in list objects (chunklist.c) needs those
 * first: a first pass fetches only the missing list objects (checked by
 * hash like any chunk), and a second all the chunks.
 *
 * Holdings (have.c, doc/protocol.md): the second pass asks each peer
 * for its bitfield of the HAVE_LISTS snaps that need the most chunks,
 * and asks a peer that answered for the rarest chunk it holds
 * (rules_have_next); its HAVEs keep that up to date.  A peer that knows
 * none of the lists is asked blind (rules_fetch_next), as is a peer
 * that closed without answering (a daemon before holdings refuses the
 * request): the fetch connects to it once more without asking.  Chunks
 * of no list asked about count as held by every peer that answered,
 * and rarest-first asks for them last.  IS_FETCH_HAVE=no turns it off.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "isconfd.h"
#include "keepers.h"
#include "cacheuse.h"

struct fetch_chunk {
	uint8_t		hash[HASH_LEN];
	uint32_t	len;
	int		list;		/* a chunk list object */
};

/* A snap whose holdings peers are asked for (F_BITFIELD tag: its
 * index in fetch.hl). */
#define FETCH_NONE	UINT32_MAX
struct fetch_list {
	uint64_t	  seq;
	uint8_t		  id[HASH_LEN];
	uint32_t	  n;		/* chunks in its list */
	size_t		  missing;	/* of them, the fetch's */
	uint8_t		(*hashes)[HASH_LEN];	/* until mapped */
	uint32_t	 *map;		/* list index -> chunk, or NONE */
};
/* Chunks of no list asked about: rarest-first asks for them last. */
#define FETCH_UNLISTED	0x4000

enum { HAVE_OFF, HAVE_ASKED, HAVE_ON };

struct fetch;
struct fetch_conn {
	struct fetch		*f;
	int			 idx;
	struct net_conn		*conn;
	struct sockaddr_in	 to;
	uint64_t		 bytes;
	int			 answered;	/* sent us a frame */
	int			 retry;		/* again, without asking */
	int			 have;		/* HAVE_* */
	uint8_t			 tags;		/* bitfields answered */
	uint8_t			 known;		/* of them, with a list */
	uint8_t			*holds;		/* a bit per chunk: ask it */
	uint8_t			*said;		/* of them, announced */
};

struct fetch {
	struct isconfd		*d;
	struct client		*c;
	struct fetch_chunk	*chunks;
	size_t			 nchunks;
	size_t			 alloc;	/* room in chunks */
	struct rules_fetch	 plan;	/* states, owners, connections */
	uint64_t		 total_bytes;
	uint64_t		 done_bytes;
	struct fetch_conn	 conns[FETCH_MAX_PEERS];
	int			 nconns;
	int			 finished;
	int			 reading;	/* counted in cacheuse */
	int64_t			 shown;		/* last progress, ns */
	struct event		*tick;
	char			*branch;
	int			 lists;		/* list objects to fetch */
	struct fetch_list	 hl[HAVE_LISTS];	/* holdings asked */
	int			 nhl;
	uint8_t			*listed;	/* a bit per chunk: in hl */
	uint16_t		*avail;		/* peers announcing each */
	int			 all;		/* from `from', not applied */
	uint64_t		 from;
	sync_done_cb		 cb;
	void			*arg;
};

static void	fetch_start(struct isconfd *, const char *, struct client *,
		    sync_done_cb, void *, int, int, uint64_t);

static void	fetch_pump(struct fetch_conn *);
static int	fetch_frame(void *, struct net_conn *, uint8_t,
		    const uint8_t *, size_t);
static void	fetch_closed(void *, struct net_conn *, const char *);
static struct net_conn *fetch_connect(struct fetch *,
		    const struct sockaddr_in *, int);

static const char *
fetch_what(const struct fetch *f, size_t n)
{
	if (f->lists > 0)
		return n == 1 ? "chunk list" : "chunk lists";
	return n == 1 ? "chunk" : "chunks";
}

/* "peer" or "peers" after n. */
static const char *
peers_word(int n)
{
	return n == 1 ? "peer" : "peers";
}

/* " (N bytes)" for chunks; nothing for list objects, whose sizes the
 * fetch does not know beforehand. */
static const char *
fetch_bytes(const struct fetch *f, uint64_t n, char *out, size_t len)
{
	if (f->lists > 0)
		return "";
	snprintf(out, len, " (%llu bytes)", (unsigned long long)n);
	return out;
}

/* The fetch and its caller's callback no longer read the cache. */
static void
fetch_unuse(struct fetch *f)
{
	if (f->reading)
		cacheuse_fetch(f->d, -1);
	f->reading = 0;
}

static void
fetch_free(struct fetch *f)
{
	int	i;

	fetch_unuse(f);
	for (i = 0; i < f->nhl; i++) {
		free(f->hl[i].hashes);
		free(f->hl[i].map);
	}
	for (i = 0; i < f->nconns; i++) {
		free(f->conns[i].holds);
		free(f->conns[i].said);
	}
	free(f->listed);
	free(f->avail);
	if (f->tick != NULL)
		event_free(f->tick);
	free(f->branch);
	free(f->chunks);
	rules_fetch_free(&f->plan);
	free(f);
}

static void
fetch_end(struct fetch *f)
{
	char	 bytes[32], *cause = NULL;
	int	 i, answered = 0, tried = 0;

	if (f->finished)
		return;
	f->finished = 1;
	/* What we fetched must be durable before up relies on it. */
	if (cache_flush(f->d->cache, &cause) == -1) {
		log_warnx("%s", cause);
		if (f->c != NULL)
			client_err(f->c, "%s", cause);
		free(cause);
		f->plan.remaining = f->nchunks;	/* the batch is gone */
	}
	if (f->c != NULL && f->shown != 0)
		client_progress(f->c, "\n");
	for (i = 0; i < f->nconns; i++) {
		answered += f->conns[i].answered;
		tried += !f->conns[i].retry;
		if (f->conns[i].conn != NULL)
			net_conn_finish(f->conns[i].conn);
	}
	/* Say so when nobody answered: "fetched 0 of 1" alone reads as
	 * if the peers had nothing. */
	if (f->c != NULL && f->nchunks > 0 && answered == 0)
		client_info(f->c, "fetched %zu of %zu %s%s: no peer answered "
		    "(%d tried)", f->nchunks - f->plan.remaining, f->nchunks,
		    fetch_what(f, f->nchunks), fetch_bytes(f, f->done_bytes,
		    bytes, sizeof bytes), tried);
	else if (f->c != NULL && f->nchunks > 0)
		client_info(f->c, "fetched %zu of %zu %s%s from %d %s",
		    f->nchunks - f->plan.remaining, f->nchunks,
		    fetch_what(f, f->nchunks), fetch_bytes(f, f->done_bytes,
		    bytes, sizeof bytes), answered, peers_word(answered));
	if (f->tick != NULL)
		evtimer_del(f->tick);
	/* All the list objects here: now the chunks they name. */
	if (f->lists > 0 && f->plan.remaining == 0)
		fetch_start(f->d, f->branch, f->c, f->cb, f->arg, 0, f->all,
		    f->from);
	else if (f->cb != NULL)
		f->cb(f->d, f->arg, (int)(f->nchunks - f->plan.remaining));
	fetch_unuse(f);
	if (f->plan.open == 0)
		fetch_free(f);
}

/* Ends the fetch when rules_fetch_check says so; it may start a new
 * round of asking every peer. */
static void
fetch_check_done(struct fetch *f)
{
	if (rules_fetch_check(&f->plan, now_ns()) == FETCH_END)
		fetch_end(f);
}

/* The next chunk to ask fc's peer for: the rarest it holds once it
 * told us, none while we wait for that, else the next in our order. */
static ssize_t
fetch_next(struct fetch_conn *fc)
{
	struct fetch	*f = fc->f;

	switch (fc->have) {
	case HAVE_ASKED:
		return -1;
	case HAVE_ON:
		return rules_have_next(&f->plan, fc->idx, fc->holds, f->avail,
		    now_ns());
	default:
		return rules_fetch_next(&f->plan, fc->idx, now_ns());
	}
}

static void
fetch_pump(struct fetch_conn *fc)
{
	struct fetch	*f = fc->f;
	ssize_t		 i;

	while ((i = fetch_next(fc)) != -1)
		net_conn_send(fc->conn, F_GET_CHUNK, f->chunks[i].hash,
		    HASH_LEN);
}

static int
fetch_bit(const uint8_t *bits, size_t i)
{
	return (bits[i >> 3] >> (i & 7)) & 1;
}

/* fc's peer announced chunk i: held, and counted in avail. */
static void
fetch_said(struct fetch_conn *fc, size_t i)
{
	if (fetch_bit(fc->said, i))
		return;
	fc->said[i >> 3] |= 1 << (i & 7);
	fc->holds[i >> 3] |= 1 << (i & 7);
	fc->f->avail[i]++;
	rules_fetch_held(&fc->f->plan, fc->idx, i);
}

/* fc's peer lacks chunk i after all (NOCHUNK), or is gone: an announced
 * chunk is asked of it no more (until a HAVE); one it may hold (of no
 * list it announced) is asked again only at a new round (rules_fetch_check:
 * every peer lacked every chunk still missing, or a tick asked nobody
 * anything; rules_have_next skips what it lacked), as a peer is asked
 * that announces nothing. */
static void
fetch_unsaid(struct fetch_conn *fc, size_t i)
{
	if (fc->said == NULL || !fetch_bit(fc->said, i))
		return;
	fc->said[i >> 3] &= ~(1 << (i & 7));
	fc->holds[i >> 3] &= ~(1 << (i & 7));
	fc->f->avail[i]--;
}

/* fc's peer answered every bitfield: what it may hold besides what it
 * announced is every chunk of no list, and of lists it did not know. */
static void
fetch_maybe(struct fetch_conn *fc)
{
	struct fetch	*f = fc->f;
	size_t		 i;
	uint32_t	 j;
	int		 t;

	for (i = 0; i < f->nchunks; i++)
		if (!fetch_bit(f->listed, i))
			fc->holds[i >> 3] |= 1 << (i & 7);
	for (t = 0; t < f->nhl; t++)
		for (j = 0; !(fc->known & (1 << t)) && j < f->hl[t].n; j++)
			if ((i = f->hl[t].map[j]) != FETCH_NONE)
				fc->holds[i >> 3] |= 1 << (i & 7);
}

/* A F_BITFIELD or F_HAVE from fc's peer: 0, or -1 (malformed, or not
 * asked for: the connection closes). */
static int
fetch_have_frame(struct fetch_conn *fc, uint8_t type, const uint8_t *p,
    size_t len)
{
	struct fetch		*f = fc->f;
	struct fetch_list	*l;
	const uint8_t		*bits;
	uint32_t		 n, j;
	uint8_t			 tag;

	if (type == F_HAVE) {
		/* After its list's bitfield, perhaps before another's. */
		if (wire_have_decode(p, len, &tag, &j) == -1 ||
		    !(fc->known & (1 << tag)) || j >= f->hl[tag].n)
			return -1;
		f->d->have.haves_in++;
		if (f->hl[tag].map[j] != FETCH_NONE)
			fetch_said(fc, f->hl[tag].map[j]);
		return 0;
	}
	if (fc->have != HAVE_ASKED || wire_bitfield_decode(p, len, &tag, &n,
	    &bits) == -1 || tag >= f->nhl || (fc->tags & (1 << tag)) ||
	    (n != 0 && n != f->hl[tag].n))
		return -1;
	fc->tags |= 1 << tag;
	l = &f->hl[tag];
	if (n != 0)
		fc->known |= 1 << tag;
	for (j = 0; j < n; j++)
		if (fetch_bit(bits, j) && l->map[j] != FETCH_NONE)
			fetch_said(fc, l->map[j]);
	if (fc->tags != (1 << f->nhl) - 1)
		return 0;
	if (fc->known == 0) {		/* it knows none of the lists */
		fc->have = HAVE_OFF;
		f->d->have.fallback++;
		return 0;
	}
	fetch_maybe(fc);
	fc->have = HAVE_ON;
	f->d->have.announced++;
	return 0;
}

/* The index of the chunk in flight on connection owner, or -1. */
static ssize_t
chunk_find(struct fetch *f, const uint8_t *hash, int owner)
{
	size_t	i;

	for (i = 0; i < f->nchunks; i++)
		if (memcmp(f->chunks[i].hash, hash, HASH_LEN) == 0 &&
		    f->plan.state[i] == FETCH_INFLIGHT &&
		    f->plan.owner[i] == owner)
			return (ssize_t)i;
	return -1;
}

/* Bytes done of total, on the client's terminal, 5 times a second. */
static void
fetch_progress(struct fetch *f)
{
	int64_t	now = now_ns();

	if (f->c == NULL || (now - f->shown < 200000000LL && f->plan.remaining))
		return;
	f->shown = now;
	client_progress(f->c, "\risconf: fetched %.1f of %.1f MiB from %d "
	    "%s ", f->done_bytes / 1048576.0, f->total_bytes / 1048576.0,
	    f->plan.open, peers_word(f->plan.open));
}

static int
fetch_frame(void *arg, struct net_conn *c, uint8_t type, const uint8_t *p,
    size_t len)
{
	struct fetch_conn	*fc = arg;
	struct fetch		*f = fc->f;
	ssize_t			 i;
	uint8_t			 hash[HASH_LEN], got[HASH_LEN];
	const uint8_t		*data;
	size_t			 dlen;
	char			*cause = NULL;
	int			 added, wrv;

	(void)c;
	/* A daemon before holdings refuses the request (and closes):
	 * not an answer, so the fetch connects again without asking. */
	if (type == F_ERROR && fc->have == HAVE_ASKED)
		return -1;
	fc->answered = 1;
	if (type == F_BITFIELD || type == F_HAVE) {
		if (fetch_have_frame(fc, type, p, len) == -1) {
			f->d->have.refused++;
			log_warnx("a malformed or unasked holdings frame from "
			    "%s", inet_ntoa(net_conn_peer(c)->sin_addr));
			return -1;
		}
		goto more;
	}
	wrv = wire_chunk_decode(type, p, len, hash, &data, &dlen);
	if (wrv == -1 || (i = chunk_find(f, hash, fc->idx)) == -1)
		return -1;
	if (type == F_NOCHUNK) {
		/* Announced, and gone since (pruned): not asked again until
		 * it says HAVE once more. */
		fetch_unsaid(fc, (size_t)i);
		rules_fetch_lacked(&f->plan, fc->idx, (size_t)i, now_ns());
	} else if (type == F_CHUNK) {
		if (wrv == 1)
			return -1;
		if (cache_put(f->d->cache, data, dlen, got, &added,
		    &cause) == -1 || memcmp(got, hash, HASH_LEN) != 0) {
			/* Asking again cannot help: a bad chunk is the peer's
			 * fault and a full disk ours.  Closing the connection
			 * gives its chunks to the other peers, and the fetch
			 * ends when none is left. */
			log_warnx("chunk from %s refused: %s",
			    inet_ntoa(net_conn_peer(c)->sin_addr),
			    cause ? cause : "does not match its hash");
			free(cause);
			return -1;
		} else {
			if (f->nchunks - f->plan.remaining >= 2)
				CRASH_POINT("chunk-download");
			rules_fetch_got(&f->plan, fc->idx, (size_t)i, now_ns());
			if (added)
				have_stored(f->d, hash);
			f->done_bytes += dlen;
			f->d->chunks_fetched++;
			f->d->chunk_bytes_fetched += dlen;
			fc->bytes += dlen;
			fetch_progress(f);
		}
	} else
		return -1;
more:
	if (!f->finished) {
		fetch_pump(fc);
		fetch_check_done(f);
	}
	return 0;
}

static void
fetch_closed(void *arg, struct net_conn *c, const char *error)
{
	struct fetch_conn	*fc = arg;
	struct fetch		*f = fc->f;

	(void)c;
	(void)error;
	fc->conn = NULL;
	for (size_t i = 0; fc->said != NULL && i < f->nchunks; i++)
		fetch_unsaid(fc, i);	/* its holdings count no more */
	rules_fetch_closed(&f->plan, fc->idx);
	/* Closed before answering a bitfield: perhaps a daemon before
	 * holdings, which refuses the request.  Once more, blind. */
	if (!f->finished && fc->have == HAVE_ASKED && !fc->answered &&
	    fetch_connect(f, &fc->to, 0) != NULL) {
		f->conns[f->nconns - 1].retry = 1;
		f->d->have.fallback++;
	}
	if (f->finished) {
		if (f->plan.open == 0)
			fetch_free(f);
		return;
	}
	for (int j = 0; j < f->nconns; j++)
		fetch_pump(&f->conns[j]);
	fetch_check_done(f);	/* with no connection left, frees f */
}

/* Wake connections that rested, and check for the end. */
static void
fetch_tick(evutil_socket_t fd, short events, void *arg)
{
	struct fetch	*f = arg;
	struct timeval	 tv = { 0, FETCH_TICK_MS * 1000 };
	int		 j;

	(void)fd;
	(void)events;
	if (f->finished || f->plan.open == 0)
		return;		/* fetch_closed ends it */
	fetch_check_done(f);
	if (f->finished)
		return;
	for (j = 0; j < f->nconns; j++)
		fetch_pump(&f->conns[j]);
	evtimer_add(f->tick, &tv);
}

struct fetch_pos {
	uint8_t		hash[HASH_LEN];
	uint32_t	at;
};

static int
fetch_pos_cmp(const void *a, const void *b)
{
	return memcmp(a, b, HASH_LEN);
}

/*
 * Once the chunks are in their order: each list's index to the chunk
 * it is in the fetch (FETCH_NONE: held here already), which chunks no
 * list names, and none announced yet.  Off (no list) with
 * IS_FETCH_HAVE=no, for list objects, or when no snap needs enough.
 */
static void
fetch_have_map(struct fetch *f)
{
	const char		*v = env_get(&f->d->conf.env, "IS_FETCH_HAVE");
	struct fetch_pos	*pos, *hit;
	struct fetch_list	*l;
	size_t			 i, j;
	int			 t;

	if (f->lists > 0 || f->nchunks > UINT32_MAX ||
	    (v != NULL && strcmp(v, "no") == 0)) {
		for (t = 0; t < f->nhl; t++)
			free(f->hl[t].hashes);
		f->nhl = 0;
	}
	if (f->nhl == 0)
		return;
	pos = xcalloc(f->nchunks, sizeof *pos);
	for (i = 0; i < f->nchunks; i++) {
		memcpy(pos[i].hash, f->chunks[i].hash, HASH_LEN);
		pos[i].at = (uint32_t)i;
	}
	qsort(pos, f->nchunks, sizeof *pos, fetch_pos_cmp);
	f->listed = xcalloc((f->nchunks + 7) / 8 + 1, 1);
	f->avail = xcalloc(f->nchunks, sizeof *f->avail);
	for (t = 0; t < f->nhl; t++) {
		l = &f->hl[t];
		l->map = xcalloc(l->n, sizeof *l->map);
		for (j = 0; j < l->n; j++) {
			hit = bsearch(l->hashes[j], pos, f->nchunks,
			    sizeof *pos, fetch_pos_cmp);
			l->map[j] = hit != NULL ? hit->at : FETCH_NONE;
			if (hit != NULL)
				f->listed[hit->at >> 3] |= 1 << (hit->at & 7);
		}
		free(l->hashes);
		l->hashes = NULL;
	}
	for (i = 0; i < f->nchunks; i++)
		if (!((f->listed[i >> 3] >> (i & 7)) & 1))
			f->avail[i] = FETCH_UNLISTED;
	free(pos);
}

/* Asks fc's peer for its bitfield of each list (have.c answers). */
static void
fetch_have_ask(struct fetch_conn *fc)
{
	struct fetch	*f = fc->f;
	struct buf	 b;
	int		 t;

	fc->holds = xcalloc((f->nchunks + 7) / 8 + 1, 1);
	fc->said = xcalloc((f->nchunks + 7) / 8 + 1, 1);
	fc->have = HAVE_ASKED;
	buf_init(&b);
	for (t = 0; t < f->nhl; t++) {
		buf_reset(&b);
		buf_add_u8(&b, (uint8_t)t);
		buf_add_str(&b, f->branch);
		buf_add_u64(&b, f->hl[t].seq);
		buf_add(&b, f->hl[t].id, HASH_LEN);
		net_conn_send(fc->conn, F_BITFIELD, b.data, b.len);
	}
	buf_free(&b);
	f->d->have.asked++;
}

/* A connection to to, asking for holdings when ask and the fetch has
 * lists; NULL when it cannot be made or FETCH_MAX_PEERS are there. */
static struct net_conn *
fetch_connect(struct fetch *f, const struct sockaddr_in *to, int ask)
{
	struct fetch_conn	*fc;

	if (f->nconns == FETCH_MAX_PEERS)
		return NULL;
	fc = &f->conns[f->nconns];
	memset(fc, 0, sizeof *fc);
	fc->f = f;
	fc->idx = f->nconns;
	fc->to = *to;
	fc->conn = net_connect(f->d->net, to, fetch_frame, fetch_closed, fc);
	if (fc->conn == NULL)
		return NULL;
	f->nconns = rules_fetch_conn_add(&f->plan) + 1;
	if (ask && f->nhl > 0)
		fetch_have_ask(fc);
	return fc->conn;
}

/* Each host its own order (rules_fetch_order). */
static void
fetch_shuffle(struct fetch *f)
{
	struct fetch_chunk	*to;
	size_t			*order, i;

	order = xcalloc(f->nchunks ? f->nchunks : 1, sizeof *order);
	rules_fetch_order(f->nchunks, order, randombytes_uniform);
	to = xcalloc(f->alloc ? f->alloc : 1, sizeof *to);
	for (i = 0; i < f->nchunks; i++)
		to[i] = f->chunks[order[i]];
	free(f->chunks);
	f->chunks = to;
	free(order);
}

/* Adds a chunk or list object to f, and its hash to seen. */
static void
fetch_add(struct fetch *f, const uint8_t *hash, uint32_t len, int list,
    struct hashset *seen)
{
	struct fetch_chunk	*fc;

	if (f->nchunks == f->alloc) {
		f->alloc = f->alloc ? f->alloc * 2 : 64;
		f->chunks = xreallocarray(f->chunks, f->alloc,
		    sizeof *f->chunks);
	}
	fc = &f->chunks[f->nchunks++];
	memset(fc, 0, sizeof *fc);
	memcpy(fc->hash, hash, HASH_LEN);
	fc->len = len;
	fc->list = list;
	hashset_add(seen, fc->hash);
}

/*
 * Adds the chunks of s that the cache lacks to f, repeats included
 * (fetch_dedupe drops them), or, when the cache lacks some of its list
 * objects, those.  -1 if the cache fails or a list is corrupt.
 */
static int
fetch_add_snap(struct fetch *f, struct snap_info *s, struct hashset *seen,
    char **cause)
{
	size_t	i;
	int	r;

	if ((r = chunklist_load(f->d, s, cause)) == 0) {
		free(*cause);
		*cause = NULL;
		for (i = 0; i < s->nlists; i++) {
			if ((r = cache_has(f->d->cache, s->lists[i].hash,
			    cause)) == -1)
				return -1;
			if (r == 0) {
				fetch_add(f, s->lists[i].hash, 0, 1, seen);
				f->lists++;
			}
		}
		return 0;
	}
	if (r == -1)
		return -1;
	for (i = 0; i < s->nchunks; i++) {
		if ((r = cache_has(f->d->cache, s->chunks[i].hash, cause)) == -1)
			return -1;
		if (r == 0)
			fetch_add(f, s->chunks[i].hash, s->chunks[i].len, 0,
			    seen);
	}
	return 0;
}

/*
 * Keeps the first of each chunk listed more than once (a file snapped
 * twice, a block repeated in a file), in their order: with the hashes
 * sorted (hashset_finish), O(n log n) for n chunks, where comparing
 * each with those before it was O(n^2) (55,000 chunks in a 10 GiB snap).
 * When list objects are missing, keeps only them (the first pass).
 */
static void
fetch_dedupe(struct fetch *f, struct hashset *seen)
{
	size_t	i, kept = 0;
	ssize_t	at;

	hashset_finish(seen);
	for (i = 0; i < f->nchunks; i++) {
		if ((at = hashset_find(seen, f->chunks[i].hash)) == -1)
			fatalx("fetch_dedupe: a chunk is not in its own set");
		if (seen->found[at] || (f->lists > 0 && !f->chunks[i].list))
			continue;
		seen->found[at] = 1;
		f->chunks[kept++] = f->chunks[i];
		f->total_bytes += f->chunks[i].len;
	}
	f->nchunks = kept;
}

struct fetch_walk {
	struct fetch	*f;
	struct hashset	*seen;
};

/*
 * Snap e (s, its chunks loaded) needs missing chunks: one of the
 * HAVE_LISTS that need the most is one whose holdings peers are asked
 * for.  Its hashes are kept until fetch_have_map.
 */
static void
fetch_have_consider(struct fetch *f, const struct entry *e,
    const struct snap_info *s, size_t missing)
{
	struct fetch_list	*l;
	int			 i, least = 0;
	size_t			 k;

	if (missing < FETCH_WINDOW || s->chunks == NULL)
		return;
	if (f->nhl < HAVE_LISTS)
		l = &f->hl[f->nhl++];
	else {
		for (i = 1; i < f->nhl; i++)
			if (f->hl[i].missing < f->hl[least].missing)
				least = i;
		if (f->hl[least].missing >= missing)
			return;
		l = &f->hl[least];
		free(l->hashes);
	}
	memset(l, 0, sizeof *l);
	l->seq = e->seq;
	memcpy(l->id, e->id, HASH_LEN);
	l->n = (uint32_t)s->nchunks;
	l->missing = missing;
	l->hashes = xcalloc(s->nchunks, sizeof *l->hashes);
	for (k = 0; k < s->nchunks; k++)
		memcpy(l->hashes[k], s->chunks[k].hash, HASH_LEN);
}

static int
fetch_collect_one(void *arg, const struct entry *e, char **cause)
{
	struct fetch_walk	*w = arg;
	struct snap_info	 s;
	size_t			 before = w->f->nchunks;
	int			 r;

	if (snap_decode(&e->payload, &s) == -1)
		return 0;
	r = fetch_add_snap(w->f, &s, w->seen, cause);
	if (r == 0 && s.nchunks <= UINT32_MAX)
		fetch_have_consider(w->f, e, &s, w->f->nchunks - before);
	snap_info_free(&s);
	return r;
}

/*
 * The chunks that entries applied+1..head of branch need.  A read that
 * fails stops the collection (logged): up reads the same entries and
 * stops there itself.  Only the snaps are read, in one query: every
 * entry read one by one (100,000 of a transaction) held the loop for
 * seconds after a sync.
 */
static void
fetch_collect(struct fetch *f, const char *branch)
{
	struct isconfd		*d = f->d;
	struct hashset		 seen;
	struct fetch_walk	 w = { f, &seen };
	uint64_t		 applied;
	struct jhead		 h;
	char			*cause = NULL;

	memset(&seen, 0, sizeof seen);
	applied = f->from;
	if ((!f->all && journal_applied(d->journal, branch, &applied,
	    &cause) == -1) || journal_head(d->journal, branch, &h, &cause) == -1 ||
	    journal_walk_kind(d->journal, branch, applied, h.seq, ENTRY_SNAP,
	    fetch_collect_one, &w, &cause) == -1)
		log_warnx("finding the chunks %s needs: %s", branch,
		    cause ? cause : "?");
	free(cause);
	fetch_dedupe(f, &seen);
	hashset_free(&seen);
}

void
sync_chunks(struct isconfd *d, const char *branch, struct client *c,
    sync_done_cb cb, void *arg)
{
	fetch_start(d, branch, c, cb, arg, 1, 0, 0);
}

void
sync_chunks_from(struct isconfd *d, const char *branch, uint64_t from,
    struct client *c, sync_done_cb cb, void *arg)
{
	fetch_start(d, branch, c, cb, arg, 1, 1, from);
}

/* A pass: the first may fetch list objects, and then starts another. */
static void
fetch_start(struct isconfd *d, const char *branch, struct client *c,
    sync_done_cb cb, void *arg, int first, int all, uint64_t from)
{
	struct fetch		*f = xcalloc(1, sizeof *f);
	struct sockaddr_in	*to = NULL;
	size_t			 i, n = 0, *pick;
	char			 bytes[32];

	f->d = d;
	f->c = c;
	f->cb = cb;
	f->arg = arg;
	f->branch = xstrdup(branch);
	f->all = all;
	f->from = from;
	/* What it finds held must stay until its caller has read it. */
	f->reading = 1;
	cacheuse_fetch(d, 1);
	fetch_collect(f, branch);
	if (!first)
		f->lists = 0;	/* a list still missing: do not loop */
	fetch_shuffle(f);
	fetch_have_map(f);
	rules_fetch_init(&f->plan, f->nchunks, now_ns());
	if (f->nchunks > 0 && d->net != NULL) {
		n = mesh_targets(d, &to);
		keepers_rank(d, branch, to, n);
		pick = xcalloc(n ? n : 1, sizeof *pick);
		n = rules_fetch_peers(n, pick, randombytes_uniform);
		for (i = 0; i < n; i++)
			(void)fetch_connect(f, &to[pick[i]], 1);
		free(pick);
		if (c != NULL && f->nconns > 0)
			client_info(c, "fetching %zu %s%s from %d %s",
			    f->nchunks, fetch_what(f, f->nchunks), fetch_bytes(f,
			    f->total_bytes, bytes, sizeof bytes), f->nconns,
			    peers_word(f->nconns));
		for (int j = 0; j < f->nconns; j++)
			fetch_pump(&f->conns[j]);
		free(to);
		if (f->nconns > 0) {
			struct timeval tv = { 0, FETCH_TICK_MS * 1000 };
			f->tick = evtimer_new(d->base, fetch_tick, f);
			evtimer_add(f->tick, &tv);
		}
	}
	fetch_check_done(f);
}
