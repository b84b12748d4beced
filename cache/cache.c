/*
 * Chunk storage: the bytes in an append-only pack file beside the
 * database (cache.pack), the index in SQLite: a rowid table with a
 * unique index on the hash, each row naming its chunk's offset and
 * length in the pack.  SQLite in WAL mode wrote every byte twice (the
 * WAL, then the checkpoint) through 4 KiB pages: 170 MB/s against
 * 1.3 GB/s for a plain append here (make bench), so a snap or a fetch
 * was bound by it.
 *
 * Crash safety: pack bytes are fdatasync'd before the row that names
 * them is committed, so a committed row never points at lost bytes.
 * Chunks put outside a transaction (a fetch) are committed in batches
 * of CACHE_BATCH bytes, or at cache_flush: two syncs per chunk were
 * most of a fetch's time, and a crash loses at most one batch, which
 * the next fetch gets again.
 * What a crash or a failed transaction leaves at the end of the pack is
 * named by no row and cut off when the cache is next opened.  Chunks
 * stored inline in the database by earlier versions (data column, no
 * offset) are still read.  Every chunk is checked against its hash when
 * it is read, wherever it lives.  Pruned chunks' space is punched out of
 * the pack, or, where that is not supported, the pack is compacted
 * (compact.c).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "cache_int.h"


#define SAMPLE_LEN	4096
#define COMP_RAW	0
#define COMP_ZLIB	1

/*
 * 1 when a sample's bytes are spread so evenly that zlib would not save
 * an eighth (collision entropy above 7 bits a byte): random, encrypted
 * or compressed data, stored raw.  A histogram of 4 KiB costs a few
 * microseconds; deflating the same sample cost more than the rest of a
 * snap but the hashing (limits.md: zlib crawls over random data).
 */
static int
looks_random(const uint8_t *p, size_t n)
{
	uint32_t	count[256];
	uint64_t	sq = 0;
	size_t		i;

	memset(count, 0, sizeof count);
	for (i = 0; i < n; i++)
		count[p[i]]++;
	for (i = 0; i < 256; i++)
		sq += (uint64_t)count[i] * count[i];
	return sq * 128 < (uint64_t)n * n;	/* sum p^2 < 2^-7 */
}

int
c_exec(struct cache *c, const char *sql, char **cause)
{
	char	*err = NULL;

	if (sqlite3_exec(c->db, sql, NULL, NULL, &err) != SQLITE_OK) {
		set_cause(cause, "cache: %s", err ? err :
		    sqlite3_errmsg(c->db));
		sqlite3_free(err);
		return -1;
	}
	return 0;
}

/*
 * Step a read of the index.  Test builds fail it with an I/O error when
 * $ISCONF_FAULT is "cache-read".
 */
int
c_step(sqlite3_stmt *st)
{
#ifdef ISCONF_CRASH_HOOKS
	if (fault_point("cache-read", NULL))
		return SQLITE_IOERR;
#endif
	return sqlite3_step(st);
}

/* A read that stepped to rc: "cache: reading WHAT: disk I/O error". */
int
c_read_fail(struct cache *c, sqlite3_stmt *st, int rc, char **cause,
    const char *what)
{
	set_cause(cause, "cache: reading %s: %s", what,
	    sqlite3_errcode(c->db) == rc ? sqlite3_errmsg(c->db) :
	    sqlite3_errstr(rc));
	sqlite3_finalize(st);
	return -1;
}

/* Databases made before the pack file have no off/len columns. */
static int
cache_migrate(struct cache *c, char **cause)
{
	sqlite3_stmt	*st;
	const char	*name;
	int		 has = 0, rc;

	sqlite3_prepare_v2(c->db, "PRAGMA table_info(chunks)", -1, &st, NULL);
	while ((rc = c_step(st)) == SQLITE_ROW)
		if ((name = (const char *)sqlite3_column_text(st, 1)) != NULL &&
		    strcmp(name, "off") == 0)
			has = 1;
	if (rc != SQLITE_DONE)
		return c_read_fail(c, st, rc, cause, "the cache's columns");
	sqlite3_finalize(st);
	if (has)
		return 0;
	return c_exec(c, "ALTER TABLE chunks ADD COLUMN off INTEGER;"
	    "ALTER TABLE chunks ADD COLUMN len INTEGER;", cause);
}

