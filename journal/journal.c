/*
 * The journal database.  One SQLite file in WAL mode with
 * synchronous=FULL; every multi-row change is one transaction, so a crash
 * leaves either all of a ci or none of it.
 */
#include <sqlite3.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "journal.h"
#include "journal_int.h"

static const char *schema =
    "CREATE TABLE IF NOT EXISTS branches(name TEXT PRIMARY KEY,"
    " created INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS entries(branch TEXT NOT NULL,"
    " seq INTEGER NOT NULL, id BLOB NOT NULL, kind INTEGER NOT NULL,"
    " raw BLOB NOT NULL, sig BLOB, PRIMARY KEY(branch, seq));"
    "CREATE TABLE IF NOT EXISTS wip(branch TEXT NOT NULL,"
    " idx INTEGER NOT NULL, raw BLOB NOT NULL, usage TEXT,"
    " PRIMARY KEY(branch, idx));"
    "CREATE TABLE IF NOT EXISTS locks(branch TEXT PRIMARY KEY,"
    " host TEXT, author TEXT, message TEXT, time INTEGER,"
    " base_seq INTEGER);"
    "CREATE TABLE IF NOT EXISTS history(branch TEXT NOT NULL,"
    " seq INTEGER NOT NULL, id BLOB NOT NULL, time INTEGER,"
    " status INTEGER, duration_ms INTEGER, usage TEXT,"
    " PRIMARY KEY(branch, seq));"
    "CREATE TABLE IF NOT EXISTS state(key TEXT PRIMARY KEY, value TEXT);";

int
db_exec(struct journal *j, const char *sql, char **cause)
{
	char	*err = NULL;

	if (sqlite3_exec(j->db, sql, NULL, NULL, &err) != SQLITE_OK) {
		set_cause(cause, "journal: %s", err ? err :
		    sqlite3_errmsg(j->db));
		sqlite3_free(err);
		return -1;
	}
	return 0;
}

sqlite3_stmt *
db_prep(struct journal *j, const char *sql)
{
	sqlite3_stmt	*st;

	if (sqlite3_prepare_v2(j->db, sql, -1, &st, NULL) != SQLITE_OK)
		fatalx("journal: prepare %s: %s", sql, sqlite3_errmsg(j->db));
	return st;
}

int
db_fail(struct journal *j, sqlite3_stmt *st, char **cause)
{
	set_cause(cause, "journal: %s", sqlite3_errmsg(j->db));
	sqlite3_finalize(st);
	return -1;
}

int
db_done(struct journal *j, sqlite3_stmt *st, char **cause)
{
	if (sqlite3_step(st) != SQLITE_DONE)
		return db_fail(j, st, cause);
	sqlite3_finalize(st);
	return 0;
}

/*
 * Step a read of table.  Test builds fail it with an I/O error when
 * $ISCONF_FAULT is "journal-read" or "journal-read:TABLE".
 */
int
db_step(sqlite3_stmt *st, const char *table)
{
#ifdef ISCONF_CRASH_HOOKS
	if (fault_point("journal-read", table))
		return SQLITE_IOERR;
#else
	(void)table;
#endif
	return sqlite3_step(st);
}

/* A read that stepped to rc: "reading WHAT: disk I/O error". */
int
db_read_fail(struct journal *j, sqlite3_stmt *st, int rc, char **cause,
    const char *fmt, ...)
{
	va_list	 ap;
	char	*what;

	va_start(ap, fmt);
	xvasprintf(&what, fmt, ap);
	va_end(ap);
	/* An injected fault leaves the handle's own error unset. */
	set_cause(cause, "reading %s: %s", what, sqlite3_errcode(j->db) ==
	    rc ? sqlite3_errmsg(j->db) : sqlite3_errstr(rc));
	free(what);
	sqlite3_finalize(st);
	return -1;
}

void
db_rollback(struct journal *j)
{
	sqlite3_exec(j->db, "ROLLBACK", NULL, NULL, NULL);
}

static char *
col_text(sqlite3_stmt *st, int i)
{
	const unsigned char	*t = sqlite3_column_text(st, i);

	return xstrdup(t ? (const char *)t : "");
}

/*
 * What a run used (issue 20: rusage of execs, bytes of installs) came
 * later than the tables: a journal made before gets the column, NULL in
 * its old rows, which read as "not measured".
 */
