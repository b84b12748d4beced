/*
 * Cache keepers and starved caches (issue 23, doc/design.md "Cache
 * keepers").  A keeper (IS_CACHE_KEEP=1) fetches every chunk of every
 * branch and says so in STMT_HOLDINGS statements; every other host
 * keeps the chunks it needs and prunes the rest once IS_CACHE_KEEPERS
 * reachable keepers' verified statements cover them.
 */
#ifndef KEEPERS_H
#define KEEPERS_H

#include <stddef.h>
#include <stdint.h>

struct isconfd;
struct stmt;
struct sockaddr_in;
struct buf;

/* What the cache holds, needs and may prune (isconf cache). */
struct cache_report {
	uint64_t	chunks, bytes;		/* held; plain bytes */
	uint64_t	disk;			/* the pack, as du counts */
	uint64_t	needed_chunks, needed_bytes;	/* needed, held */
	uint64_t	missing_chunks;		/* needed, not held */
	uint64_t	prunable_chunks, prunable_bytes;
	uint64_t	pruned_chunks, pruned_bytes;	/* by this run */
	size_t		keepers;		/* counted, any branch */
	uint64_t	through;	/* this host's branch: entries
					   held by enough keepers (on a
					   keeper, by itself) */
	int		incomplete;		/* needs unknown: no prune */
	size_t		untrusted;	/* vouch, but the trust rule
					   does not count them */
	enum keepers_off {
		KEEPERS_OFF_NONE,	/* may prune */
		KEEPERS_OFF_KEEPER,	/* a keeper never prunes */
		KEEPERS_OFF_TRUST,	/* no trusted_keys, not opted in */
		KEEPERS_OFF_KEEPERS,	/* fewer than IS_CACHE_KEEPERS */
		KEEPERS_OFF_INCOMPLETE,	/* needs unknown */
		KEEPERS_OFF_N
	}		off;			/* why nothing is pruned */
};
/* The reasons' names: "none", "keeper", "trust", ... */
extern const char *const keepers_off_names[KEEPERS_OFF_N];

int	 keepers_open(struct isconfd *, char **cause);
void	 keepers_close(struct isconfd *);
/* A STMT_HOLDINGS statement from a peer (stmtd.c). */
void	 keepers_take(struct isconfd *, const struct stmt *,
	    const char *from);
/* A peer met anew: send it the holdings kept. */
void	 keepers_greet(struct isconfd *, const struct sockaddr_in *);
/* 1 if this host is a keeper; IS_CACHE_KEEPERS; IS_CACHE_MAX; 1 with
 * IS_CACHE_TRUST=pinned. */
int	 keepers_keep(struct isconfd *);
int	 keepers_pinned(struct isconfd *);
size_t	 keepers_needed(struct isconfd *);
uint64_t keepers_max(struct isconfd *);
/* The report; with prune, prune what may be (cap: stop once the cache
 * holds at most cap bytes; 0: prune all it may): 0 or -1. */
int	 keepers_report(struct isconfd *, struct cache_report *, int prune,
	    uint64_t cap, char **cause);
/* Prune on the first tick when nothing reads the cache (cacheuse.c). */
void	 keepers_prune_later(struct isconfd *);
/* isconf_cache_* metrics. */
void	 keepers_metrics(struct isconfd *, struct buf *);
/* What the cache lacks of branch's snaps (bundle create on a starved
 * host): chunks (list objects included), their bytes as far as known,
 * and the first snap lacking one (path allocated, or NULL).  0 or -1. */
struct lacking {
	uint64_t	 chunks, bytes;
	char		*path;
	uint64_t	 seq;
};
int	 keepers_lacking(struct isconfd *, const char *branch,
	    struct lacking *, char **cause);

/* Keepers of branch first in to (fetch.c). */
void	 keepers_rank(struct isconfd *, const char *branch,
	    struct sockaddr_in *to, size_t n);

#endif