/* Open the pack and cut off what no committed row names. */
static int
pack_open(struct cache *c, char **cause)
{
	sqlite3_stmt	*st;
	struct stat	 sb;
	uint64_t	 used = 0;
	int		 rc;

	if ((c->pack = open(c->pack_path, O_RDWR | O_CREAT | O_CLOEXEC,
	    0600)) == -1 || fstat(c->pack, &sb) == -1)
		return set_cause(cause, "%s: %s", c->pack_path,
		    strerror(errno));
	sqlite3_prepare_v2(c->db, "SELECT COALESCE(MAX(off + len), 0) FROM "
	    "chunks WHERE off IS NOT NULL", -1, &st, NULL);
	/* A failed read must not pass for "nothing used": the pack would
	 * be cut to nothing. */
	if ((rc = c_step(st)) != SQLITE_ROW)
		return c_read_fail(c, st, rc, cause, "the end of the pack");
	used = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if ((uint64_t)sb.st_size < used)
		return set_cause(cause, "%s: %llu bytes, but the cache names "
		    "%llu: the pack was truncated", c->pack_path,
		    (unsigned long long)sb.st_size, (unsigned long long)used);
	if ((uint64_t)sb.st_size > used && ftruncate(c->pack, (off_t)used) ==
	    -1)
		return set_cause(cause, "%s: %s", c->pack_path,
		    strerror(errno));
	c->end = c->kicked = used;
	return 0;
}

int
cache_open(const char *path, struct cache **cp, char **cause)
{
	struct cache	*c = xcalloc(1, sizeof *c);
	size_t		 n = strlen(path);

	c->pack = -1;
	if (n > 3 && strcmp(path + n - 3, ".db") == 0)
		n -= 3;
	xasprintf(&c->pack_path, "%.*s.pack", (int)n, path);
	if (sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK) {
		set_cause(cause, "%s: %s", path, sqlite3_errmsg(c->db));
		goto fail;
	}
	sqlite3_busy_timeout(c->db, 5000);
	if (c_exec(c, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
	    "CREATE TABLE IF NOT EXISTS chunks(id INTEGER PRIMARY KEY,"
	    " hash BLOB NOT NULL UNIQUE, size INTEGER NOT NULL,"
	    " comp INTEGER NOT NULL, data BLOB NOT NULL, off INTEGER,"
	    " len INTEGER); CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY "
	    "KEY, v);", cause) == -1 || cache_migrate(c, cause) == -1 ||
	    compact_recover(c, cause) == -1 || pack_open(c, cause) == -1)
		goto fail;
	*cp = c;
	return 0;
fail:
	cache_close(c);
	return -1;
}

void
cache_close(struct cache *c)
{
	char	*cause = NULL;

	if (c == NULL)
		return;
	if (c->db != NULL && cache_flush(c, &cause) == -1) {
		log_warnx("%s", cause);
		free(cause);
	}
	sqlite3_close(c->db);
	if (c->pack != -1)
		close(c->pack);
	free(c->pack_path);
	free(c);
}

/* Append to the pack at c->end (the caller moves c->end on success). */
static int
pack_write(struct cache *c, const void *p, size_t len, char **cause)
{
	const uint8_t	*b = p;
	size_t		 done = 0;
	ssize_t		 n;

	while (done < len) {
		n = pwrite(c->pack, b + done, len - done,
		    (off_t)(c->end + done));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return set_cause(cause, "cache: writing %s: %s",
			    c->pack_path, strerror(errno));
		done += (size_t)n;
	}
	c->unsynced = 1;
	/* Start writing back every 8 MiB, so that the fdatasync at the
	 * commit of a large snap finds little left to do. */
	if (c->end + len - c->kicked >= CACHE_BATCH) {
		sync_file_range(c->pack, (off_t)c->kicked, (off_t)(c->end +
		    len - c->kicked), SYNC_FILE_RANGE_WRITE);
		c->kicked = c->end + len;
	}
	return 0;
}

static int
pack_sync(struct cache *c, char **cause)
{
	if (!c->unsynced)
		return 0;
	if (fdatasync(c->pack) == -1)
		return set_cause(cause, "cache: syncing %s: %s", c->pack_path,
		    strerror(errno));
	c->unsynced = 0;
	return 0;
}

/* Forget pack bytes that no committed row names. */
static void
pack_cut(struct cache *c, uint64_t to)
{
	c->end = to;
	if (c->kicked > to)
		c->kicked = to;
	if (ftruncate(c->pack, (off_t)to) == -1) {
		/* Harmless: cut again when the cache is next opened. */
	}
}