static int
usage_columns(struct journal *j, char **cause)
{
	const char	*tables[] = { "history", "wip" };
	sqlite3_stmt	*st;
	char		*sql;
	int		 rc, found;
	size_t		 i;

	for (i = 0; i < 2; i++) {
		xasprintf(&sql, "SELECT 1 FROM pragma_table_info('%s') WHERE "
		    "name = 'usage'", tables[i]);
		st = db_prep(j, sql);
		free(sql);
		if ((rc = sqlite3_step(st)) != SQLITE_ROW && rc != SQLITE_DONE)
			return db_fail(j, st, cause);
		found = rc == SQLITE_ROW;
		sqlite3_finalize(st);
		if (found)
			continue;
		xasprintf(&sql, "ALTER TABLE %s ADD COLUMN usage TEXT",
		    tables[i]);
		rc = db_exec(j, sql, cause);
		free(sql);
		if (rc == -1)
			return -1;
	}
	return 0;
}

int
journal_open(const char *path, struct journal **jp, char **cause)
{
	struct journal	*j = xcalloc(1, sizeof *j);

	if (sqlite3_open_v2(path, &j->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK) {
		set_cause(cause, "%s: %s", path, sqlite3_errmsg(j->db));
		goto fail;
	}
	sqlite3_busy_timeout(j->db, 5000);
	if (db_exec(j, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;",
	    cause) == -1 || db_exec(j, schema, cause) == -1 ||
	    db_exec(j, stage_schema, cause) == -1 ||
	    usage_columns(j, cause) == -1)
		goto fail;
	*jp = j;
	return 0;
fail:
	sqlite3_close(j->db);
	free(j);
	return -1;
}

void
journal_close(struct journal *j)
{
	if (j == NULL)
		return;
	sqlite3_close(j->db);
	free(j);
}

int
journal_branch_exists(struct journal *j, const char *name, char **cause)
{
	sqlite3_stmt	*st;
	int		 rc;

	st = db_prep(j, "SELECT 1 FROM branches WHERE name = ?");
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if ((rc = db_step(st, "branches")) != SQLITE_ROW && rc != SQLITE_DONE)
		return db_read_fail(j, st, rc, cause, "the branches");
	sqlite3_finalize(st);
	return rc == SQLITE_ROW;
}

int
journal_branch_create(struct journal *j, const char *name, char **cause)
{
	sqlite3_stmt	*st;

	st = db_prep(j, "INSERT OR IGNORE INTO branches(name, created) "
	    "VALUES (?, strftime('%s','now'))");
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		return db_fail(j, st, cause);
	sqlite3_finalize(st);
	return 0;
}

int
journal_branches(struct journal *j, char ***names, size_t *n, char **cause)
{
	sqlite3_stmt	*st;
	int		 rc;

	*names = NULL;
	*n = 0;
	st = db_prep(j, "SELECT name FROM branches ORDER BY name");
	while ((rc = db_step(st, "branches")) == SQLITE_ROW) {
		*names = xreallocarray(*names, *n + 1, sizeof **names);
		(*names)[(*n)++] = col_text(st, 0);
	}
	if (rc == SQLITE_DONE) {
		sqlite3_finalize(st);
		return 0;
	}
	while (*n > 0)
		free((*names)[--*n]);
	free(*names);
	*names = NULL;
	return db_read_fail(j, st, rc, cause, "the branches");
}

int
journal_head(struct journal *j, const char *branch, struct jhead *h,
    char **cause)
{
	sqlite3_stmt	*st;
	int		 rc;

	memset(h, 0, sizeof *h);
	st = db_prep(j, "SELECT seq, id FROM entries WHERE branch = ? "
	    "ORDER BY seq DESC LIMIT 1");
	sqlite3_bind_text(st, 1, branch, -1, SQLITE_STATIC);
	rc = db_step(st, "entries");
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_read_fail(j, st, rc, cause, "the head of branch %s",
		    branch);
	if (rc == SQLITE_ROW && sqlite3_column_bytes(st, 1) != HASH_LEN) {
		sqlite3_finalize(st);
		return set_cause(cause, "the head of branch %s is corrupt",
		    branch);
	}
	if (rc == SQLITE_ROW) {
		h->seq = (uint64_t)sqlite3_column_int64(st, 0);
		memcpy(h->id, sqlite3_column_blob(st, 1), HASH_LEN);
	}
	sqlite3_finalize(st);
	return 0;
}

int
journal_get(struct journal *j, const char *branch, uint64_t seq,
    struct entry *e, char **cause)
{
	sqlite3_stmt	*st;
	int		 rc, rv = 0;

	st = db_prep(j, "SELECT raw, id, sig FROM entries "
	    "WHERE branch = ? AND seq = ?");
	sqlite3_bind_text(st, 1, branch, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)seq);
	if ((rc = db_step(st, "entries")) == SQLITE_DONE)
		goto out;
	if (rc != SQLITE_ROW)
		return db_read_fail(j, st, rc, cause, "entry %s:%llu", branch,
		    (unsigned long long)seq);
	rv = -1;
	if (entry_decode(sqlite3_column_blob(st, 0),
	    (size_t)sqlite3_column_bytes(st, 0), e, cause) == -1)
		goto out;
	if (sqlite3_column_bytes(st, 1) != HASH_LEN ||
	    memcmp(sqlite3_column_blob(st, 1), e->id, HASH_LEN) != 0 ||
	    e->seq != seq) {
		entry_free(e);
		set_cause(cause, "journal: entry %s:%llu is corrupt (id does "
		    "not match its content)", branch, (unsigned long long)seq);
		goto out;
	}
	if (sqlite3_column_bytes(st, 2) == SIG_LEN) {
		e->has_sig = 1;
		memcpy(e->sig, sqlite3_column_blob(st, 2), SIG_LEN);
	}
	rv = 1;
out:
	sqlite3_finalize(st);
	return rv;
}

