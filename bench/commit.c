/*
 * A baseline for the replay overhead: one durable SQLite commit, as up
 * makes for every applied entry (invariant 6).  A WAL database with
 * synchronous=FULL in DIR, a table shaped like the journal's history,
 * 300 one-row transactions; prints the median in microseconds.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define ROUNDS	300

static int
cmp(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	sqlite3		*db;
	sqlite3_stmt	*st;
	double		 us[ROUNDS];
	struct timespec	 a, b;
	unsigned char	 id[32] = { 0 };
	char		 path[4096];
	int		 i, rc;

	if (argc != 2) {
		fprintf(stderr, "usage: commit DIR\n");
		return 1;
	}
	snprintf(path, sizeof path, "%s/commit.bench.db", argv[1]);
	unlink(path);
	if (sqlite3_open(path, &db) != SQLITE_OK ||
	    sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
	    "CREATE TABLE history(branch TEXT NOT NULL, seq INTEGER NOT NULL,"
	    " id BLOB NOT NULL, time INTEGER, status INTEGER, duration_ms "
	    "INTEGER, PRIMARY KEY(branch, seq));", NULL, NULL, NULL) !=
	    SQLITE_OK) {
		fprintf(stderr, "%s: %s\n", path, sqlite3_errmsg(db));
		return 1;
	}
	for (i = 0; i < ROUNDS; i++) {
		clock_gettime(CLOCK_MONOTONIC, &a);
		sqlite3_prepare_v2(db, "INSERT INTO history VALUES ('generic', "
		    "?, ?, strftime('%s','now'), 0, 1)", -1, &st, NULL);
		sqlite3_bind_int(st, 1, i + 1);
		id[0] = (unsigned char)i;
		sqlite3_bind_blob(st, 2, id, sizeof id, SQLITE_STATIC);
		rc = sqlite3_step(st);
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE) {
			fprintf(stderr, "%s: %s\n", path, sqlite3_errmsg(db));
			return 1;
		}
		clock_gettime(CLOCK_MONOTONIC, &b);
		us[i] = (b.tv_sec - a.tv_sec) * 1e6 + (b.tv_nsec - a.tv_nsec) /
		    1e3;
	}
	sqlite3_close(db);
	unlink(path);
	qsort(us, ROUNDS, sizeof us[0], cmp);
	printf("%.0f\n", us[ROUNDS / 2]);
	return 0;
}
