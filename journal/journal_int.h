/*
 * What the files of journal/ share and nothing else sees: the database
 * handle and its helpers (journal.c), and the staging table's schema
 * (stage.c).
 */
#ifndef JOURNAL_INT_H
#define JOURNAL_INT_H

#include <sqlite3.h>

struct journal {
	sqlite3	*db;
};

extern const char *stage_schema;

int		 db_exec(struct journal *, const char *, char **cause);
/* A prepared statement; fatal if the SQL does not compile. */
sqlite3_stmt	*db_prep(struct journal *, const char *);
/* Finalizes st; -1 with the handle's error as the cause. */
int		 db_fail(struct journal *, sqlite3_stmt *, char **cause);
/* Steps a write and finalizes st: 0, or -1 (db_fail). */
int		 db_done(struct journal *, sqlite3_stmt *, char **cause);
/* Steps a read of table (fault injection in test builds). */
int		 db_step(sqlite3_stmt *, const char *table);
/* Finalizes st; -1 and "reading WHAT: error". */
int		 db_read_fail(struct journal *, sqlite3_stmt *, int rc,
		    char **cause, const char *fmt, ...)
		    __attribute__((format(printf, 5, 6)));
void		 db_rollback(struct journal *);
/* Inside a transaction: append entries that extend the head. */
int		 append_locked(struct journal *, const char *branch,
		    const struct entry *, size_t n, char **cause);

#endif