int
journal_walk_kind(struct journal *j, const char *branch, uint64_t lo,
    uint64_t hi, int kind, journal_stage_cb fn, void *arg, char **cause)
{
	sqlite3_stmt	*st;
	struct entry	 e;
	int		 rc, rv = 0;

	st = db_prep(j, "SELECT raw, id, sig FROM entries WHERE branch = ? "
	    "AND seq > ? AND seq <= ? AND kind = ? ORDER BY seq");
	sqlite3_bind_text(st, 1, branch, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)lo);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)hi);
	sqlite3_bind_int(st, 4, kind);
	while (rv == 0 && (rc = db_step(st, "entries")) == SQLITE_ROW) {
		if (entry_decode(sqlite3_column_blob(st, 0),
		    (size_t)sqlite3_column_bytes(st, 0), &e, cause) == -1) {
			rv = -1;
			break;
		}
		if (sqlite3_column_bytes(st, 1) != HASH_LEN ||
		    memcmp(sqlite3_column_blob(st, 1), e.id, HASH_LEN) != 0)
			rv = set_cause(cause, "journal: entry %s:%llu is "
			    "corrupt (id does not match its content)", branch,
			    (unsigned long long)e.seq);
		else
			rv = fn(arg, &e, cause);
		entry_free(&e);
	}
	if (rv == 0 && rc != SQLITE_DONE)
		return db_read_fail(j, st, rc, cause, "the entries of %s",
		    branch);
	sqlite3_finalize(st);
	return rv;
}

static int
insert_entry(struct journal *j, const char *branch, const struct entry *e,
    char **cause)
{
	sqlite3_stmt	*st;
	struct buf	 raw;
	int		 rc;

	buf_init(&raw);
	entry_encode(e, &raw);
	st = db_prep(j, "INSERT INTO entries(branch, seq, id, kind, raw, sig)"
	    " VALUES (?, ?, ?, ?, ?, ?)");
	sqlite3_bind_text(st, 1, branch, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)e->seq);
	sqlite3_bind_blob(st, 3, e->id, HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, e->kind);
	sqlite3_bind_blob(st, 5, raw.data, (int)raw.len, SQLITE_STATIC);
	if (e->has_sig)
		sqlite3_bind_blob(st, 6, e->sig, SIG_LEN, SQLITE_STATIC);
	rc = sqlite3_step(st);
	buf_free(&raw);
	if (rc != SQLITE_DONE)
		return db_fail(j, st, cause);
	sqlite3_finalize(st);
	return 0;
}

int
append_locked(struct journal *j, const char *branch, const struct entry *es,
    size_t n, char **cause)
{
	struct jhead	h;
	size_t		i;

	if (journal_branch_create(j, branch, cause) == -1 ||
	    journal_head(j, branch, &h, cause) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		if (es[i].seq != h.seq + 1 ||
		    memcmp(es[i].parent, h.id, HASH_LEN) != 0)
			return set_cause(cause, "entry %llu does not extend "
			    "the head of %s (seq %llu)",
			    (unsigned long long)es[i].seq, branch,
			    (unsigned long long)h.seq);
		if (insert_entry(j, branch, &es[i], cause) == -1)
			return -1;
		h.seq = es[i].seq;
		memcpy(h.id, es[i].id, HASH_LEN);
	}
	return 0;
}

