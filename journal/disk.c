/*
 * A ci's record of the origin's disk: what it held at ci, after the
 * transaction's execs ran, at each path the transaction snapped: type,
 * mode, owner, size and content hash, symlink target, or absent.  It
 * follows the signer's key in the ci entry's payload, so the signature
 * covers it and journals written before it read as they were.
 * verify compares a target with this rather than with the snap, so a
 * file a later exec of the same transaction removed or rewrote (the
 * QUICK START's tarball) is not drift for ever (issue 20).  The decoder
 * treats its input as hostile: counts are bounded before anything is
 * allocated, paths must be absolute and free of "..".
 */
#include <stdlib.h>
#include <string.h>

#include "journal.h"

#define MAX_PATH	4096
/* The smallest record: a path's length, its type (absent). */
#define DISK_MIN_RECORD	5

void
disk_encode(const struct disk_info *k, struct buf *b)
{
	const struct disk_path	*p;
	size_t			 i;

	buf_add_u32(b, (uint32_t)k->n);
	for (i = 0; i < k->n; i++) {
		p = &k->v[i];
		buf_add_str(b, p->path);
		buf_add_u8(b, (uint8_t)p->type);
		if (p->type == 0)
			continue;
		buf_add_u32(b, p->mode);
		buf_add_u32(b, p->uid);
		buf_add_u32(b, p->gid);
		buf_add_u64(b, p->size);
		buf_add(b, p->hash, HASH_LEN);
		buf_add_str(b, p->target);
	}
}

/* One record: 0, or -1 (r->err may be set instead). */
static int
disk_decode_path(struct rd *r, struct disk_path *p)
{
	p->path = rd_str(r, MAX_PATH);
	p->type = rd_u8(r);
	if (r->err || !journal_path_safe(p->path) || p->type > SNAP_SYMLINK)
		return -1;
	if (p->type == 0) {
		p->target = xstrdup("");
		return 0;
	}
	p->mode = rd_u32(r);
	p->uid = rd_u32(r);
	p->gid = rd_u32(r);
	p->size = rd_u64(r);
	rd_bytes(r, p->hash, HASH_LEN);
	p->target = rd_str(r, MAX_PATH);
	if (r->err || p->mode > 07777 ||
	    (p->type != SNAP_SYMLINK && *p->target != '\0') ||
	    (p->type == SNAP_SYMLINK && *p->target == '\0'))
		return -1;
	return 0;
}

int
disk_decode_rd(struct rd *r, struct disk_info *k)
{
	size_t		i, n;

	memset(k, 0, sizeof *k);
	n = rd_u32(r);
	if (r->err || n == 0 || n > DISK_MAX_PATHS ||
	    n > (r->len - r->off) / DISK_MIN_RECORD)
		return -1;
	k->v = xcalloc(n, sizeof *k->v);
	for (i = 0; i < n; i++) {
		k->n = i + 1;	/* frees what was decoded so far */
		if (disk_decode_path(r, &k->v[i]) == -1) {
			disk_info_free(k);
			return -1;
		}
	}
	return 0;
}

int
disk_decode(const uint8_t *p, size_t len, struct disk_info *k)
{
	struct rd	r;

	rd_init(&r, p, len);
	if (disk_decode_rd(&r, k) == -1)
		return -1;
	if (rd_done(&r) == -1) {
		disk_info_free(k);
		return -1;
	}
	return 0;
}

void
disk_info_free(struct disk_info *k)
{
	size_t	i;

	for (i = 0; i < k->n; i++) {
		free(k->v[i].path);
		free(k->v[i].target);
	}
	free(k->v);
	memset(k, 0, sizeof *k);
}
