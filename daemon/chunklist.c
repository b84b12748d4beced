/*
 * Chunk list objects: a snap of a file of more than SNAP_INLINE_MAX
 * chunks journals the hashes of list objects instead of its chunk list,
 * so that an entry stays small (a frame holds it) whatever the file's
 * size.  A list object is stored in the cache like a chunk, addressed
 * by its hash, at most a chunk's size (so a frame holds it too); it is
 * fetched, served and bundled like a chunk.  The entry's id and
 * signature cover the lists' hashes, and each list is checked against
 * its hash when it is read, so the chunk list is as trusted as inline.
 */
#include <stdlib.h>
#include <string.h>

#include "isconfd.h"

/* Chunk refs per list object: a chunk's worth (fewer in tests). */
static size_t
refs_per_list(void)
{
	size_t	n = cache_chunk_max() / CHUNK_REF_LEN;

	return n > SNAP_LIST_MAX ? SNAP_LIST_MAX : n;
}

int
chunklist_make(struct isconfd *d, struct snap_info *s, char **cause)
{
	struct buf	b;
	size_t		per = refs_per_list(), at, n;
	int		added;

	if (s->nchunks <= SNAP_INLINE_MAX)
		return 0;
	if ((s->nchunks + per - 1) / per > SNAP_MAX_LISTS)
		return set_cause(cause, "%s has %zu chunks; a snap holds %zu "
		    "at most", s->path, s->nchunks, per * SNAP_MAX_LISTS);
	buf_init(&b);
	for (at = 0; at < s->nchunks; at += n) {
		struct chunk_list_ref *l;

		n = s->nchunks - at < per ? s->nchunks - at : per;
		buf_reset(&b);
		chunk_list_encode(s->chunks + at, n, &b);
		s->lists = xreallocarray(s->lists, s->nlists + 1,
		    sizeof *s->lists);
		l = &s->lists[s->nlists++];
		l->nchunks = (uint32_t)n;
		if (cache_put(d->cache, b.data, b.len, l->hash, &added,
		    cause) == -1) {
			buf_free(&b);
			return -1;
		}
	}
	buf_free(&b);
	return 0;
}

int
chunklist_load(struct isconfd *d, struct snap_info *s, char **cause)
{
	struct buf	 b;
	char		 hex[2 * HASH_LEN + 1];
	uint64_t	 size = 0, part;
	size_t		 i, n = 0;
	int		 r = 1;

	if (s->nlists == 0 || s->chunks != NULL)
		return 1;
	buf_init(&b);
	for (i = 0; i < s->nlists && r == 1; i++) {
		hex_encode(hex, s->lists[i].hash, HASH_LEN);
		if ((r = cache_get(d->cache, s->lists[i].hash, &b,
		    cause)) == 0)
			set_cause(cause, "chunk list %.16s of %s is not in "
			    "the cache", hex, s->path);
		if (r != 1)
			break;
		s->chunks = xreallocarray(s->chunks, n + s->lists[i].nchunks,
		    sizeof *s->chunks);
		if (chunk_list_decode(b.data, b.len, s->lists[i].nchunks,
		    s->chunks + n, &part) == -1)
			r = set_cause(cause, "chunk list %.16s of %s is "
			    "malformed", hex, s->path);
		n += s->lists[i].nchunks;
		size += part;
	}
	if (r == 1 && size != s->size)
		r = set_cause(cause, "the chunk lists of %s do not add up to "
		    "its size", s->path);
	buf_free(&b);
	if (r != 1) {
		free(s->chunks);
		s->chunks = NULL;
		return r;
	}
	s->nchunks = n;
	return 1;
}

int
chunklist_add(struct isconfd *d, struct hashset *hs, const struct entry *e,
    char **cause)
{
	struct snap_info	s;
	size_t			i;
	int			r;

	if (e->kind != ENTRY_SNAP || snap_decode(&e->payload, &s) == -1)
		return 0;
	for (i = 0; i < s.nlists; i++)
		hashset_add(hs, s.lists[i].hash);
	if ((r = chunklist_load(d, &s, cause)) == 0)
		r = -1;
	for (i = 0; r == 1 && i < s.nchunks; i++)
		hashset_add(hs, s.chunks[i].hash);
	snap_info_free(&s);
	return r == 1 ? 0 : -1;
}
