/*
 * Content-defined chunking (a gear rolling hash, as in FastCDC): a
 * boundary falls where the hash of the last bytes has CHUNK_AVG_BITS zero
 * bits, between CHUNK_MIN and CHUNK_MAX.  Inserting or changing bytes
 * moves only the boundaries near the change.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cache.h"

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

size_t
cache_chunk_boundary(const uint8_t *p, size_t len)
{
	const uint64_t	mask = ((1ULL << CHUNK_AVG_BITS) - 1) << (64 -
			    CHUNK_AVG_BITS);
	uint64_t	h = 0;
	size_t		i;

	gear_init();
	if (len <= CHUNK_MIN)
		return len;
	if (len > CHUNK_MAX)
		len = CHUNK_MAX;
	for (i = CHUNK_MIN; i < len; i++) {
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
 * The hash of the whole file is computed by a helper thread, block by
 * block as the main thread reads them, while the main thread cuts,
 * hashes and stores the chunks of the same block: on the two cores
 * this is built for, that was a third of a snap's time (make bench).
 * The helper only reads the block it was given, and the main thread
 * does not touch the window's layout (refill, compaction) until the
 * helper is idle again.
 */
struct whole {
	pthread_t			 t;
	pthread_mutex_t			 mu;
	pthread_cond_t			 cv;
	crypto_generichash_state	*st;
	const uint8_t			*p;	/* block to hash, or NULL */
	size_t				 len;
	int				 quit;
	int				 threaded;
};

static void *
whole_run(void *arg)
{
	struct whole	*w = arg;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (w->p == NULL && !w->quit)
			pthread_cond_wait(&w->cv, &w->mu);
		if (w->p == NULL)
			break;
		pthread_mutex_unlock(&w->mu);
		crypto_generichash_update(w->st, w->p, w->len);
		pthread_mutex_lock(&w->mu);
		w->p = NULL;
		pthread_cond_broadcast(&w->cv);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

static void
whole_start(struct whole *w, crypto_generichash_state *st)
{
	sigset_t	all, old;

	memset(w, 0, sizeof *w);
	w->st = st;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	/* Signals stay with the daemon's loop, never the helper. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	w->threaded = pthread_create(&w->t, NULL, whole_run, w) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/* Wait until the helper has hashed what it was given. */
static void
whole_wait(struct whole *w)
{
	pthread_mutex_lock(&w->mu);
	while (w->p != NULL)
		pthread_cond_wait(&w->cv, &w->mu);
	pthread_mutex_unlock(&w->mu);
}

static void
whole_add(struct whole *w, const uint8_t *p, size_t len)
{
	if (!w->threaded) {	/* no thread to be had: hash inline */
		crypto_generichash_update(w->st, p, len);
		return;
	}
	pthread_mutex_lock(&w->mu);
	w->p = p;
	w->len = len;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

static void
whole_stop(struct whole *w)
{
	if (w->threaded) {
		whole_wait(w);
		pthread_mutex_lock(&w->mu);
		w->quit = 1;
		pthread_cond_broadcast(&w->cv);
		pthread_mutex_unlock(&w->mu);
		pthread_join(w->t, NULL);
	}
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
}

/*
 * Read fd through a window of 2 * CHUNK_MAX bytes, cutting chunks from
 * its front; the window is refilled (and what is left moved to its
 * start) only when less than CHUNK_MAX remains, not after every chunk.
 */
static int
put_chunks(struct cache *c, int fd, struct cache_file *f,
    crypto_generichash_state *st, char **cause)
{
	uint8_t		*win = xmalloc(2 * CHUNK_MAX);
	size_t		 have = 0, at = 0, cut;
	ssize_t		 n;
	int		 added, eof = 0, rv = -1;
	struct whole	 w;

	whole_start(&w, st);
	for (;;) {
		if (!eof && have - at < CHUNK_MAX) {
			whole_wait(&w);
			memmove(win, win + at, have - at);
			have -= at;
			at = 0;
			if ((n = read_full(fd, win + have, 2 * CHUNK_MAX -
			    have)) == -1) {
				set_cause(cause, "read: %s", strerror(errno));
				goto out;
			}
			eof = (size_t)n < 2 * CHUNK_MAX - have;
			whole_add(&w, win + have, (size_t)n);
			have += (size_t)n;
		}
		if (have == at)
			break;
		cut = cache_chunk_boundary(win + at, have - at);
		f->chunks = xreallocarray(f->chunks, f->nchunks + 1,
		    sizeof *f->chunks);
		if (cache_put(c, win + at, cut, f->chunks[f->nchunks].hash,
		    &added, cause) == -1)
			goto out;
		f->chunks[f->nchunks++].len = (uint32_t)cut;
		f->size += cut;
		if (added)
			f->new_bytes += cut;
		at += cut;
	}
	rv = 0;
out:
	whole_stop(&w);
	free(win);
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
