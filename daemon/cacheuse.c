/*
 * What reads the cache across turns of the event loop.  A reader finds
 * a chunk in one turn and reads it in a later one: bundle create finds
 * what it lacks, fetches it and then writes every chunk; up fetches what
 * its snaps lack and installs them as its commands run; a fetch skips
 * the chunks already held.  A prune in between would drop what the
 * reader found, so a prune runs only while nothing reads (keepers.c
 * defers it to the next tick).  Serving a chunk to a peer finds and
 * reads it in one call: a prune cannot come between.
 *
 * A gate rather than a pin set: every such reader already exists as a
 * job (d->busy, d->up, d->bundle, d->syncs, the fetches), and what a
 * pin set would name (every chunk of a branch for bundle create) is
 * most of what a prune would look at anyway.
 */
#include <stdio.h>
#include <string.h>

#include "isconfd.h"
#include "cacheuse.h"

int
cacheuse_reader(struct isconfd *d, const struct client *self, char *buf,
    size_t len)
{
	const struct client	*b = d->busy;

	if (b != NULL && b != self) {
		/* "bundle create", not "bundle": apply and create differ. */
		snprintf(buf, len, "isconf %s%s%s", b->req.argv[0],
		    b->req.argc > 1 && strcmp(b->req.argv[0], "bundle") == 0 ?
		    " " : "", b->req.argc > 1 && strcmp(b->req.argv[0],
		    "bundle") == 0 ? b->req.argv[1] : "");
		return 1;
	}
	if (d->up != NULL)
		snprintf(buf, len, "isconf up");
	else if (d->bundle != NULL)
		snprintf(buf, len, "isconf bundle apply");
	else if (d->syncs != NULL)
		snprintf(buf, len, "a sync from a peer");
	else if (d->cache_fetches > 0)
		snprintf(buf, len, "a fetch of chunks");
	else
		return 0;
	return 1;
}

void
cacheuse_fetch(struct isconfd *d, int delta)
{
	if (delta < 0 && d->cache_fetches == 0)
		fatalx("cacheuse_fetch: more fetches ended than started");
	d->cache_fetches += delta;
}
