/*
 * cache/: the content-addressed chunk store.  A chunk's address is the
 * BLAKE2b-256 of its plain bytes; it is stored zlib-compressed (level 1)
 * when that saves at least an eighth, raw otherwise, and checked against
 * its address every time it is read.  Files are cut into chunks at
 * content-defined boundaries, so a changed region of a large file only
 * adds the chunks around it.  Depends on lib/ only.
 */
#ifndef CACHE_H
#define CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

#define CACHE_HASH_LEN		32
#define CHUNK_MIN		(64 * 1024)
#define CHUNK_AVG_BITS		17		/* 190 KiB on average (design.md) */
#define CHUNK_MAX		(1024 * 1024)

struct cache;

struct cache_chunk {
	uint8_t		hash[CACHE_HASH_LEN];
	uint32_t	len;
};

/* What cache_put_fd read and stored. */
struct cache_file {
	uint8_t			 hash[CACHE_HASH_LEN];	/* whole content */
	uint64_t		 size;
	struct cache_chunk	*chunks;
	size_t			 nchunks;
	uint64_t		 new_bytes;	/* plain bytes not already held */
};

int	cache_open(const char *path, struct cache **, char **cause);
void	cache_close(struct cache *);
/* Store one chunk; *hash receives its address.  *added: 1 if new. */
int	cache_put(struct cache *, const void *, size_t, uint8_t *hash,
	    int *added, char **cause);
/* 1 and the plain bytes in out; 0 if absent; -1 if corrupt or error. */
int	cache_get(struct cache *, const uint8_t *hash, struct buf *out,
	    char **cause) MUST_CHECK;
/* The same without the hash check, for a caller that checks the bytes
 * some other way (install hashes the whole file it assembles). */
int	cache_get_unchecked(struct cache *, const uint8_t *hash,
	    struct buf *out, char **cause) MUST_CHECK;
/* 1 held, 0 absent, -1 error: never "absent" for a failed read. */
int	cache_has(struct cache *, const uint8_t *hash, char **cause)
	    MUST_CHECK;
/* Read fd to its end, chunking and storing in one transaction. */
int	cache_put_fd(struct cache *, int fd, struct cache_file *,
	    char **cause);
void	cache_file_free(struct cache_file *);
int	cache_stats(struct cache *, uint64_t *chunks, uint64_t *bytes,
	    char **cause) MUST_CHECK;
/*
 * Forget n chunks (absent ones are skipped) and give their pack space
 * back to the file system (cache_reclaim): 0 and *dropped (plain bytes
 * of the chunks forgotten), or -1 with nothing forgotten.  Refused in
 * a transaction.
 */
int	cache_drop(struct cache *, const uint8_t (*hashes)[CACHE_HASH_LEN],
	    size_t n, uint64_t *dropped, char **cause);
/* Punch out every pack byte no row names (idempotent: also what a crash
 * between a drop's commit and its punch left), or where the file system
 * has no holes, copy the live chunks to a new pack once a quarter of it
 * is dead (compact.c): 0 or -1. */
int	cache_reclaim(struct cache *, char **cause);
/* What the pack occupies on disk (as du counts it), in bytes. */
int	cache_disk_bytes(struct cache *, uint64_t *, char **cause);
/* Puts outside a transaction are committed in batches (8 MiB); this
 * commits the current batch now (end of a fetch). */
int	cache_flush(struct cache *, char **cause);
/* Group many puts into one transaction (bundle apply, snap). */
int	cache_begin(struct cache *, char **cause);
int	cache_commit(struct cache *, char **cause);
void	cache_rollback(struct cache *);
/* The largest chunk cut: CHUNK_MAX but in tests. */
size_t	cache_chunk_max(void);
/* Find the boundaries of data (exposed for tests and benchmarks). */
size_t	cache_chunk_boundary(const uint8_t *, size_t);

#endif
