/*
 * Chunk storage in SQLite: a rowid table with a unique index on the
 * hash (rowid tables read blobs far faster than WITHOUT ROWID, see
 * limits.md).
 */
#include <sodium.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "cache.h"

struct cache {
	sqlite3	*db;
};

#define SAMPLE_LEN	16384
#define COMP_RAW	0
#define COMP_ZLIB	1

static int
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

int
cache_open(const char *path, struct cache **cp, char **cause)
{
	struct cache	*c = xcalloc(1, sizeof *c);

	if (sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK) {
		set_cause(cause, "%s: %s", path, sqlite3_errmsg(c->db));
		goto fail;
	}
	sqlite3_busy_timeout(c->db, 5000);
	if (c_exec(c, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
	    "CREATE TABLE IF NOT EXISTS chunks(id INTEGER PRIMARY KEY,"
	    " hash BLOB NOT NULL UNIQUE, size INTEGER NOT NULL,"
	    " comp INTEGER NOT NULL, data BLOB NOT NULL);", cause) == -1)
		goto fail;
	*cp = c;
	return 0;
fail:
	sqlite3_close(c->db);
	free(c);
	return -1;
}

void
cache_close(struct cache *c)
{
	if (c == NULL)
		return;
	sqlite3_close(c->db);
	free(c);
}

int
cache_has(struct cache *c, const uint8_t *hash)
{
	sqlite3_stmt	*st;
	int		 found;

	sqlite3_prepare_v2(c->db, "SELECT 1 FROM chunks WHERE hash = ?", -1,
	    &st, NULL);
	sqlite3_bind_blob(st, 1, hash, CACHE_HASH_LEN, SQLITE_STATIC);
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

int
cache_put(struct cache *c, const void *data, size_t len, uint8_t *hash,
    int *added, char **cause)
{
	sqlite3_stmt	*st;
	uLongf		 clen;
	uint8_t		*comp = NULL;
	int		 rc, rv = -1, how = COMP_RAW;

	crypto_generichash(hash, CACHE_HASH_LEN, data, len, NULL, 0);
	*added = 0;
	if (cache_has(c, hash))
		return 0;
	clen = compressBound(len);
	comp = xmalloc(clen);
	/* zlib crawls over random data (limits.md: ~60 MB/s): try a 16 KiB
	 * sample first and store incompressible chunks raw. */
	if (len > 2 * SAMPLE_LEN) {
		uLongf slen = clen;
		if (compress2(comp, &slen, data, SAMPLE_LEN, 1) != Z_OK ||
		    slen >= SAMPLE_LEN - SAMPLE_LEN / 8)
			goto store;
	}
	if (compress2(comp, &clen, data, len, 1) == Z_OK &&
	    clen < len - len / 8)
		how = COMP_ZLIB;
store:
	sqlite3_prepare_v2(c->db, "INSERT OR IGNORE INTO chunks(hash, size, "
	    "comp, data) VALUES (?, ?, ?, ?)", -1, &st, NULL);
	sqlite3_bind_blob(st, 1, hash, CACHE_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)len);
	sqlite3_bind_int(st, 3, how);
	if (how == COMP_ZLIB)
		sqlite3_bind_blob(st, 4, comp, (int)clen, SQLITE_STATIC);
	else
		sqlite3_bind_blob(st, 4, data, (int)len, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		set_cause(cause, "cache: storing chunk: %s",
		    sqlite3_errmsg(c->db));
		goto out;
	}
	*added = 1;
	rv = 0;
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

int
cache_get(struct cache *c, const uint8_t *hash, struct buf *out,
    char **cause)
{
	sqlite3_stmt	*st;
	uint8_t		 check[CACHE_HASH_LEN];
	char		 hex[2 * CACHE_HASH_LEN + 1];
	int		 rv = 1;

	sqlite3_prepare_v2(c->db, "SELECT size, comp, data FROM chunks "
	    "WHERE hash = ?", -1, &st, NULL);
	sqlite3_bind_blob(st, 1, hash, CACHE_HASH_LEN, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW)
		goto out;
	rv = -1;
	hex_encode(hex, hash, CACHE_HASH_LEN);
	if (chunk_decode(sqlite3_column_int(st, 1),
	    sqlite3_column_blob(st, 2), (size_t)sqlite3_column_bytes(st, 2),
	    (size_t)sqlite3_column_int64(st, 0), out) == -1) {
		set_cause(cause, "cache: chunk %.16s is corrupt", hex);
		goto out;
	}
	crypto_generichash(check, sizeof check, out->data, out->len, NULL, 0);
	if (memcmp(check, hash, CACHE_HASH_LEN) != 0) {
		set_cause(cause, "cache: chunk %.16s is corrupt (hash "
		    "mismatch)", hex);
		goto out;
	}
	rv = 0;
out:
	sqlite3_finalize(st);
	return rv;
}

int
cache_stats(struct cache *c, uint64_t *chunks, uint64_t *bytes)
{
	sqlite3_stmt	*st;

	*chunks = *bytes = 0;
	sqlite3_prepare_v2(c->db, "SELECT COUNT(*), COALESCE(SUM(size), 0) "
	    "FROM chunks", -1, &st, NULL);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*chunks = (uint64_t)sqlite3_column_int64(st, 0);
		*bytes = (uint64_t)sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	return 0;
}

int
cache_begin(struct cache *c, char **cause)
{
	return c_exec(c, "BEGIN IMMEDIATE", cause);
}

int
cache_commit(struct cache *c, char **cause)
{
	return c_exec(c, "COMMIT", cause);
}

void
cache_rollback(struct cache *c)
{
	sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
}
