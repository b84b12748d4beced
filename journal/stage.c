/*
 * Staging: entries received (from a peer's sync stream) but not yet
 * covered by a signature that verified.  A signature covers a whole
 * transaction at its ci, which may be 100,000 entries after the first,
 * so what comes before it waits here, on disk, rather than in memory.
 * Rows are keyed by branch and run (who is sending them: a peer, or
 * "bundle" for the bundle apply running); they are
 * never journal entries: only journal_stage_commit moves them into the
 * entries table, in one transaction with the head check.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "journal.h"
#include "journal_int.h"

const char *stage_schema =
    "CREATE TABLE IF NOT EXISTS staged(branch TEXT NOT NULL,"
    " run TEXT NOT NULL, seq INTEGER NOT NULL, id BLOB NOT NULL,"
    " parent BLOB NOT NULL, kind INTEGER NOT NULL, raw BLOB NOT NULL,"
    " sig BLOB, time INTEGER NOT NULL, PRIMARY KEY(branch, run, seq));";

static void
bind_key(sqlite3_stmt *st, const char *branch, const char *run)
{
	sqlite3_bind_text(st, 1, branch, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, run, -1, SQLITE_STATIC);
}

static int
stage_insert(struct journal *j, const char *branch, const char *run,
    const struct entry *e, char **cause)
{
	sqlite3_stmt	*st;
	struct buf	 raw;
	int		 rc;

	buf_init(&raw);
	entry_encode(e, &raw);
	st = db_prep(j, "INSERT INTO staged(branch, run, seq, id, parent, "
	    "kind, raw, sig, time) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
	bind_key(st, branch, run);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)e->seq);
	sqlite3_bind_blob(st, 4, e->id, HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_blob(st, 5, e->parent, HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_int(st, 6, e->kind);
	sqlite3_bind_blob(st, 7, raw.data, (int)raw.len, SQLITE_STATIC);
	if (e->has_sig)
		sqlite3_bind_blob(st, 8, e->sig, SIG_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(st, 9, (sqlite3_int64)time(NULL));
	rc = db_done(j, st, cause);
	buf_free(&raw);
	return rc;
}

int
journal_stage_put(struct journal *j, const char *branch, const char *run,
    const struct entry *es, size_t n, char **cause)
{
	size_t	i;

	if (db_exec(j, "BEGIN IMMEDIATE", cause) == -1)
		return -1;
	for (i = 0; i < n; i++)
		if (stage_insert(j, branch, run, &es[i], cause) == -1) {
			db_rollback(j);
			return -1;
		}
	return db_exec(j, "COMMIT", cause);
}

/* A staged row's raw and sig columns (0 and 1) as an entry. */
static int
row_entry(sqlite3_stmt *st, struct entry *e, char **cause)
{
	if (entry_decode(sqlite3_column_blob(st, 0),
	    (size_t)sqlite3_column_bytes(st, 0), e, cause) == -1)
		return -1;
	if (sqlite3_column_bytes(st, 1) == SIG_LEN) {
		e->has_sig = 1;
		memcpy(e->sig, sqlite3_column_blob(st, 1), SIG_LEN);
	}
	return 0;
}

int
journal_stage_get(struct journal *j, const char *branch, const char *run,
    uint64_t seq, struct entry *e, char **cause)
{
	sqlite3_stmt	*st;
	int		 rc, rv;

	st = db_prep(j, "SELECT raw, sig FROM staged WHERE branch = ? AND "
	    "run = ? AND seq = ?");
	bind_key(st, branch, run);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)seq);
	if ((rc = db_step(st, "staged")) != SQLITE_ROW && rc != SQLITE_DONE)
		return db_read_fail(j, st, rc, cause, "staged entry %s:%llu",
		    branch, (unsigned long long)seq);
	rv = rc == SQLITE_ROW;
	if (rv == 1 && row_entry(st, e, cause) == -1)
		rv = -1;
	sqlite3_finalize(st);
	return rv;
}

/* One blob column of the row at seq into out (HASH_LEN bytes). */
static int
stage_hash(struct journal *j, const char *branch, const char *run,
    const char *col, uint64_t seq, uint8_t *out, char **cause)
{
	sqlite3_stmt	*st;
	char		*sql;
	int		 rc;

	xasprintf(&sql, "SELECT %s FROM staged WHERE branch = ? AND "
	    "run = ? AND seq = ?", col);
	st = db_prep(j, sql);
	free(sql);
	bind_key(st, branch, run);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)seq);
	if ((rc = db_step(st, "staged")) != SQLITE_ROW)
		return db_read_fail(j, st, rc, cause, "staged entry %s:%llu",
		    branch, (unsigned long long)seq);
	if (sqlite3_column_bytes(st, 0) != HASH_LEN) {
		sqlite3_finalize(st);
		return set_cause(cause, "staged entry %s:%llu is corrupt",
		    branch, (unsigned long long)seq);
	}
	memcpy(out, sqlite3_column_blob(st, 0), HASH_LEN);
	sqlite3_finalize(st);
	return 0;
}

