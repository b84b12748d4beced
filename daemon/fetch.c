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
 * said NOCHUNK rests (10 ms, doubling to 320 ms; any chunk resets it),
 * and once every connected peer lacked a chunk, all are asked again
 * while the fetch as a whole still makes progress; after FETCH_STALL_MS
 * without a chunk from anyone it ends with what it has.
 *
 * A snap whose chunk list is in list objects (chunklist.c) needs those
 * first: a first pass fetches only the missing list objects (checked by
 * hash like any chunk), and a second all the chunks.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "isconfd.h"

#define FETCH_WINDOW	8
#define FETCH_MAX_PEERS	64
#define FETCH_TICK_MS	20
#define FETCH_STALL_MS	5000
#define BACKOFF_MIN_MS	10
#define BACKOFF_MAX_MS	320

enum { CH_PENDING, CH_INFLIGHT, CH_DONE };

struct fetch_chunk {
	uint8_t		hash[HASH_LEN];
	uint32_t	len;
	int		state;
	int		owner;		/* connection asked, when in flight */
	int		list;		/* a chunk list object */
	uint64_t	tried;		/* peers that lacked it (bit per peer) */
};

struct fetch;
struct fetch_conn {
	struct fetch		*f;
	int			 idx;
	struct net_conn		*conn;
	int			 inflight;
	uint64_t		 bytes;
	int			 backoff_ms;	/* after a NOCHUNK */
	int64_t			 rest_until;	/* ns */
	int			 answered;	/* sent us a frame */
};

struct fetch {
	struct isconfd		*d;
	struct client		*c;
	struct fetch_chunk	*chunks;
	size_t			 nchunks;
	size_t			 alloc;	/* room in chunks */
	size_t			 remaining;
	uint64_t		 total_bytes;
	uint64_t		 done_bytes;
	struct fetch_conn	 conns[FETCH_MAX_PEERS];
	int			 nconns;
	int			 open;
	int			 finished;
	int64_t			 shown;		/* last progress, ns */
	int64_t			 progress_at;	/* last chunk, ns */
	struct event		*tick;
	char			*branch;
	int			 lists;		/* list objects to fetch */
	sync_done_cb		 cb;
	void			*arg;
};

static void	fetch_start(struct isconfd *, const char *, struct client *,
		    sync_done_cb, void *, int);

static void	fetch_pump(struct fetch_conn *);

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

static void
fetch_free(struct fetch *f)
{
	if (f->tick != NULL)
		event_free(f->tick);
	free(f->branch);
	free(f->chunks);
	free(f);
}

static void
fetch_end(struct fetch *f)
{
	char	 bytes[32], *cause = NULL;
	int	 i, answered = 0;

	if (f->finished)
		return;
	f->finished = 1;
	/* What we fetched must be durable before up relies on it. */
	if (cache_flush(f->d->cache, &cause) == -1) {
		log_warnx("%s", cause);
		if (f->c != NULL)
			client_err(f->c, "%s", cause);
		free(cause);
		f->remaining = f->nchunks;	/* the batch is gone */
	}
	if (f->c != NULL && f->shown != 0)
		client_progress(f->c, "\n");
	for (i = 0; i < f->nconns; i++) {
		answered += f->conns[i].answered;
		if (f->conns[i].conn != NULL)
			net_conn_finish(f->conns[i].conn);
	}
	/* Say so when nobody answered: "fetched 0 of 1" alone reads as
	 * if the peers had nothing. */
	if (f->c != NULL && f->nchunks > 0 && answered == 0)
		client_info(f->c, "fetched %zu of %zu %s%s: no peer answered "
		    "(%d tried)", f->nchunks - f->remaining, f->nchunks,
		    fetch_what(f, f->nchunks), fetch_bytes(f, f->done_bytes,
		    bytes, sizeof bytes), f->nconns);
	else if (f->c != NULL && f->nchunks > 0)
		client_info(f->c, "fetched %zu of %zu %s%s from %d %s",
		    f->nchunks - f->remaining, f->nchunks,
		    fetch_what(f, f->nchunks), fetch_bytes(f, f->done_bytes,
		    bytes, sizeof bytes), answered, peers_word(answered));
	if (f->tick != NULL)
		evtimer_del(f->tick);
	/* All the list objects here: now the chunks they name. */
	if (f->lists > 0 && f->remaining == 0)
		fetch_start(f->d, f->branch, f->c, f->cb, f->arg, 0);
	else if (f->cb != NULL)
		f->cb(f->d, f->arg, (int)(f->nchunks - f->remaining));
	if (f->open == 0)
		fetch_free(f);
}

