/* cache/ internals shared by its files; nobody outside cache/ includes it. */
#ifndef CACHE_INT_H
#define CACHE_INT_H

#include <sqlite3.h>

#include "cache.h"

struct cache {
	sqlite3		*db;
	char		*pack_path;
	int		 pack;		/* fd */
	uint64_t	 end;		/* where the next chunk goes */
	uint64_t	 tx_end;	/* end when the transaction began */
	int		 in_tx;		/* the caller's transaction */
	int		 batch;		/* our own, for puts outside one */
	uint64_t	 batch_end;	/* end when the batch began */
	int		 unsynced;	/* pack bytes not yet fdatasync'd */
	uint64_t	 kicked;	/* writeback started up to here */
	int		 no_punch;	/* the file system has no holes */
	int		 renaming;	/* a compacted pack not yet renamed */
};

#define CACHE_BATCH	(8u << 20)

int	c_exec(struct cache *, const char *sql, char **cause);
int	c_step(sqlite3_stmt *);
int	c_read_fail(struct cache *, sqlite3_stmt *, int rc, char **cause,
	    const char *what);
/* len bytes of the pack at off into out: 0, or -1 with errno. */
int	pack_read(struct cache *, uint64_t off, uint64_t len, struct buf *);
/* compact.c: copy the live chunks into a new pack (cache_reclaim, where
 * holes cannot be punched), and finish what a crash interrupted (at
 * open, before the pack is opened). */
int	cache_compact(struct cache *, char **cause);
int	compact_recover(struct cache *, char **cause);

/* Store a chunk whose address the caller has already computed from the
 * same bytes (cache_put_fd hashes on two threads). */
int	cache_store(struct cache *, const void *, size_t,
	    const uint8_t *hash, int *added, char **cause);

#endif