static int
wip_lock_delete(struct journal *j, const char *branch, char **cause)
{
	sqlite3_stmt	*st;
	const char	*sql[] = { "DELETE FROM wip WHERE branch = ?",
			    "DELETE FROM locks WHERE branch = ?" };
	size_t		 i;

	for (i = 0; i < 2; i++) {
		st = db_prep(j, sql[i]);
		sqlite3_bind_text(st, 1, branch, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			return db_fail(j, st, cause);
		sqlite3_finalize(st);
	}
	return 0;
}

/* ci: what the origin's runs used, from the wip rows (in order, the
 * first entries of es) to their history rows. */
static int
wip_usage_copy(struct journal *j, const char *branch, uint64_t first,
    char **cause)
{
	sqlite3_stmt	*st;
	uint64_t	 seq = first;
	char		*usage;
	int		 rc;

	st = db_prep(j, "SELECT usage FROM wip WHERE branch = ? ORDER BY idx");
	sqlite3_bind_text(st, 1, branch, -1, SQLITE_STATIC);
	while ((rc = db_step(st, "wip")) == SQLITE_ROW) {
		if (sqlite3_column_type(st, 0) != SQLITE_NULL) {
			usage = col_text(st, 0);
			rc = journal_set_usage(j, branch, seq, usage, cause);
			free(usage);
			if (rc == -1) {
				sqlite3_finalize(st);
				return -1;
			}
		}
		seq++;
	}
	if (rc != SQLITE_DONE)
		return db_read_fail(j, st, rc, cause, "the work in progress "
		    "of branch %s", branch);
	sqlite3_finalize(st);
	return 0;
}

int
journal_append(struct journal *j, const char *branch, const struct entry *es,
    size_t n, int flags, char **cause)
{
	size_t	i;

	if (db_exec(j, "BEGIN IMMEDIATE", cause) == -1)
		return -1;
	if (append_locked(j, branch, es, n, cause) == -1)
		goto fail;
	for (i = 0; (flags & JA_APPLIED) && i < n; i++)
		if (journal_mark_applied(j, branch, &es[i], 0, 0, cause) == -1)
			goto fail;
	if ((flags & JA_CI) && (((flags & JA_APPLIED) && n > 0 &&
	    wip_usage_copy(j, branch, es[0].seq, cause) == -1) ||
	    wip_lock_delete(j, branch, cause) == -1))
		goto fail;
	return db_exec(j, "COMMIT", cause);
fail:
	db_rollback(j);
	return -1;
}

int
journal_fork(struct journal *j, const char *from, const char *to,
    uint64_t upto, const struct entry *fork, char **cause)
{
	sqlite3_stmt	*st;

	if (db_exec(j, "BEGIN IMMEDIATE", cause) == -1)
		return -1;
	switch (journal_branch_exists(j, to, cause)) {
	case -1:
		goto fail;
	case 1:
		set_cause(cause, "branch %s already exists", to);
		goto fail;
	}
	if (journal_branch_create(j, to, cause) == -1)
		goto fail;
	st = db_prep(j, "INSERT INTO entries(branch, seq, id, kind, raw, sig)"
	    " SELECT ?, seq, id, kind, raw, sig FROM entries"
	    " WHERE branch = ? AND seq <= ?");
	sqlite3_bind_text(st, 1, to, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, from, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)upto);
	if (sqlite3_step(st) != SQLITE_DONE) {
		db_fail(j, st, cause);
		goto fail;
	}
	sqlite3_finalize(st);
	if (append_locked(j, to, fork, 1, cause) == -1)
		goto fail;
	return db_exec(j, "COMMIT", cause);
fail:
	db_rollback(j);
	return -1;
}

int
journal_wip_add(struct journal *j, const char *branch, const struct entry *e,
    char **cause)
{
	return journal_wip_add_usage(j, branch, e, NULL, cause);
}

