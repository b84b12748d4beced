/*
 * What reads the cache across turns of the event loop, so that a prune
 * waits until nothing does (cacheuse.c, doc/design.md "Pruning and the
 * cache's readers").
 */
#ifndef CACHEUSE_H
#define CACHEUSE_H

struct isconfd;
struct client;

/* What reads the cache now ("bundle create", "up", "a fetch"...), in
 * buf of len, other than self: 1, or 0 if nothing does. */
int	 cacheuse_reader(struct isconfd *, const struct client *self,
	    char *buf, size_t len);
/* A fetch starts (1) or ends (-1). */
void	 cacheuse_fetch(struct isconfd *, int delta);

#endif
