/*
 * Content-defined chunking (a gear rolling hash, as in FastCDC): a
 * boundary falls where the hash of the last bytes has CHUNK_AVG_BITS zero
 * bits, between CHUNK_MIN and CHUNK_MAX.  Inserting or changing bytes
 * moves only the boundaries near the change.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cache_int.h"

static uint64_t gear[256];

static void
gear_init(void)
{
	uint64_t	x = 0x9e3779b97f4a7c15ULL;
	int		i;

	if (gear[0] != 0)
		return;
	for (i = 0; i < 256; i++) {	/* splitmix64: fixed, portable */
		uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
		gear[i] = z ^ (z >> 31);
	}
}

/* CHUNK_MAX, or lower in a test build ($ISCONF_CHUNK_MAX), so that a
 * test's file of a few MiB has hundreds of chunks. */
size_t
cache_chunk_max(void)
{
	return TEST_KNOB("ISCONF_CHUNK_MAX", CHUNK_MAX);
}

static size_t
chunk_min(void)
{
	size_t	max = cache_chunk_max();

	return max < CHUNK_MAX ? max / 4 : CHUNK_MIN;
}

size_t
cache_chunk_boundary(const uint8_t *p, size_t len)
{
	const uint64_t	mask = ((1ULL << CHUNK_AVG_BITS) - 1) << (64 -
			    CHUNK_AVG_BITS);
	uint64_t	h = 0;
	size_t		i, min = chunk_min(), max = cache_chunk_max();

	gear_init();
	if (len <= min)
		return len;
	if (len > max)
		len = max;
	for (i = min; i < len; i++) {
		h = (h << 1) + gear[p[i]];
		if ((h & mask) == 0)
			return i + 1;
	}
	return len;
}

void
cache_file_free(struct cache_file *f)
{
	free(f->chunks);
	memset(f, 0, sizeof *f);
}