int
journal_wip_add_usage(struct journal *j, const char *branch,
    const struct entry *e, const char *usage, char **cause)
{
	sqlite3_stmt	*st;
	struct buf	 raw;
	int		 rc;

	buf_init(&raw);
	entry_encode(e, &raw);
	st = db_prep(j, "INSERT INTO wip(branch, idx, raw, usage) VALUES (?, "
	    "(SELECT COALESCE(MAX(idx), 0) + 1 FROM wip WHERE branch = ?), ?, "
	    "?)");
	sqlite3_bind_text(st, 1, branch, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, branch, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, raw.data, (int)raw.len, SQLITE_STATIC);
	if (usage != NULL)
		sqlite3_bind_text(st, 4, usage, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	buf_free(&raw);
	if (rc != SQLITE_DONE)
		return db_fail(j, st, cause);
	sqlite3_finalize(st);
	return 0;
}

void
journal_entries_free(struct entry *es, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		entry_free(&es[i]);
	free(es);
}

int
journal_wip_list(struct journal *j, const char *branch, struct entry **esp,
    size_t *np, char **cause)
{
	sqlite3_stmt	*st;
	struct entry	*es = NULL;
	size_t		 n = 0;
	int		 rc;

	*esp = NULL;
	*np = 0;
	st = db_prep(j, "SELECT raw FROM wip WHERE branch = ? ORDER BY idx");
	sqlite3_bind_text(st, 1, branch, -1, SQLITE_STATIC);
	while ((rc = db_step(st, "wip")) == SQLITE_ROW) {
		es = xreallocarray(es, n + 1, sizeof *es);
		if (entry_decode(sqlite3_column_blob(st, 0),
		    (size_t)sqlite3_column_bytes(st, 0), &es[n], cause) == -1) {
			sqlite3_finalize(st);
			journal_entries_free(es, n);
			return -1;
		}
		n++;
	}
	if (rc != SQLITE_DONE) {
		journal_entries_free(es, n);
		return db_read_fail(j, st, rc, cause, "the work in progress "
		    "of branch %s", branch);
	}
	sqlite3_finalize(st);
	*esp = es;
	*np = n;
	return 0;
}

void
jlock_free(struct jlock *l)
{
	free(l->host);
	free(l->author);
	free(l->message);
	memset(l, 0, sizeof *l);
}

int
journal_lock_get(struct journal *j, const char *branch, struct jlock *l,
    char **cause)
{
	sqlite3_stmt	*st;
	int		 rc;

	memset(l, 0, sizeof *l);
	st = db_prep(j, "SELECT host, author, message, time, base_seq "
	    "FROM locks WHERE branch = ?");
	sqlite3_bind_text(st, 1, branch, -1, SQLITE_STATIC);
	if ((rc = db_step(st, "locks")) != SQLITE_ROW && rc != SQLITE_DONE)
		return db_read_fail(j, st, rc, cause, "the lock of branch %s",
		    branch);
	if (rc == SQLITE_ROW) {
		l->host = col_text(st, 0);
		l->author = col_text(st, 1);
		l->message = col_text(st, 2);
		l->time = sqlite3_column_int64(st, 3);
		l->base_seq = (uint64_t)sqlite3_column_int64(st, 4);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW;
}

/* verb: "INSERT" (fails if a lock is recorded) or "INSERT OR REPLACE". */
static int
lock_insert(struct journal *j, const char *verb, const char *branch,
    const struct jlock *l, char **cause)
{
	sqlite3_stmt	*st;
	char		*sql;

	xasprintf(&sql, "%s INTO locks(branch, host, author, message, time, "
	    "base_seq) VALUES (?, ?, ?, ?, ?, ?)", verb);
	st = db_prep(j, sql);
	free(sql);
	sqlite3_bind_text(st, 1, branch, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, l->host, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, l->author, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, l->message, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, l->time);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)l->base_seq);
	if (sqlite3_step(st) != SQLITE_DONE)
		return db_fail(j, st, cause);
	sqlite3_finalize(st);
	return 0;
}

int
journal_lock_set(struct journal *j, const char *branch, const struct jlock *l,
    const struct entry *lockentry, char **cause)
{
	if (db_exec(j, "BEGIN IMMEDIATE", cause) == -1)
		return -1;
	if (lock_insert(j, "INSERT", branch, l, cause) == -1)
		goto fail;
	if (lockentry != NULL &&
	    journal_wip_add(j, branch, lockentry, cause) == -1)
		goto fail;
	return db_exec(j, "COMMIT", cause);
fail:
	db_rollback(j);
	return -1;
}