/* 1 if some connected peer has not yet been asked for chunk i. */
static int
chunk_askable(struct fetch *f, size_t i)
{
	int	j;

	for (j = 0; j < f->nconns; j++)
		if (f->conns[j].conn != NULL &&
		    !(f->chunks[i].tried & (1ULL << j)))
			return 1;
	return 0;
}

/*
 * Ends the fetch when all is here, or when nobody has sent anything for
 * FETCH_STALL_MS and nothing is in flight; otherwise, when every peer
 * has lacked every chunk still missing, starts a new round.
 */
static void
fetch_check_done(struct fetch *f)
{
	size_t	i;
	int	askable = 0;

	if (f->remaining == 0 || f->open == 0) {
		fetch_end(f);
		return;
	}
	for (i = 0; i < f->nchunks; i++) {
		if (f->chunks[i].state == CH_INFLIGHT)
			return;
		if (f->chunks[i].state == CH_PENDING && chunk_askable(f, i))
			askable = 1;
	}
	if (askable)
		return;
	if (now_ns() - f->progress_at > FETCH_STALL_MS * 1000000LL) {
		fetch_end(f);	/* nobody can give us the rest */
		return;
	}
	for (i = 0; i < f->nchunks; i++)
		f->chunks[i].tried = 0;
}

static void
fetch_pump(struct fetch_conn *fc)
{
	struct fetch	*f = fc->f;
	size_t		 i;

	if (fc->conn == NULL || now_ns() < fc->rest_until)
		return;
	for (i = 0; i < f->nchunks && fc->inflight < FETCH_WINDOW; i++) {
		struct fetch_chunk *chunk = &f->chunks[i];
		if (chunk->state != CH_PENDING ||
		    (chunk->tried & (1ULL << fc->idx)))
			continue;
		chunk->state = CH_INFLIGHT;
		chunk->owner = fc->idx;
		fc->inflight++;
		net_conn_send(fc->conn, F_GET_CHUNK, chunk->hash, HASH_LEN);
	}
}

static struct fetch_chunk *
chunk_find(struct fetch *f, const uint8_t *hash, int owner)
{
	size_t	i;

	for (i = 0; i < f->nchunks; i++)
		if (memcmp(f->chunks[i].hash, hash, HASH_LEN) == 0 &&
		    f->chunks[i].state == CH_INFLIGHT &&
		    f->chunks[i].owner == owner)
			return &f->chunks[i];
	return NULL;
}

/* Bytes done of total, on the client's terminal, 5 times a second. */
static void
fetch_progress(struct fetch *f)
{
	int64_t	now = now_ns();

	if (f->c == NULL || (now - f->shown < 200000000LL && f->remaining))
		return;
	f->shown = now;
	client_progress(f->c, "\risconf: fetched %.1f of %.1f MiB from %d "
	    "%s ", f->done_bytes / 1048576.0, f->total_bytes / 1048576.0,
	    f->open, peers_word(f->open));
}