int
cache_has(struct cache *c, const uint8_t *hash, char **cause)
{
	sqlite3_stmt	*st;
	int		 rc;

	sqlite3_prepare_v2(c->db, "SELECT 1 FROM chunks WHERE hash = ?", -1,
	    &st, NULL);
	sqlite3_bind_blob(st, 1, hash, CACHE_HASH_LEN, SQLITE_STATIC);
	if ((rc = c_step(st)) != SQLITE_ROW && rc != SQLITE_DONE)
		return c_read_fail(c, st, rc, cause, "the cache index");
	sqlite3_finalize(st);
	return rc == SQLITE_ROW;
}

int
cache_put(struct cache *c, const void *data, size_t len, uint8_t *hash,
    int *added, char **cause)
{
	crypto_generichash(hash, CACHE_HASH_LEN, data, len, NULL, 0);
	return cache_store(c, data, len, hash, added, cause);
}

int
cache_store(struct cache *c, const void *data, size_t len,
    const uint8_t *hash, int *added, char **cause)
{
	sqlite3_stmt	*st;
	uLongf		 clen;
	uint8_t		*comp = NULL;
	int		 rc, rv = -1, how = COMP_RAW;

	*added = 0;
	if ((rc = cache_has(c, hash, cause)) != 0)
		return rc == 1 ? 0 : -1;
	clen = compressBound(len);
	if (len <= 2 * SAMPLE_LEN || !looks_random(data, SAMPLE_LEN)) {
		comp = xmalloc(clen);
		if (compress2(comp, &clen, data, len, 1) == Z_OK &&
		    clen < len - len / 8)
			how = COMP_ZLIB;
	}
	if (!c->in_tx && !c->batch) {
		if (c_exec(c, "BEGIN IMMEDIATE", cause) == -1)
			goto out;
		c->batch = 1;
		c->batch_end = c->end;
	}
	if (pack_write(c, how == COMP_ZLIB ? comp : data, how == COMP_ZLIB ?
	    clen : len, cause) == -1)
		goto out;
	sqlite3_prepare_v2(c->db, "INSERT OR IGNORE INTO chunks(hash, size, "
	    "comp, data, off, len) VALUES (?, ?, ?, x'', ?, ?)", -1, &st,
	    NULL);
	sqlite3_bind_blob(st, 1, hash, CACHE_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)len);
	sqlite3_bind_int(st, 3, how);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)c->end);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)(how == COMP_ZLIB ? clen :
	    len));
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		set_cause(cause, "cache: storing chunk: %s",
		    sqlite3_errmsg(c->db));
		goto out;
	}
	c->end += how == COMP_ZLIB ? clen : len;
	*added = 1;
	rv = 0;
	if (c->batch && c->end - c->batch_end >= CACHE_BATCH)
		rv = cache_flush(c, cause);
out:
	free(comp);
	return rv;
}

static int
chunk_decode(int how, const void *data, size_t dlen, size_t size,
    struct buf *out)
{
	uLongf	plen = size;

	buf_reset(out);
	if (how == COMP_RAW) {
		if (dlen != size)
			return -1;
		buf_add(out, data, dlen);
		return 0;
	}
	if (size > 64u << 20)
		return -1;
	out->data = xreallocarray(out->data, size ? size : 1, 1);
	out->cap = size ? size : 1;
	if (uncompress(out->data, &plen, data, dlen) != Z_OK || plen != size)
		return -1;
	out->len = size;
	return 0;
}

/* The stored bytes of a row: inline (older caches) or in the pack. */
static int
chunk_stored(struct cache *c, sqlite3_stmt *st, struct buf *raw)
{
	uint64_t	off, len;

	buf_reset(raw);
	if (sqlite3_column_type(st, 3) == SQLITE_NULL) {
		buf_add(raw, sqlite3_column_blob(st, 2),
		    (size_t)sqlite3_column_bytes(st, 2));
		return 0;
	}
	off = (uint64_t)sqlite3_column_int64(st, 3);
	len = (uint64_t)sqlite3_column_int64(st, 4);
	if (len > 64u << 20 || off + len > c->end)
		return -1;
	return pack_read(c, off, len, raw);
}