int
journal_lock_clear(struct journal *j, const char *branch, char **cause)
{
	if (db_exec(j, "BEGIN IMMEDIATE", cause) == -1)
		return -1;
	if (wip_lock_delete(j, branch, cause) == -1) {
		db_rollback(j);
		return -1;
	}
	return db_exec(j, "COMMIT", cause);
}

int
journal_applied(struct journal *j, const char *branch, uint64_t *seq,
    char **cause)
{
	sqlite3_stmt	*st;
	int		 rc;

	*seq = 0;
	st = db_prep(j, "SELECT MAX(seq) FROM history WHERE branch = ?");
	sqlite3_bind_text(st, 1, branch, -1, SQLITE_STATIC);
	/* An aggregate always gives a row; no row at all is an error. */
	if ((rc = db_step(st, "history")) != SQLITE_ROW)
		return db_read_fail(j, st, rc, cause, "the history of branch "
		    "%s", branch);
	*seq = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return 0;
}

int
journal_applied_get(struct journal *j, const char *branch, uint64_t seq,
    struct japplied *a, char **cause)
{
	sqlite3_stmt	*st;
	int		 rc;

	memset(a, 0, sizeof *a);
	st = db_prep(j, "SELECT time, status, duration_ms, id, usage "
	    "FROM history "
	    "WHERE branch = ? AND seq = ?");
	sqlite3_bind_text(st, 1, branch, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)seq);
	if ((rc = db_step(st, "history")) != SQLITE_ROW && rc != SQLITE_DONE)
		return db_read_fail(j, st, rc, cause, "the history of branch "
		    "%s", branch);
	if (rc == SQLITE_ROW) {
		a->seq = seq;
		a->time = sqlite3_column_int64(st, 0);
		a->status = sqlite3_column_int(st, 1);
		a->duration_ms = sqlite3_column_int64(st, 2);
		if (sqlite3_column_bytes(st, 3) == HASH_LEN)
			memcpy(a->id, sqlite3_column_blob(st, 3), HASH_LEN);
		if (sqlite3_column_type(st, 4) != SQLITE_NULL)
			xstrlcpy(a->usage, (const char *)
			    sqlite3_column_text(st, 4), sizeof a->usage);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW;
}

int
journal_mark_applied(struct journal *j, const char *branch,
    const struct entry *e, int status, int64_t duration_ms, char **cause)
{
	sqlite3_stmt	*st;

	st = db_prep(j, "INSERT INTO history(branch, seq, id, time, status, "
	    "duration_ms) VALUES (?, ?, ?, strftime('%s','now'), ?, ?)");
	sqlite3_bind_text(st, 1, branch, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)e->seq);
	sqlite3_bind_blob(st, 3, e->id, HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, status);
	sqlite3_bind_int64(st, 5, duration_ms);
	if (sqlite3_step(st) != SQLITE_DONE)
		return db_fail(j, st, cause);
	sqlite3_finalize(st);
	return 0;
}

int
journal_set_usage(struct journal *j, const char *branch, uint64_t seq,
    const char *usage, char **cause)
{
	sqlite3_stmt	*st;

	st = db_prep(j, "UPDATE history SET usage = ? WHERE branch = ? AND "
	    "seq = ?");
	sqlite3_bind_text(st, 1, usage, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, branch, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)seq);
	return db_done(j, st, cause);
}

int
journal_history_copy(struct journal *j, const char *from, const char *to,
    uint64_t upto, char **cause)
{
	sqlite3_stmt	*st;

	st = db_prep(j, "INSERT OR IGNORE INTO history(branch, seq, id, time, "
	    "status, duration_ms, usage) SELECT ?, seq, id, time, status, "
	    "duration_ms, usage FROM history WHERE branch = ? AND seq <= ?");
	sqlite3_bind_text(st, 1, to, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, from, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)upto);
	if (sqlite3_step(st) != SQLITE_DONE)
		return db_fail(j, st, cause);
	sqlite3_finalize(st);
	return 0;
}

int
journal_state_get(struct journal *j, const char *key, char **value,
    char **cause)
{
	sqlite3_stmt	*st;
	int		 rc;

	*value = NULL;
	st = db_prep(j, "SELECT value FROM state WHERE key = ?");
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if ((rc = db_step(st, "state")) != SQLITE_ROW && rc != SQLITE_DONE)
		return db_read_fail(j, st, rc, cause, "state %s", key);
	if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		*value = col_text(st, 0);
	sqlite3_finalize(st);
	return *value != NULL;
}