static int
fetch_frame(void *arg, struct net_conn *c, uint8_t type, const uint8_t *p,
    size_t len)
{
	struct fetch_conn	*fc = arg;
	struct fetch		*f = fc->f;
	struct fetch_chunk	*chunk;
	uint8_t			 hash[HASH_LEN], got[HASH_LEN];
	const uint8_t		*data;
	size_t			 dlen;
	char			*cause = NULL;
	int			 added, wrv;

	(void)c;
	fc->answered = 1;
	wrv = wire_chunk_decode(type, p, len, hash, &data, &dlen);
	if (wrv == -1 || (chunk = chunk_find(f, hash, fc->idx)) == NULL)
		return -1;
	fc->inflight--;
	if (type == F_NOCHUNK) {
		chunk->state = CH_PENDING;
		chunk->tried |= 1ULL << fc->idx;
		fc->backoff_ms = fc->backoff_ms == 0 ? BACKOFF_MIN_MS :
		    fc->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS :
		    fc->backoff_ms * 2;
		fc->rest_until = now_ns() + fc->backoff_ms * 1000000LL;
	} else if (type == F_CHUNK) {
		if (wrv == 1)
			return -1;
		if (cache_put(f->d->cache, data, dlen, got, &added,
		    &cause) == -1 || memcmp(got, hash, HASH_LEN) != 0) {
			log_warnx("chunk from %s refused: %s",
			    inet_ntoa(net_conn_peer(c)->sin_addr),
			    cause ? cause : "does not match its hash");
			free(cause);
			chunk->state = CH_PENDING;
			chunk->tried |= 1ULL << fc->idx;
		} else {
			chunk->state = CH_DONE;
			if (f->nchunks - f->remaining >= 2)
				CRASH_POINT("chunk-download");
			f->remaining--;
			f->done_bytes += dlen;
			f->d->chunks_fetched++;
			f->d->chunk_bytes_fetched += dlen;
			f->progress_at = now_ns();
			fc->bytes += dlen;
			fc->backoff_ms = 0;
			fc->rest_until = 0;
			fetch_progress(f);
		}
	} else
		return -1;
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
	size_t			 i;

	(void)c;
	(void)error;
	fc->conn = NULL;
	f->open--;
	for (i = 0; i < f->nchunks; i++)
		if (f->chunks[i].state == CH_INFLIGHT &&
		    f->chunks[i].owner == fc->idx) {
			f->chunks[i].state = CH_PENDING;
			f->chunks[i].tried |= 1ULL << fc->idx;
		}
	fc->inflight = 0;
	if (f->finished) {
		if (f->open == 0)
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
	if (f->finished || f->open == 0)
		return;		/* fetch_closed ends it */
	fetch_check_done(f);
	if (f->finished)
		return;
	for (j = 0; j < f->nconns; j++)
		fetch_pump(&f->conns[j]);
	evtimer_add(f->tick, &tv);
}

/* Each host its own order, so that hosts fetching at once differ. */
static void
fetch_shuffle(struct fetch *f)
{
	struct fetch_chunk	t;
	size_t			i, j;

	for (i = f->nchunks; i > 1; i--) {
		j = randombytes_uniform((uint32_t)i);
		t = f->chunks[i - 1];
		f->chunks[i - 1] = f->chunks[j];
		f->chunks[j] = t;
	}
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

static int
fetch_collect_one(void *arg, const struct entry *e, char **cause)
{
	struct fetch_walk	*w = arg;
	struct snap_info	 s;
	int			 r;

	if (snap_decode(&e->payload, &s) == -1)
		return 0;
	r = fetch_add_snap(w->f, &s, w->seen, cause);
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
	if (journal_applied(d->journal, branch, &applied, &cause) == -1 ||
	    journal_head(d->journal, branch, &h, &cause) == -1 ||
	    journal_walk_kind(d->journal, branch, applied, h.seq, ENTRY_SNAP,
	    fetch_collect_one, &w, &cause) == -1)
		log_warnx("finding the chunks %s needs: %s", branch,
		    cause ? cause : "?");
	free(cause);
	fetch_dedupe(f, &seen);
	hashset_free(&seen);
	f->remaining = f->nchunks;
}

void
sync_chunks(struct isconfd *d, const char *branch, struct client *c,
    sync_done_cb cb, void *arg)
{
	fetch_start(d, branch, c, cb, arg, 1);
}

/* A pass: the first may fetch list objects, and then starts another. */
static void
fetch_start(struct isconfd *d, const char *branch, struct client *c,
    sync_done_cb cb, void *arg, int first)
{
	struct fetch		*f = xcalloc(1, sizeof *f);
	struct sockaddr_in	*to = NULL;
	size_t			 i, n = 0;
	char			 bytes[32];

	f->d = d;
	f->c = c;
	f->cb = cb;
	f->arg = arg;
	f->branch = xstrdup(branch);
	fetch_collect(f, branch);
	if (!first)
		f->lists = 0;	/* a list still missing: do not loop */
	fetch_shuffle(f);
	f->progress_at = now_ns();
	if (f->nchunks > 0 && d->net != NULL) {
		n = mesh_targets(d, &to);
		for (i = 0; i < n; i++) {
			struct fetch_conn *fc;
			if (f->nconns >= FETCH_MAX_PEERS)
				break;
			fc = &f->conns[f->nconns];
			fc->f = f;
			fc->idx = f->nconns;
			fc->conn = net_connect(d->net, &to[i], fetch_frame,
			    fetch_closed, fc);
			if (fc->conn == NULL)
				continue;
			f->nconns++;
			f->open++;
		}
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