int
journal_stage_span(struct journal *j, const char *branch, const char *run,
    struct jstage *sp, char **cause)
{
	sqlite3_stmt	*st;
	int		 rc;

	memset(sp, 0, sizeof *sp);
	st = db_prep(j, "SELECT MIN(seq), MAX(seq), COUNT(*), "
	    "TOTAL(LENGTH(raw)) FROM staged WHERE branch = ? AND run = ?");
	bind_key(st, branch, run);
	if ((rc = db_step(st, "staged")) != SQLITE_ROW)
		return db_read_fail(j, st, rc, cause, "the staged entries of "
		    "%s", branch);
	sp->first = (uint64_t)sqlite3_column_int64(st, 0);
	sp->last = (uint64_t)sqlite3_column_int64(st, 1);
	sp->n = (uint64_t)sqlite3_column_int64(st, 2);
	sp->bytes = (uint64_t)sqlite3_column_double(st, 3);
	sqlite3_finalize(st);
	if (sp->n == 0)
		return 0;
	if (sp->n != sp->last - sp->first + 1)
		return set_cause(cause, "the staged entries of %s have a gap",
		    branch);
	if (stage_hash(j, branch, run, "parent", sp->first, sp->parent,
	    cause) == -1 || stage_hash(j, branch, run, "id", sp->last,
	    sp->last_id, cause) == -1)
		return -1;
	return 1;
}

int
journal_stage_walk(struct journal *j, const char *branch, const char *run,
    uint64_t lo, uint64_t hi, int kind, journal_stage_cb fn, void *arg,
    char **cause)
{
	sqlite3_stmt	*st;
	struct entry	 e;
	int		 rc, rv = 0;

	st = db_prep(j, "SELECT raw, sig FROM staged WHERE branch = ? AND "
	    "run = ? AND seq > ? AND seq < ? AND CASE WHEN ?5 = 0 THEN "
	    "sig IS NOT NULL ELSE kind = ?5 END ORDER BY seq DESC");
	bind_key(st, branch, run);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)lo);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)hi);
	sqlite3_bind_int(st, 5, kind);
	while (rv == 0 && (rc = db_step(st, "staged")) == SQLITE_ROW) {
		if (row_entry(st, &e, cause) == -1)
			rv = -1;
		else {
			rv = fn(arg, &e, cause);
			entry_free(&e);
		}
	}
	if (rv == 0 && rc != SQLITE_DONE)
		return db_read_fail(j, st, rc, cause, "the staged entries of "
		    "%s", branch);
	sqlite3_finalize(st);
	return rv;
}

/* 1 if a staged row up to upto disagrees with target at its seq. */
static int
stage_disagrees(struct journal *j, const char *branch, const char *run,
    const char *target, uint64_t upto, char **cause)
{
	sqlite3_stmt	*st;
	int		 rc;

	st = db_prep(j, "SELECT 1 FROM staged s JOIN entries e ON "
	    "e.branch = ?3 AND e.seq = s.seq WHERE s.branch = ?1 AND "
	    "s.run = ?2 AND s.seq <= ?4 AND s.id != e.id LIMIT 1");
	bind_key(st, branch, run);
	sqlite3_bind_text(st, 3, target, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)upto);
	if ((rc = db_step(st, "staged")) != SQLITE_ROW && rc != SQLITE_DONE)
		return db_read_fail(j, st, rc, cause, "the staged entries of "
		    "%s", branch);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW;
}

static int
stage_delete(struct journal *j, const char *branch, const char *run,
    uint64_t upto, char **cause)
{
	sqlite3_stmt	*st;

	st = db_prep(j, "DELETE FROM staged WHERE branch = ? AND run = ? "
	    "AND seq <= ?");
	bind_key(st, branch, run);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)upto);
	return db_done(j, st, cause);
}