static ssize_t
read_full(int fd, uint8_t *p, size_t want)
{
	size_t	got = 0;
	ssize_t	n;

	while (got < want) {
		n = read(fd, p + got, want - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

/*
 * A snap hashes every byte twice: the whole file (its journaled hash)
 * and each chunk (its address).  On the two cores this is built for,
 * one thread doing both ran at half of BLAKE2b's speed at best (make
 * bench), so the work is shared with a helper thread, window by window,
 * two windows in flight:
 *
 *   main:   read k, cut k | finish k-1: hash what is left, store | ...
 *   helper: whole hash k, then hash chunks of k, then go to k+1
 *
 * Chunks are handed out by a shared counter, so whichever thread is
 * ahead takes more of them.  The helper only reads the windows and
 * writes the hashes of the chunks it took; the main thread refills a
 * window only once the helper has left it, and alone touches SQLite
 * and the pack.  Chunk boundaries are those of cutting the stream one
 * chunk at a time: a chunk is cut only with CHUNK_MAX bytes after its
 * start in the window, or at the end of the file.
 */
#define WIN_DATA	(8u << 20)
#define WIN_LEN		(WIN_DATA + CHUNK_MAX)

struct cut {
	size_t		off;
	uint32_t	len;
	uint8_t		hash[CACHE_HASH_LEN];
};

struct window {
	uint8_t		*buf;
	size_t		 have;		/* bytes in buf */
	size_t		 fresh;		/* from here on, read this round */
	struct cut	*cuts;
	size_t		 ncuts;
	atomic_size_t	 next;		/* next cut to hash */
	size_t		 done;		/* cuts hashed; under mu */
	unsigned	 round;		/* posted round + 1; 0: none */
	int		 cut;		/* cuts[] complete */
};

struct hasher {
	pthread_t			 t;
	pthread_mutex_t			 mu;
	pthread_cond_t			 cv;
	crypto_generichash_state	*st;
	struct window			 w[2];
	unsigned			 left;	/* rounds the helper is done with */
	int				 quit;
	int				 threaded;
};

/* Hash cuts of w until none is left to take; returns how many. */
static size_t
hash_cuts(struct window *w)
{
	struct cut	*ct;
	size_t		 i, n = 0;

	while ((i = atomic_fetch_add(&w->next, 1)) < w->ncuts) {
		ct = &w->cuts[i];
		crypto_generichash(ct->hash, CACHE_HASH_LEN, w->buf + ct->off,
		    ct->len, NULL, 0);
		n++;
	}
	return n;
}

static void *
hasher_run(void *arg)
{
	struct hasher	*h = arg;
	struct window	*w;
	size_t		 n;
	unsigned	 r;

	pthread_mutex_lock(&h->mu);
	for (r = 0;; r++) {
		w = &h->w[r % 2];
		while (w->round != r + 1 && !h->quit)
			pthread_cond_wait(&h->cv, &h->mu);
		if (w->round != r + 1)
			break;
		pthread_mutex_unlock(&h->mu);
		crypto_generichash_update(h->st, w->buf + w->fresh, w->have -
		    w->fresh);
		pthread_mutex_lock(&h->mu);
		while (!w->cut && !h->quit)
			pthread_cond_wait(&h->cv, &h->mu);
		if (!w->cut)
			break;
		pthread_mutex_unlock(&h->mu);
		n = hash_cuts(w);
		pthread_mutex_lock(&h->mu);
		w->done += n;
		h->left = r + 1;
		pthread_cond_broadcast(&h->cv);
	}
	pthread_mutex_unlock(&h->mu);
	return NULL;
}

static void
hasher_start(struct hasher *h, crypto_generichash_state *st)
{
	sigset_t	all, old;
	int		i;

	memset(h, 0, sizeof *h);
	h->st = st;
	for (i = 0; i < 2; i++) {
		h->w[i].buf = xmalloc(WIN_LEN);
		h->w[i].cuts = xreallocarray(NULL, WIN_LEN / chunk_min() + 2,
		    sizeof *h->w[i].cuts);
	}
	pthread_mutex_init(&h->mu, NULL);
	pthread_cond_init(&h->cv, NULL);
	/* Signals stay with the daemon's loop, never the helper. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	h->threaded = pthread_create(&h->t, NULL, hasher_run, h) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/* Wait until the helper is done with rounds before r. */
static void
hasher_wait_left(struct hasher *h, unsigned r)
{
	if (!h->threaded)
		return;
	pthread_mutex_lock(&h->mu);
	while (h->left < r)
		pthread_cond_wait(&h->cv, &h->mu);
	pthread_mutex_unlock(&h->mu);
}

/* Round r's window holds its new bytes: whole-hash them. */
static void
hasher_post(struct hasher *h, struct window *w, unsigned r)
{
	w->ncuts = 0;
	w->done = 0;
	w->cut = 0;
	atomic_store(&w->next, 0);
	if (!h->threaded) {	/* no thread to be had: all inline */
		crypto_generichash_update(h->st, w->buf + w->fresh, w->have -
		    w->fresh);
		return;
	}
	pthread_mutex_lock(&h->mu);
	w->round = r + 1;
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mu);
}

/* The window's cuts are made: the helper may hash them. */
static void
hasher_cut(struct hasher *h, struct window *w, size_t ncuts)
{
	w->ncuts = ncuts;
	if (!h->threaded)
		return;
	pthread_mutex_lock(&h->mu);
	w->cut = 1;
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mu);
}

/* Hash what the helper has not taken, and wait for what it has. */
static void
hasher_finish(struct hasher *h, struct window *w)
{
	size_t	n = hash_cuts(w);

	if (!h->threaded)
		return;
	pthread_mutex_lock(&h->mu);
	w->done += n;
	while (w->done < w->ncuts)
		pthread_cond_wait(&h->cv, &h->mu);
	pthread_mutex_unlock(&h->mu);
}

/* Wait for the helper to finish rounds [0, rounds), stop it, free. */
static void
hasher_stop(struct hasher *h, unsigned rounds)
{
	int	i;

	if (h->threaded) {
		hasher_wait_left(h, rounds);
		pthread_mutex_lock(&h->mu);
		h->quit = 1;
		pthread_cond_broadcast(&h->cv);
		pthread_mutex_unlock(&h->mu);
		pthread_join(h->t, NULL);
	}
	pthread_cond_destroy(&h->cv);
	pthread_mutex_destroy(&h->mu);
	for (i = 0; i < 2; i++) {
		free(h->w[i].cuts);
		free(h->w[i].buf);
	}
}

/* Store a finished window's chunks, in order. */
static int
store_cuts(struct cache *c, const struct window *w, struct cache_file *f,
    char **cause)
{
	const struct cut	*ct;
	size_t			 i;
	int			 added;

	f->chunks = xreallocarray(f->chunks, f->nchunks + w->ncuts,
	    sizeof *f->chunks);
	for (i = 0; i < w->ncuts; i++) {
		ct = &w->cuts[i];
		if (cache_store(c, w->buf + ct->off, ct->len, ct->hash, &added,
		    cause) == -1)
			return -1;
		memcpy(f->chunks[f->nchunks].hash, ct->hash, CACHE_HASH_LEN);
		f->chunks[f->nchunks++].len = ct->len;
		f->size += ct->len;
		if (added)
			f->new_bytes += ct->len;
	}
	return 0;
}

/* Cut w from its start; returns where the uncut rest begins. */
static size_t
cut_window(struct window *w, int eof, size_t *ncuts)
{
	size_t	at = 0, len, max = cache_chunk_max();

	for (*ncuts = 0; w->have - at >= max || (eof && at < w->have);
	    (*ncuts)++) {
		len = cache_chunk_boundary(w->buf + at, w->have - at);
		w->cuts[*ncuts].off = at;
		w->cuts[*ncuts].len = (uint32_t)len;
		at += len;
	}
	return at;
}

static int
put_chunks(struct cache *c, int fd, struct cache_file *f,
    crypto_generichash_state *st, char **cause)
{
	struct hasher	 h;
	struct window	*w, *prev = NULL;
	size_t		 rest = 0, ncuts;
	ssize_t		 n;
	unsigned	 r;
	int		 eof = 0, rv = -1;

	hasher_start(&h, st);
	for (r = 0; !eof; r++) {
		w = &h.w[r % 2];
		hasher_wait_left(&h, r >= 2 ? r - 1 : 0);
		/* The uncut rest of the last window starts this one. */
		w->have = prev != NULL ? prev->have - rest : 0;
		if (prev != NULL)
			memcpy(w->buf, prev->buf + rest, w->have);
		w->fresh = w->have;
		if ((n = read_full(fd, w->buf + w->have, WIN_LEN - w->have)) ==
		    -1) {
			set_cause(cause, "read: %s", strerror(errno));
			goto out;
		}
		eof = (size_t)n < WIN_LEN - w->have;
		w->have += (size_t)n;
		hasher_post(&h, w, r);
		rest = cut_window(w, eof, &ncuts);
		hasher_cut(&h, w, ncuts);
		if (prev != NULL) {
			hasher_finish(&h, prev);
			if (store_cuts(c, prev, f, cause) == -1)
				goto out;
		}
		prev = w;
	}
	hasher_finish(&h, prev);
	if (store_cuts(c, prev, f, cause) == -1)
		goto out;
	rv = 0;
out:
	hasher_stop(&h, rv == 0 ? r : 0);
	return rv;
}

int
cache_put_fd(struct cache *c, int fd, struct cache_file *f, char **cause)
{
	crypto_generichash_state	st;

	memset(f, 0, sizeof *f);
	crypto_generichash_init(&st, NULL, 0, CACHE_HASH_LEN);
	if (cache_begin(c, cause) == -1)
		return -1;
	if (put_chunks(c, fd, f, &st, cause) == -1) {
		cache_rollback(c);
		cache_file_free(f);
		return -1;
	}
	if (cache_commit(c, cause) == -1) {
		cache_rollback(c);
		cache_file_free(f);
		return -1;
	}
	crypto_generichash_final(&st, f->hash, CACHE_HASH_LEN);
	return 0;
}
