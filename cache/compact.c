/*
 * Compacting the pack where holes cannot be punched (a file system
 * whose fallocate says EOPNOTSUPP): the live chunks are copied, in
 * pack order, into PACK.new, and the rows moved to their new offsets.
 * A row and the bytes it names cannot change in one step, so the order
 * is (doc/design.md "Cache keepers", reclaiming space):
 *
 *   1. PACK.new written, fdatasync'd, its directory fsync'd;
 *   2. one transaction: every row's new offset and meta "compacted"
 *      (PACK.new is the pack the rows name);
 *   3. PACK.new renamed over PACK, the directory fsync'd;
 *   4. "compacted" deleted.
 *
 * At open (compact_recover): "compacted" set means step 2 committed:
 * PACK.new, if still there, is renamed over PACK (3 again), then the
 * mark goes; unset, a PACK.new is what a crash before 2 left, and is
 * removed.  Whatever point a crash hits, the rows name bytes that are
 * there, and nothing cached is lost.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cache_int.h"

/* PACK.new, allocated. */
static char *
compact_path(struct cache *c)
{
	char	*p;

	xasprintf(&p, "%s.new", c->pack_path);
	return p;
}

/* Make a rename or a new name in the pack's directory durable. */
static int
compact_sync_dir(struct cache *c, char **cause)
{
	char	*copy = xstrdup(c->pack_path);
	int	 fd, rv = 0;

	if ((fd = open(dirname(copy), O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1 || fsync(fd) == -1)
		rv = set_cause(cause, "cache: syncing the directory of %s: %s",
		    c->pack_path, strerror(errno));
	if (fd != -1)
		close(fd);
	free(copy);
	return rv;
}

/* "compacted" set (1) or deleted (0), in its own transaction or the
 * caller's. */
static int
compact_mark(struct cache *c, int set, char **cause)
{
	return c_exec(c, set ? "INSERT OR REPLACE INTO meta(k, v) VALUES "
	    "('compacted', 1)" : "DELETE FROM meta WHERE k = 'compacted'",
	    cause);
}

/* 1 if the mark is set, 0 if not, -1. */
static int
compact_marked(struct cache *c, char **cause)
{
	sqlite3_stmt	*st;
	int		 rc;

	sqlite3_prepare_v2(c->db, "SELECT 1 FROM meta WHERE k = 'compacted'",
	    -1, &st, NULL);
	if ((rc = c_step(st)) != SQLITE_ROW && rc != SQLITE_DONE)
		return c_read_fail(c, st, rc, cause, "the cache's marks");
	sqlite3_finalize(st);
	return rc == SQLITE_ROW;
}

int
compact_recover(struct cache *c, char **cause)
{
	char	*new = compact_path(c);
	int	 r, rv = -1;

	if ((r = compact_marked(c, cause)) == -1)
		goto out;
	if (r == 0) {
		if (unlink(new) == -1 && errno != ENOENT) {
			set_cause(cause, "cache: %s: %s", new, strerror(errno));
			goto out;
		}
		rv = 0;
		goto out;
	}
	if (access(new, F_OK) == 0 && (rename(new, c->pack_path) == -1 ||
	    compact_sync_dir(c, cause) == -1)) {
		if (*cause == NULL)
			set_cause(cause, "cache: renaming %s: %s", new,
			    strerror(errno));
		goto out;
	}
	rv = compact_mark(c, 0, cause);
out:
	free(new);
	return rv;
}

/* Copy len bytes at from in c->pack to to in fd. */
static int
compact_copy(struct cache *c, int fd, uint64_t from, uint64_t to,
    uint64_t len, struct buf *b, char **cause)
{
	ssize_t	n;
	size_t	done;

	if (pack_read(c, from, len, b) == -1)
		return set_cause(cause, "cache: reading %s: %s", c->pack_path,
		    strerror(errno));
	for (done = 0; done < len; ) {
		n = pwrite(fd, b->data + done, len - done, (off_t)(to + done));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return set_cause(cause, "cache: writing a compacted "
			    "pack: %s", strerror(errno));
		done += (size_t)n;
	}
	return 0;
}

struct moved {
	int64_t		*id;
	uint64_t	*off;
	size_t		 n, alloc;
};

/* Step 1: the live chunks into fd, in pack order; *end its size. */
static int
compact_write(struct cache *c, int fd, struct moved *m, uint64_t *end,
    char **cause)
{
	sqlite3_stmt	*st;
	struct buf	 b;
	uint64_t	 at = 0, off, len;
	int		 rc;

	buf_init(&b);
	sqlite3_prepare_v2(c->db, "SELECT id, off, len FROM chunks WHERE off "
	    "IS NOT NULL ORDER BY off", -1, &st, NULL);
	while ((rc = c_step(st)) == SQLITE_ROW) {
		off = (uint64_t)sqlite3_column_int64(st, 1);
		len = (uint64_t)sqlite3_column_int64(st, 2);
		if (compact_copy(c, fd, off, at, len, &b, cause) == -1) {
			sqlite3_finalize(st);
			buf_free(&b);
			return -1;
		}
		if (m->n == m->alloc) {
			m->alloc = m->alloc ? 2 * m->alloc : 256;
			m->id = xreallocarray(m->id, m->alloc, sizeof *m->id);
			m->off = xreallocarray(m->off, m->alloc,
			    sizeof *m->off);
		}
		m->id[m->n] = sqlite3_column_int64(st, 0);
		m->off[m->n++] = at;
		at += len;
	}
	buf_free(&b);
	if (rc != SQLITE_DONE)
		return c_read_fail(c, st, rc, cause, "the cache index");
	sqlite3_finalize(st);
	*end = at;
	if (fdatasync(fd) == -1)
		return set_cause(cause, "cache: syncing a compacted pack: %s",
		    strerror(errno));
	return compact_sync_dir(c, cause);
}

/* Step 2: the rows' new offsets and the mark, in one transaction. */
static int
compact_commit(struct cache *c, const struct moved *m, char **cause)
{
	sqlite3_stmt	*st;
	size_t		 i;
	int		 rc;

	if (c_exec(c, "BEGIN IMMEDIATE", cause) == -1)
		return -1;
	sqlite3_prepare_v2(c->db, "UPDATE chunks SET off = ? WHERE id = ?", -1,
	    &st, NULL);
	for (i = 0; i < m->n; i++) {
		sqlite3_bind_int64(st, 1, (sqlite3_int64)m->off[i]);
		sqlite3_bind_int64(st, 2, m->id[i]);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE) {
			set_cause(cause, "cache: moving a chunk: %s",
			    sqlite3_errmsg(c->db));
			sqlite3_finalize(st);
			sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
			return -1;
		}
	}
	sqlite3_finalize(st);
	if (compact_mark(c, 1, cause) == -1 ||
	    c_exec(c, "COMMIT", cause) == -1) {
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return 0;
}

int
cache_compact(struct cache *c, char **cause)
{
	struct moved	 m;
	char		*new = compact_path(c);
	uint64_t	 end = 0;
	int		 fd = -1, rv = -1;

	memset(&m, 0, sizeof m);
	/* PACK.new may be the live pack until its rename is done. */
	if (c->in_tx || c->batch || c->renaming) {
		rv = 0;
		goto out;
	}
	if ((fd = open(new, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) == -1) {
		set_cause(cause, "cache: %s: %s", new, strerror(errno));
		goto out;
	}
	if (compact_write(c, fd, &m, &end, cause) == -1)
		goto fail;
	CRASH_POINT("compact-written");
	if (compact_commit(c, &m, cause) == -1)
		goto fail;
	CRASH_POINT("compact-committed");
	/* The rows name PACK.new's bytes now: read from it at once. */
	close(c->pack);
	c->pack = fd;
	fd = -1;
	c->end = c->kicked = end;
	c->renaming = 1;
	if (rename(new, c->pack_path) == -1) {
		/* Left for the next open (compact_recover). */
		set_cause(cause, "cache: renaming %s: %s", new,
		    strerror(errno));
		goto out;
	}
	if (compact_sync_dir(c, cause) == -1)
		goto out;
	CRASH_POINT("compact-renamed");
	c->renaming = 0;
	rv = compact_mark(c, 0, cause);
	goto out;
fail:
	unlink(new);
out:
	if (fd != -1)
		close(fd);
	free(new);
	free(m.id);
	free(m.off);
	return rv;
}