int
pack_read(struct cache *c, uint64_t off, uint64_t len, struct buf *out)
{
	ssize_t		n;
	size_t		done = 0;

	out->data = xreallocarray(out->data, len ? len : 1, 1);
	out->cap = len ? len : 1;
	out->len = 0;
	while (done < len) {
		n = pread(c->pack, out->data + done, len - done,
		    (off_t)(off + done));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		if (n == 0) {
			errno = EIO;	/* short: the file was cut */
			return -1;
		}
		done += (size_t)n;
	}
	out->len = len;
	return 0;
}

static int	chunk_read(struct cache *, const uint8_t *, struct buf *,
		    int, char **);

int
cache_get(struct cache *c, const uint8_t *hash, struct buf *out,
    char **cause)
{
	return chunk_read(c, hash, out, 1, cause);
}

int
cache_get_unchecked(struct cache *c, const uint8_t *hash, struct buf *out,
    char **cause)
{
	return chunk_read(c, hash, out, 0, cause);
}

static int
chunk_read(struct cache *c, const uint8_t *hash, struct buf *out,
    int check_it, char **cause)
{
	sqlite3_stmt	*st;
	uint8_t		 check[CACHE_HASH_LEN];
	char		 hex[2 * CACHE_HASH_LEN + 1];
	struct buf	 raw;
	int		 rc, rv = 0;

	buf_init(&raw);
	sqlite3_prepare_v2(c->db, "SELECT size, comp, data, off, len FROM "
	    "chunks WHERE hash = ?", -1, &st, NULL);
	sqlite3_bind_blob(st, 1, hash, CACHE_HASH_LEN, SQLITE_STATIC);
	if ((rc = c_step(st)) == SQLITE_DONE)
		goto out;
	if (rc != SQLITE_ROW)
		return c_read_fail(c, st, rc, cause, "the cache index");
	rv = -1;
	hex_encode(hex, hash, CACHE_HASH_LEN);
	/* Raw chunks are read straight into out: one copy less. */
	if (sqlite3_column_int(st, 1) == COMP_RAW ?
	    chunk_stored(c, st, out) == -1 ||
	    out->len != (size_t)sqlite3_column_int64(st, 0) :
	    chunk_stored(c, st, &raw) == -1 ||
	    chunk_decode(sqlite3_column_int(st, 1), raw.data, raw.len,
	    (size_t)sqlite3_column_int64(st, 0), out) == -1) {
		set_cause(cause, "cache: chunk %.16s is corrupt", hex);
		goto out;
	}
	if (check_it)
		crypto_generichash(check, sizeof check, out->data, out->len,
		    NULL, 0);
	if (check_it && memcmp(check, hash, CACHE_HASH_LEN) != 0) {
		set_cause(cause, "cache: chunk %.16s is corrupt (hash "
		    "mismatch)", hex);
		goto out;
	}
	rv = 1;
out:
	sqlite3_finalize(st);
	buf_free(&raw);
	return rv;
}

int
cache_stats(struct cache *c, uint64_t *chunks, uint64_t *bytes,
    char **cause)
{
	sqlite3_stmt	*st;
	int		 rc;

	*chunks = *bytes = 0;
	sqlite3_prepare_v2(c->db, "SELECT COUNT(*), COALESCE(SUM(size), 0) "
	    "FROM chunks", -1, &st, NULL);
	if ((rc = c_step(st)) != SQLITE_ROW)
		return c_read_fail(c, st, rc, cause, "the cache index");
	*chunks = (uint64_t)sqlite3_column_int64(st, 0);
	*bytes = (uint64_t)sqlite3_column_int64(st, 1);
	sqlite3_finalize(st);
	return 0;
}

/* Commit the batch of puts made outside a transaction, if any. */
int
cache_flush(struct cache *c, char **cause)
{
	if (!c->batch)
		return 0;
	c->batch = 0;
	if (pack_sync(c, cause) == -1 || c_exec(c, "COMMIT", cause) == -1) {
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
		pack_cut(c, c->batch_end);
		c->unsynced = 0;
		return -1;
	}
	return 0;
}

int
cache_begin(struct cache *c, char **cause)
{
	if (cache_flush(c, cause) == -1 ||
	    c_exec(c, "BEGIN IMMEDIATE", cause) == -1)
		return -1;
	c->in_tx = 1;
	c->tx_end = c->end;
	return 0;
}

/* The pack first: the rows must never name bytes a power cut loses. */
int
cache_commit(struct cache *c, char **cause)
{
	if (pack_sync(c, cause) == -1 || c_exec(c, "COMMIT", cause) == -1)
		return -1;
	c->in_tx = 0;
	return 0;
}