int
journal_state_set(struct journal *j, const char *key, const char *value,
    char **cause)
{
	sqlite3_stmt	*st;

	st = db_prep(j, value ? "INSERT OR REPLACE INTO state(key, value) "
	    "VALUES (?, ?)" : "DELETE FROM state WHERE key = ?");
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (value)
		sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		return db_fail(j, st, cause);
	sqlite3_finalize(st);
	return 0;
}

void
journal_state_list_free(char **keys, char **values, size_t n)
{
	while (n > 0) {
		n--;
		free(keys[n]);
		free(values[n]);
	}
	free(keys);
	free(values);
}

int
journal_state_list(struct journal *j, const char *prefix, char ***keys,
    char ***values, size_t *n, char **cause)
{
	sqlite3_stmt	*st;
	char		*end = xstrdup(prefix);
	size_t		 len = strlen(end);
	int		 rc;

	*keys = *values = NULL;
	*n = 0;
	/* The range [prefix, prefix with its last byte one up): the
	 * primary key's index, not a scan of every key. */
	if (len == 0 || (unsigned char)end[len - 1] == 0xff)
		fatalx("journal: state prefix \"%s\" cannot be a range", prefix);
	end[len - 1]++;
	st = db_prep(j, "SELECT key, value FROM state WHERE key >= ? AND "
	    "key < ? ORDER BY key");
	sqlite3_bind_text(st, 1, prefix, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, end, -1, SQLITE_STATIC);
	while ((rc = db_step(st, "state")) == SQLITE_ROW) {
		if (sqlite3_column_type(st, 1) == SQLITE_NULL)
			continue;
		*keys = xreallocarray(*keys, *n + 1, sizeof **keys);
		*values = xreallocarray(*values, *n + 1, sizeof **values);
		(*keys)[*n] = col_text(st, 0);
		(*values)[(*n)++] = col_text(st, 1);
	}
	free(end);
	if (rc == SQLITE_DONE) {
		sqlite3_finalize(st);
		return 0;
	}
	journal_state_list_free(*keys, *values, *n);
	*keys = *values = NULL;
	*n = 0;
	return db_read_fail(j, st, rc, cause, "the state under %s", prefix);
}

int
journal_history_matches(struct journal *j, const char *hist_branch,
    const char *branch, uint64_t upto, uint64_t *first_bad, char **cause)
{
	sqlite3_stmt	*st;
	int		 rc;

	*first_bad = 0;
	st = db_prep(j, "SELECT h.seq FROM history h LEFT JOIN entries e "
	    "ON e.branch = ? AND e.seq = h.seq WHERE h.branch = ? AND "
	    "h.seq <= ? AND (e.id IS NULL OR e.id != h.id) ORDER BY h.seq "
	    "LIMIT 1");
	sqlite3_bind_text(st, 1, branch, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, hist_branch, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)upto);
	if ((rc = db_step(st, "history")) != SQLITE_ROW && rc != SQLITE_DONE)
		return db_read_fail(j, st, rc, cause, "the history of branch "
		    "%s", hist_branch);
	if (rc == SQLITE_ROW)
		*first_bad = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW;
}

/* Run sql with (text a, text b, int seq) bound: 0 or -1. */
static int
exec_abn(struct journal *j, const char *sql, const char *a, const char *b,
    uint64_t seq, char **cause)
{
	sqlite3_stmt	*st = db_prep(j, sql);

	sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)seq);
	return db_done(j, st, cause);
}

int
journal_take_side(struct journal *j, const char *branch, const char *winner,
    const char *loser, uint64_t seq, char **cause)
{
	if (db_exec(j, "BEGIN IMMEDIATE", cause) == -1)
		return -1;
	if (journal_branch_create(j, loser, cause) == -1 ||
	    exec_abn(j, "INSERT OR IGNORE INTO entries(branch, seq, id, kind, "
	    "raw, sig) SELECT ?, seq, id, kind, raw, sig FROM entries "
	    "WHERE branch = ? AND seq >= ?", loser, branch, 1, cause) == -1 ||
	    exec_abn(j, "DELETE FROM entries WHERE branch = ?1 AND "
	    "seq >= ?3", branch, winner, seq, cause) == -1 ||
	    exec_abn(j, "INSERT INTO entries(branch, seq, id, kind, raw, sig) "
	    "SELECT ?, seq, id, kind, raw, sig FROM entries WHERE branch = ? "
	    "AND seq >= ?", branch, winner, seq, cause) == -1) {
		db_rollback(j);
		return -1;
	}
	return db_exec(j, "COMMIT", cause);
}