/* The staged rows (head, upto] onto target; the first must extend it. */
static int
stage_move(struct journal *j, const char *branch, const char *run,
    const char *target, const struct jhead *h, uint64_t upto, char **cause)
{
	sqlite3_stmt	*st;
	uint8_t		 parent[HASH_LEN];

	if (upto <= h->seq)
		return 0;
	if (stage_hash(j, branch, run, "parent", h->seq + 1, parent,
	    cause) == -1)
		return -1;
	if (memcmp(parent, h->id, HASH_LEN) != 0)
		return set_cause(cause, "staged entry %llu does not extend "
		    "the head of %s", (unsigned long long)h->seq + 1, target);
	st = db_prep(j, "INSERT INTO entries(branch, seq, id, kind, raw, sig)"
	    " SELECT ?3, seq, id, kind, raw, sig FROM staged WHERE "
	    "branch = ?1 AND run = ?2 AND seq > ?4 AND seq <= ?5 ORDER BY seq");
	bind_key(st, branch, run);
	sqlite3_bind_text(st, 3, target, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)h->seq);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)upto);
	return db_done(j, st, cause);
}

static int
commit_locked(struct journal *j, const char *branch, const char *run,
    const char *target, uint64_t upto, const struct entry *es, size_t n,
    char **cause)
{
	struct jhead	h;
	size_t		i = 0;
	uint64_t	last = upto;

	if (journal_branch_create(j, target, cause) == -1 ||
	    journal_head(j, target, &h, cause) == -1)
		return -1;
	/* What another run stored meanwhile must be the same entries. */
	switch (stage_disagrees(j, branch, run, target, upto, cause)) {
	case -1:
		return -1;
	case 1:
		return set_cause(cause, "the staged entries of %s disagree "
		    "with its journal", branch);
	}
	if (stage_move(j, branch, run, target, &h, upto, cause) == -1 ||
	    journal_head(j, target, &h, cause) == -1)
		return -1;
	/* Entries in memory: those the head has already are skipped. */
	for (; i < n && es[i].seq <= h.seq; i++) {
		struct entry	e;
		int		same;

		if (journal_get(j, target, es[i].seq, &e, cause) != 1)
			return set_cause(cause, "entry %s:%llu is gone", target,
			    (unsigned long long)es[i].seq);
		same = memcmp(e.id, es[i].id, HASH_LEN) == 0;
		entry_free(&e);
		if (!same)
			return set_cause(cause, "entry %llu disagrees with the "
			    "journal of %s", (unsigned long long)es[i].seq,
			    target);
	}
	if (n > 0)
		last = es[n - 1].seq;
	if (n > i && append_locked(j, target, es + i, n - i, cause) == -1)
		return -1;
	return stage_delete(j, branch, run, last, cause);
}

int
journal_stage_commit(struct journal *j, const char *branch, const char *run,
    const char *target, uint64_t upto, const struct entry *es, size_t n,
    char **cause)
{
	if (db_exec(j, "BEGIN IMMEDIATE", cause) == -1)
		return -1;
	if (commit_locked(j, branch, run, target, upto, es, n, cause) == -1) {
		db_rollback(j);
		return -1;
	}
	return db_exec(j, "COMMIT", cause);
}

int
journal_stage_drop(struct journal *j, const char *branch, const char *run,
    char **cause)
{
	return stage_delete(j, branch, run, UINT64_MAX >> 1, cause);
}

int
journal_stage_expire(struct journal *j, int64_t before, char **cause)
{
	sqlite3_stmt	*st;

	st = db_prep(j, "DELETE FROM staged WHERE (branch, run) IN (SELECT "
	    "branch, run FROM staged GROUP BY branch, run HAVING "
	    "MAX(time) < ?)");
	sqlite3_bind_int64(st, 1, before);
	if (db_done(j, st, cause) == -1)
		return -1;
	return sqlite3_changes(j->db);
}

int
journal_stage_list(struct journal *j, struct jstaged **out, size_t *n,
    char **cause)
{
	sqlite3_stmt	*st;
	struct jstaged	*g;
	int		 rc;

	*out = NULL;
	*n = 0;
	st = db_prep(j, "SELECT branch, run, COUNT(*), TOTAL(LENGTH(raw)) "
	    "FROM staged GROUP BY branch, run ORDER BY branch, run");
	while ((rc = db_step(st, "staged")) == SQLITE_ROW) {
		*out = xreallocarray(*out, *n + 1, sizeof **out);
		g = &(*out)[(*n)++];
		g->branch = xstrdup((const char *)sqlite3_column_text(st, 0));
		g->run = xstrdup((const char *)sqlite3_column_text(st, 1));
		g->n = (uint64_t)sqlite3_column_int64(st, 2);
		g->bytes = (uint64_t)sqlite3_column_double(st, 3);
	}
	if (rc != SQLITE_DONE) {
		journal_stage_list_free(*out, *n);
		*out = NULL;
		*n = 0;
		return db_read_fail(j, st, rc, cause, "the staged entries");
	}
	sqlite3_finalize(st);
	return 0;
}

void
journal_stage_list_free(struct jstaged *g, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free(g[i].branch);
		free(g[i].run);
	}
	free(g);
}