void
cache_rollback(struct cache *c)
{
	sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
	if (c->in_tx)
		pack_cut(c, c->tx_end);
	c->in_tx = 0;
	c->unsynced = 0;
}

int
cache_drop(struct cache *c, const uint8_t (*hashes)[CACHE_HASH_LEN],
    size_t n, uint64_t *dropped, char **cause)
{
	sqlite3_stmt	*st;
	size_t		 i;
	int		 rc;

	*dropped = 0;
	if (c->in_tx)
		return set_cause(cause, "cache: a transaction is open");
	if (cache_flush(c, cause) == -1 ||
	    c_exec(c, "BEGIN IMMEDIATE", cause) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		sqlite3_prepare_v2(c->db, "DELETE FROM chunks WHERE hash = ? "
		    "RETURNING size", -1, &st, NULL);
		sqlite3_bind_blob(st, 1, hashes[i], CACHE_HASH_LEN,
		    SQLITE_STATIC);
		if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			*dropped += (uint64_t)sqlite3_column_int64(st, 0);
			rc = sqlite3_step(st);
		}
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE) {
			set_cause(cause, "cache: dropping a chunk: %s",
			    sqlite3_errmsg(c->db));
			sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
			*dropped = 0;
			return -1;
		}
	}
	if (c_exec(c, "COMMIT", cause) == -1) {
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
		*dropped = 0;
		return -1;
	}
	/* The rows are gone for good: only now may their bytes go. */
	return cache_reclaim(c, cause);
}

/* Give [from, to) of the pack back; partial blocks are zeroed, which
 * touches no byte outside the range. */
static int
pack_punch(struct cache *c, uint64_t from, uint64_t to, char **cause)
{
	int	r;

	if (to <= from || c->no_punch)
		return 0;
	r = fallocate(c->pack, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
	    (off_t)from, (off_t)(to - from));
#ifdef ISCONF_CRASH_HOOKS
	/* A test plays a file system without holes. */
	if (fault_point("cache-punch", NULL)) {
		r = -1;
		errno = EOPNOTSUPP;
	}
#endif
	if (r == -1 && errno == EOPNOTSUPP) {
		c->no_punch = 1;	/* cache_reclaim compacts instead */
		return 0;
	}
	if (r == -1)
		return set_cause(cause, "cache: freeing space in %s: %s",
		    c->pack_path, strerror(errno));
	return 0;
}

int
cache_reclaim(struct cache *c, char **cause)
{
	sqlite3_stmt	*st;
	uint64_t	 at = 0, off, len, live = 0;
	int		 rc;

	if (c->in_tx || c->batch)
		return set_cause(cause, "cache: a transaction is open");
	sqlite3_prepare_v2(c->db, "SELECT off, len FROM chunks WHERE off IS "
	    "NOT NULL ORDER BY off", -1, &st, NULL);
	while ((rc = c_step(st)) == SQLITE_ROW) {
		off = (uint64_t)sqlite3_column_int64(st, 0);
		len = (uint64_t)sqlite3_column_int64(st, 1);
		live += len;
		if (off > at && pack_punch(c, at, off, cause) == -1) {
			sqlite3_finalize(st);
			return -1;
		}
		if (off + len > at)
			at = off + len;
	}
	if (rc != SQLITE_DONE)
		return c_read_fail(c, st, rc, cause, "the cache index");
	sqlite3_finalize(st);
	/* Nothing named past at: the file ends there. */
	if (at < c->end) {
		if (ftruncate(c->pack, (off_t)at) == -1)
			return set_cause(cause, "cache: %s: %s", c->pack_path,
			    strerror(errno));
		c->end = at;
		if (c->kicked > at)
			c->kicked = at;
	}
	/* No holes here: copy the live chunks to a new pack once a
	 * quarter of this one is dead (each copy then frees at least a
	 * third of what it writes). */
	if (c->no_punch && (c->end - live) * 4 >= c->end && c->end > 0)
		return cache_compact(c, cause);
	return 0;
}

int
cache_disk_bytes(struct cache *c, uint64_t *bytes, char **cause)
{
	struct stat	sb;

	if (fstat(c->pack, &sb) == -1)
		return set_cause(cause, "cache: %s: %s", c->pack_path,
		    strerror(errno));
	*bytes = (uint64_t)sb.st_blocks * 512;
	return 0;
}
