/* cache/ internals shared by its files; nobody outside cache/ includes it. */
#ifndef CACHE_INT_H
#define CACHE_INT_H

#include "cache.h"

/* Store a chunk whose address the caller has already computed from the
 * same bytes (cache_put_fd hashes on two threads). */
int	cache_store(struct cache *, const void *, size_t,
	    const uint8_t *hash, int *added, char **cause);

#endif