int
journal_history_move(struct journal *j, const char *branch, const char *to,
    uint64_t seq, char **cause)
{
	const char	*mismatch = " FROM history h WHERE h.branch = ? AND "
			    "h.seq >= ? AND NOT EXISTS (SELECT 1 FROM entries e "
			    "WHERE e.branch = h.branch AND e.seq = h.seq AND "
			    "e.id = h.id)";
	sqlite3_stmt	*st;
	char		*sql;
	int		 i;

	if (db_exec(j, "BEGIN IMMEDIATE", cause) == -1)
		return -1;
	for (i = 0; i < 2; i++) {
		xasprintf(&sql, i == 0 ? "INSERT OR IGNORE INTO history(branch, "
		    "seq, id, time, status, duration_ms, usage) SELECT ?, "
		    "h.seq, h.id, h.time, h.status, h.duration_ms, h.usage%s" : "DELETE FROM history "
		    "WHERE rowid IN (SELECT h.rowid%s)", mismatch);
		st = db_prep(j, sql);
		free(sql);
		if (i == 0)
			sqlite3_bind_text(st, 1, to, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, i == 0 ? 2 : 1, branch, -1,
		    SQLITE_STATIC);
		sqlite3_bind_int64(st, i == 0 ? 3 : 2, (sqlite3_int64)seq);
		if (db_done(j, st, cause) == -1) {
			db_rollback(j);
			return -1;
		}
	}
	return db_exec(j, "COMMIT", cause);
}

int
journal_first_diff(struct journal *j, const char *a, const char *b,
    uint64_t *seq, char **cause)
{
	sqlite3_stmt	*st;
	int		 rc;

	*seq = 0;
	st = db_prep(j, "SELECT x.seq FROM entries x JOIN entries y "
	    "ON y.branch = ? AND y.seq = x.seq WHERE x.branch = ? AND "
	    "x.id != y.id ORDER BY x.seq LIMIT 1");
	sqlite3_bind_text(st, 1, b, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, a, -1, SQLITE_STATIC);
	if ((rc = db_step(st, "entries")) != SQLITE_ROW && rc != SQLITE_DONE)
		return db_read_fail(j, st, rc, cause, "branches %s and %s",
		    a, b);
	if (rc == SQLITE_ROW)
		*seq = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW;
}

int
journal_lock_put(struct journal *j, const char *branch, const struct jlock *l,
    char **cause)
{
	return lock_insert(j, "INSERT OR REPLACE", branch, l, cause);
}

/* The seqs first, then each entry through journal_get, which checks it
 * against its id: entries of one kind are few (skips), and a corrupt
 * row must fail here as it does everywhere else. */
int
journal_list_kind(struct journal *j, const char *branch, enum entry_kind kind,
    uint64_t after, struct entry **esp, size_t *np, char **cause)
{
	sqlite3_stmt	*st;
	uint64_t	*seqs = NULL;
	struct entry	*es;
	size_t		 n = 0, i;
	int		 rc, r = 0;

	*esp = NULL;
	*np = 0;
	st = db_prep(j, "SELECT seq FROM entries WHERE branch = ? AND "
	    "kind = ? AND seq > ? ORDER BY seq");
	sqlite3_bind_text(st, 1, branch, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, (int)kind);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)after);
	while ((rc = db_step(st, "entries")) == SQLITE_ROW) {
		seqs = xreallocarray(seqs, n + 1, sizeof *seqs);
		seqs[n++] = (uint64_t)sqlite3_column_int64(st, 0);
	}
	if (rc != SQLITE_DONE) {
		free(seqs);
		return db_read_fail(j, st, rc, cause, "the %s entries of "
		    "branch %s", entry_kind_name(kind), branch);
	}
	sqlite3_finalize(st);
	es = xcalloc(n ? n : 1, sizeof *es);
	for (i = 0; i < n && (r = journal_get(j, branch, seqs[i], &es[i],
	    cause)) == 1; i++)
		;
	if (i < n) {
		if (r == 0)
			set_cause(cause, "entry %s:%llu vanished while it was "
			    "read", branch, (unsigned long long)seqs[i]);
		free(seqs);
		journal_entries_free(es, i);
		return -1;
	}
	free(seqs);
	*esp = es;
	*np = n;
	return 0;
}
