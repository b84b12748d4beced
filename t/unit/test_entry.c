/* Unit tests: entry encoding, ids, payloads, the journal's hash chain. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <sodium.h>
#include <sqlite3.h>

#include "util.h"
#include "journal.h"

static void
make_exec(struct entry *e, uint64_t seq, const uint8_t *parent,
    const char *cmd)
{
	struct exec_info	x;
	char			*argv[] = { "sh", "-c", (char *)cmd, NULL };

	memset(e, 0, sizeof *e);
	e->kind = ENTRY_EXEC;
	e->seq = seq;
	if (parent != NULL)
		memcpy(e->parent, parent, HASH_LEN);
	e->time = 1700000000;
	e->host = xstrdup("a");
	e->author = xstrdup("root");
	e->message = xstrdup("test");
	x.cwd = "/tmp";
	x.argv = argv;
	x.argc = 3;
	exec_encode(&x, &e->payload);
	entry_compute_id(e);
}

static void
test_roundtrip(void **state)
{
	struct entry	e, d;
	struct buf	b;
	char		*cause = NULL;

	(void)state;
	make_exec(&e, 1, NULL, "echo hi");
	buf_init(&b);
	entry_encode(&e, &b);
	assert_int_equal(entry_decode(b.data, b.len, &d, &cause), 0);
	assert_memory_equal(d.id, e.id, HASH_LEN);
	assert_string_equal(d.message, "test");
	assert_int_equal(d.seq, 1);
	entry_free(&d);
	/* Every prefix is rejected, never crashes. */
	for (size_t n = 0; n < b.len; n++)
		assert_int_equal(entry_decode(b.data, n, &d, &cause), -1);
	free(cause);
	buf_free(&b);
	entry_free(&e);
}

static void
test_id_covers_fields(void **state)
{
	struct entry	a, b;

	(void)state;
	make_exec(&a, 1, NULL, "echo hi");
	make_exec(&b, 1, NULL, "echo ho");
	assert_memory_not_equal(a.id, b.id, HASH_LEN);
	entry_free(&b);
	make_exec(&b, 2, NULL, "echo hi");
	assert_memory_not_equal(a.id, b.id, HASH_LEN);
	entry_free(&b);
	make_exec(&b, 1, a.id, "echo hi");
	assert_memory_not_equal(a.id, b.id, HASH_LEN);
	entry_free(&b);
	make_exec(&b, 1, NULL, "echo hi");
	assert_memory_equal(a.id, b.id, HASH_LEN);
	entry_free(&b);
	entry_free(&a);
}

static void
test_snap_payload(void **state)
{
	struct snap_info	s, d;
	struct chunk_ref	ch = { { 1, 2, 3 }, 5 };
	struct buf		b;

	(void)state;
	memset(&s, 0, sizeof s);
	s.path = "/etc/motd";
	s.type = SNAP_FILE;
	s.own.mode = 04750;
	s.own.user = "root";
	s.own.group = "wheel";
	s.size = 5;
	s.target = "";
	s.chunks = &ch;
	s.nchunks = 1;
	buf_init(&b);
	snap_encode(&s, &b);
	assert_int_equal(snap_decode(&b, &d), 0);
	assert_string_equal(d.path, "/etc/motd");
	assert_int_equal(d.own.mode, 04750);
	assert_int_equal(d.nchunks, 1);
	snap_info_free(&d);
	/* Sizes must add up; paths may not climb out of IS_ROOT. */
	buf_reset(&b);
	s.size = 6;
	snap_encode(&s, &b);
	assert_int_equal(snap_decode(&b, &d), -1);
	s.size = 5;
	s.path = "/etc/../../root/.ssh/authorized_keys";
	buf_reset(&b);
	snap_encode(&s, &b);
	assert_int_equal(snap_decode(&b, &d), -1);
	s.path = "relative";
	buf_reset(&b);
	snap_encode(&s, &b);
	assert_int_equal(snap_decode(&b, &d), -1);
	buf_free(&b);
}

/*
 * A listed chunk list (issue 14): the entry holds the list objects'
 * hashes and counts, round-trips, and is refused with too few chunks
 * to need lists, no list, an empty or an oversized list.  An inline
 * list encodes as before (the ids of old journals' snaps hold).
 */
static void
test_snap_listed(void **state)
{
	struct snap_info	 s, d;
	struct chunk_list_ref	 l[2] = { { { 7 }, SNAP_LIST_MAX },
				    { { 8 }, 1 } };
	struct chunk_ref	 ch[2] = { { { 1 }, 3 }, { { 2 }, 4 } }, out[2];
	struct buf		 b;
	uint64_t		 total;
	const uint8_t		 old[] = { 0, 0, 0, 2 };

	(void)state;
	memset(&s, 0, sizeof s);
	s.path = "/big";
	s.type = SNAP_FILE;
	s.own.user = s.own.group = s.target = "";
	s.size = 1ULL << 40;	/* checked when the lists are loaded */
	s.lists = l;
	s.nlists = 2;
	buf_init(&b);
	snap_encode(&s, &b);
	assert_true(b.len < 200);
	assert_int_equal(snap_decode(&b, &d), 0);
	assert_int_equal(d.nlists, 2);
	assert_int_equal(d.nchunks, 0);
	assert_null(d.chunks);
	assert_memory_equal(d.lists, l, sizeof l);
	snap_info_free(&d);
	l[0].nchunks = SNAP_INLINE_MAX - 1;	/* would have been inline */
	buf_reset(&b);
	snap_encode(&s, &b);
	assert_int_equal(snap_decode(&b, &d), -1);
	l[0].nchunks = SNAP_LIST_MAX + 1;
	buf_reset(&b);
	snap_encode(&s, &b);
	assert_int_equal(snap_decode(&b, &d), -1);
	l[0].nchunks = 0;
	buf_reset(&b);
	snap_encode(&s, &b);
	assert_int_equal(snap_decode(&b, &d), -1);
	s.type = SNAP_DIR;
	l[0].nchunks = SNAP_LIST_MAX;
	buf_reset(&b);
	snap_encode(&s, &b);
	assert_int_equal(snap_decode(&b, &d), -1);
	/* List objects: exactly n refs. */
	buf_reset(&b);
	chunk_list_encode(ch, 2, &b);
	assert_int_equal(b.len, 2 * CHUNK_REF_LEN);
	assert_int_equal(chunk_list_decode(b.data, b.len, 2, out, &total), 0);
	assert_int_equal(total, 7);
	assert_memory_equal(out, ch, sizeof ch);
	assert_int_equal(chunk_list_decode(b.data, b.len, 1, out, &total),
	    -1);
	assert_int_equal(chunk_list_decode(b.data, b.len - 1, 2, out,
	    &total), -1);
	/* Inline, as before: the count, then hash and length each. */
	s.type = SNAP_FILE;
	s.lists = NULL;
	s.nlists = 0;
	s.chunks = ch;
	s.nchunks = 2;
	s.size = 7;
	buf_reset(&b);
	snap_encode(&s, &b);
	assert_int_equal(snap_decode(&b, &d), 0);
	snap_info_free(&d);
	/* path, type, owner, mtime, size, hash, target, then the count */
	assert_memory_equal(b.data + 4 + 4 + 1 + 12 + 4 + 4 + 8 + 4 + 8 + 32 +
	    4, old, 4);
	buf_free(&b);
}

/*
 * Counts past their bounds: the decoder must fail without touching the
 * array it never allocated (a crafted snap with 257 parents crashed
 * snap_info_free before any signature was checked).
 */
static void
test_payload_bad_counts(void **state)
{
	struct snap_info	s, d;
	struct exec_info	x;
	struct buf		b;

	(void)state;
	memset(&s, 0, sizeof s);
	s.path = "/etc/motd";
	s.type = SNAP_DIR;
	s.own.user = s.own.group = s.target = "";
	buf_init(&b);
	snap_encode(&s, &b);
	/* The parent count is the last 4 bytes: 257, then 2^32-1. */
	put_u32(b.data + b.len - 4, 257);
	assert_int_equal(snap_decode(&b, &d), -1);
	assert_null(d.parents);
	put_u32(b.data + b.len - 4, 0xffffffffu);
	assert_int_equal(snap_decode(&b, &d), -1);
	/* A chunk count larger than the bytes left. */
	buf_reset(&b);
	snap_encode(&s, &b);
	put_u32(b.data + b.len - 8, 0xffffffffu);
	assert_int_equal(snap_decode(&b, &d), -1);
	assert_null(d.chunks);
	/* An exec with no, or too many, arguments. */
	buf_reset(&b);
	buf_add_str(&b, "/");
	buf_add_u32(&b, 0xffffffffu);
	assert_int_equal(exec_decode(&b, &x), -1);
	assert_null(x.argv);
	buf_free(&b);
}

/* skip payloads: a round trip, and hostile input refused with nothing
 * to free (seq 0, truncation, bytes after it, a NUL in the reason, a
 * reason longer than 64 KiB, a length past the end). */
static void
test_skip_payload(void **state)
{
	struct skip_info	k, got;
	struct entry		e;
	struct buf		b;
	char			*detail, *big;

	(void)state;
	memset(&k, 0, sizeof k);
	k.seq = 5;
	memset(k.id, 0xab, HASH_LEN);
	k.reason = "needs /only-on-origin";
	buf_init(&b);
	skip_encode(&k, &b);
	assert_int_equal(skip_decode(&b, &got), 0);
	assert_int_equal(got.seq, 5);
	assert_memory_equal(got.id, k.id, HASH_LEN);
	assert_string_equal(got.reason, k.reason);
	skip_info_free(&got);
	memset(&e, 0, sizeof e);
	e.kind = ENTRY_SKIP;
	e.payload = b;
	assert_int_equal(entry_payload_valid(&e), 1);
	detail = entry_detail(&e);
	assert_string_equal(detail, "entry 5 (abababababab): needs "
	    "/only-on-origin");
	free(detail);
	assert_string_equal(entry_kind_name(ENTRY_SKIP), "skip");
	assert_int_equal(entry_kind_parse("skip"), ENTRY_SKIP);

	b.len--;				/* truncated */
	assert_int_equal(skip_decode(&b, &got), -1);
	assert_null(got.reason);
	e.payload = b;
	assert_int_equal(entry_payload_valid(&e), 0);
	b.len++;
	buf_add_u8(&b, 0);			/* trailing byte */
	assert_int_equal(skip_decode(&b, &got), -1);
	buf_reset(&b);
	k.seq = 0;				/* no entry 0 */
	skip_encode(&k, &b);
	assert_int_equal(skip_decode(&b, &got), -1);
	buf_reset(&b);
	buf_add_u64(&b, 5);
	buf_add(&b, k.id, HASH_LEN);
	buf_add_blob(&b, "a\0b", 3);		/* NUL in the reason */
	assert_int_equal(skip_decode(&b, &got), -1);
	buf_reset(&b);
	buf_add_u64(&b, 5);
	buf_add(&b, k.id, HASH_LEN);
	buf_add_u32(&b, 0xffffffffu);		/* length past the end */
	assert_int_equal(skip_decode(&b, &got), -1);
	buf_reset(&b);
	big = xcalloc(1, 65538);
	memset(big, 'x', 65537);
	k.seq = 5;
	k.reason = big;				/* too long */
	skip_encode(&k, &b);
	assert_int_equal(skip_decode(&b, &got), -1);
	assert_null(got.reason);
	free(big);
	buf_reset(&b);
	assert_int_equal(skip_decode(&b, &got), -1);	/* empty */
	buf_free(&b);
}

/* A ci's record of the origin's disk (issue 20): a round trip alone
 * and after a ci's key (sig_decode takes it, ci_disk_decode returns
 * it; a fork's payload may not carry one), and hostile input refused
 * with nothing to free: no records, a count past the end, more than
 * DISK_MAX_PATHS, a relative path or one with "..", type 4, mode
 * 010000, a target on a file, no target on a link, a NUL in a path,
 * truncation, a trailing byte. */
static void
disk_bad(void (*tweak)(struct disk_path *), int expect)
{
	struct disk_path	p = { "/etc/motd", SNAP_FILE, 0644, 0, 0, 3,
				      { 0 }, "" };
	struct disk_info	k = { &p, 1 }, got;
	struct buf		b;

	if (tweak != NULL)
		tweak(&p);
	buf_init(&b);
	disk_encode(&k, &b);
	assert_int_equal(disk_decode(b.data, b.len, &got), expect);
	if (expect == -1) {
		assert_null(got.v);
		assert_int_equal(got.n, 0);
	}
	disk_info_free(&got);
	buf_free(&b);
}
static void tw_rel(struct disk_path *p) { p->path = "etc/motd"; }
static void tw_dots(struct disk_path *p) { p->path = "/etc/../../x"; }
static void tw_type(struct disk_path *p) { p->type = 4; }
static void tw_mode(struct disk_path *p) { p->mode = 010000; }
static void tw_target(struct disk_path *p) { p->target = "x"; }
static void tw_link(struct disk_path *p) { p->type = SNAP_SYMLINK; }
static void tw_absent(struct disk_path *p) { p->type = 0; }

static void
test_disk_payload(void **state)
{
	struct disk_path	p[2];
	struct disk_info	k = { p, 2 }, got;
	struct sig_info		g;
	struct buf		b;
	size_t			i;

	(void)state;
	memset(p, 0, sizeof p);
	p[0].path = "/tmp/app.conf";
	p[0].type = SNAP_FILE;
	p[0].mode = 0600;
	p[0].uid = 7;
	p[0].size = 3;
	memset(p[0].hash, 0x42, HASH_LEN);
	p[0].target = "";
	p[1].path = "/tmp/gone";
	p[1].target = "";
	buf_init(&b);
	memset(&g, 0, sizeof g);
	g.parent_branch = "";
	sig_encode(&g, &b);
	assert_int_equal(ci_disk_decode(&b, &got), 0);	/* none: old ci */
	disk_encode(&k, &b);
	assert_int_equal(sig_decode(&b, &g), 0);
	free(g.parent_branch);
	assert_int_equal(ci_disk_decode(&b, &got), 1);
	assert_int_equal(got.n, 2);
	assert_string_equal(got.v[0].path, "/tmp/app.conf");
	assert_int_equal(got.v[0].mode, 0600);
	assert_int_equal(got.v[0].uid, 7);
	assert_memory_equal(got.v[0].hash, p[0].hash, HASH_LEN);
	assert_int_equal(got.v[1].type, 0);
	disk_info_free(&got);
	buf_add_u8(&b, 0);				/* trailing byte */
	assert_int_equal(sig_decode(&b, &g), -1);
	assert_int_equal(ci_disk_decode(&b, &got), -1);
	assert_null(got.v);
	buf_reset(&b);
	g.parent_branch = "main";			/* a fork: none */
	sig_encode(&g, &b);
	disk_encode(&k, &b);
	assert_int_equal(sig_decode(&b, &g), -1);
	buf_reset(&b);

	disk_encode(&k, &b);
	for (i = 0; i < b.len; i++)			/* truncated */
		assert_int_equal(disk_decode(b.data, i, &got), -1);
	assert_int_equal(disk_decode(b.data, b.len, &got), 0);
	disk_info_free(&got);
	buf_reset(&b);
	buf_add_u32(&b, 0);				/* no records */
	assert_int_equal(disk_decode(b.data, b.len, &got), -1);
	buf_reset(&b);
	buf_add_u32(&b, 1000);				/* past the end */
	buf_add_str(&b, "/x");
	buf_add_u8(&b, 0);
	assert_int_equal(disk_decode(b.data, b.len, &got), -1);
	assert_null(got.v);
	buf_reset(&b);
	buf_add_u32(&b, DISK_MAX_PATHS + 1);		/* too many */
	for (i = 0; i <= DISK_MAX_PATHS; i++) {
		buf_add_str(&b, "/x");
		buf_add_u8(&b, 0);
	}
	assert_int_equal(disk_decode(b.data, b.len, &got), -1);
	assert_null(got.v);
	buf_reset(&b);
	buf_add_u32(&b, 1);				/* NUL in a path */
	buf_add_blob(&b, "/a\0b", 4);
	buf_add_u8(&b, 0);
	assert_int_equal(disk_decode(b.data, b.len, &got), -1);
	buf_free(&b);
	disk_bad(NULL, 0);
	disk_bad(tw_absent, 0);
	disk_bad(tw_rel, -1);
	disk_bad(tw_dots, -1);
	disk_bad(tw_type, -1);
	disk_bad(tw_mode, -1);
	disk_bad(tw_target, -1);
	disk_bad(tw_link, -1);
}

static struct journal *
open_tmp(char *path)
{
	struct journal	*j;
	char		*cause = NULL;
	int		 fd;

	xstrlcpy(path, "/tmp/isconf-test-XXXXXX", 64);
	fd = mkstemp(path);
	close(fd);
	assert_int_equal(journal_open(path, &j, &cause), 0);
	return j;
}

static void
unlink_db(const char *path)
{
	char	p[128];

	unlink(path);
	snprintf(p, sizeof p, "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof p, "%s-shm", path);
	unlink(p);
}

static void
test_chain(void **state)
{
	struct journal	*j;
	struct entry	 e[3], bad, got;
	struct jhead	 h;
	char		 path[64], *cause = NULL;

	(void)state;
	j = open_tmp(path);
	make_exec(&e[0], 1, NULL, "one");
	make_exec(&e[1], 2, e[0].id, "two");
	make_exec(&e[2], 3, e[1].id, "three");
	assert_int_equal(journal_append(j, "generic", e, 2, 0, &cause), 0);
	/* Wrong parent: refused, and nothing of the batch is stored. */
	make_exec(&bad, 3, e[0].id, "three");
	assert_int_equal(journal_append(j, "generic", &bad, 1, 0, &cause),
	    -1);
	assert_non_null(strstr(cause, "does not extend"));
	assert_int_equal(journal_head(j, "generic", &h, &cause), 0);
	assert_int_equal(h.seq, 2);
	assert_int_equal(journal_append(j, "generic", &e[2], 1, 0, &cause), 0);
	assert_int_equal(journal_get(j, "generic", 3, &got, &cause), 1);
	assert_memory_equal(got.id, e[2].id, HASH_LEN);
	entry_free(&got);
	assert_int_equal(journal_get(j, "generic", 4, &got, &cause), 0);
	journal_close(j);
	unlink_db(path);
	for (int i = 0; i < 3; i++)
		entry_free(&e[i]);
	entry_free(&bad);
	free(cause);
}

/* journal_list_kind: the entries of one kind after a seq, in order. */
static void
test_list_kind(void **state)
{
	struct journal	*j;
	struct entry	 e[4], *got;
	struct skip_info k;
	size_t		 n;
	char		 path[64], *cause = NULL;
	int		 i;

	(void)state;
	j = open_tmp(path);
	make_exec(&e[0], 1, NULL, "one");
	memset(&e[1], 0, sizeof e[1]);
	e[1].kind = ENTRY_SKIP;
	e[1].seq = 2;
	memcpy(e[1].parent, e[0].id, HASH_LEN);
	e[1].host = xstrdup("a");
	e[1].author = xstrdup("root");
	e[1].message = xstrdup("test");
	k.seq = 1;
	memcpy(k.id, e[0].id, HASH_LEN);
	k.reason = "";
	skip_encode(&k, &e[1].payload);
	entry_compute_id(&e[1]);
	make_exec(&e[2], 3, e[1].id, "three");
	entry_copy(&e[3], &e[1]);
	e[3].seq = 4;
	memcpy(e[3].parent, e[2].id, HASH_LEN);
	entry_compute_id(&e[3]);
	assert_int_equal(journal_append(j, "generic", e, 4, 0, &cause), 0);
	assert_int_equal(journal_list_kind(j, "generic", ENTRY_SKIP, 0, &got,
	    &n, &cause), 0);
	assert_int_equal(n, 2);
	assert_int_equal(got[0].seq, 2);
	assert_int_equal(got[1].seq, 4);
	journal_entries_free(got, n);
	assert_int_equal(journal_list_kind(j, "generic", ENTRY_SKIP, 2, &got,
	    &n, &cause), 0);
	assert_int_equal(n, 1);
	assert_int_equal(got[0].seq, 4);
	journal_entries_free(got, n);
	assert_int_equal(journal_list_kind(j, "other", ENTRY_SKIP, 0, &got,
	    &n, &cause), 0);
	assert_int_equal(n, 0);
	journal_entries_free(got, n);
	journal_close(j);
	unlink_db(path);
	for (i = 0; i < 4; i++)
		entry_free(&e[i]);
}

static void
test_corruption_detected(void **state)
{
	struct journal	*j;
	struct entry	 e, got;
	sqlite3		*db;
	char		 path[64], *cause = NULL;

	(void)state;
	j = open_tmp(path);
	make_exec(&e, 1, NULL, "one");
	assert_int_equal(journal_append(j, "generic", &e, 1, 0, &cause), 0);
	/* Edit history behind the journal's back. */
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "UPDATE entries SET raw = "
	    "CAST(replace(CAST(raw AS TEXT), 'one', 'two') AS BLOB)", NULL,
	    NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(journal_get(j, "generic", 1, &got, &cause), -1);
	assert_non_null(strstr(cause, "corrupt"));
	journal_close(j);
	unlink_db(path);
	entry_free(&e);
	free(cause);
}

static void
test_wip_lock(void **state)
{
	struct journal	*j;
	struct entry	 e, *list;
	struct jlock	 l, got;
	size_t		 n;
	char		 path[64], *cause = NULL;

	(void)state;
	j = open_tmp(path);
	memset(&l, 0, sizeof l);
	l.host = "a";
	l.author = "root";
	l.message = "msg";
	make_exec(&e, 0, NULL, "wip");
	assert_int_equal(journal_lock_get(j, "generic", &got, &cause), 0);
	assert_int_equal(journal_lock_set(j, "generic", &l, &e, &cause), 0);
	assert_int_equal(journal_lock_set(j, "generic", &l, &e, &cause), -1);
	assert_int_equal(journal_lock_get(j, "generic", &got, &cause), 1);
	assert_string_equal(got.message, "msg");
	jlock_free(&got);
	assert_int_equal(journal_wip_list(j, "generic", &list, &n, &cause), 0);
	assert_int_equal(n, 1);
	journal_entries_free(list, n);
	assert_int_equal(journal_lock_clear(j, "generic", &cause), 0);
	assert_int_equal(journal_wip_list(j, "generic", &list, &n, &cause), 0);
	assert_int_equal(n, 0);
	free(list);
	journal_close(j);
	unlink_db(path);
	entry_free(&e);
	free(cause);
}

/*
 * Every read answers -1 (cause set) when SQLite fails, never "nothing
 * there": a history read as empty made up replay every entry.  The
 * failure is injected through the test builds' fault point.
 */
#ifdef ISCONF_CRASH_HOOKS
static void
expect_read_error(char **cause, const char *want)
{
	assert_non_null(*cause);
	assert_non_null(strstr(*cause, want));
	assert_non_null(strstr(*cause, "disk I/O error"));
	free(*cause);
	*cause = NULL;
}

static void
test_read_errors(void **state)
{
	struct journal	 *j;
	struct entry	  e, got, *list;
	struct jhead	  h;
	struct jlock	  l;
	struct japplied	  a;
	uint64_t	  seq, bad;
	size_t		  n;
	char		  path[64], *cause = NULL, *v, **names;

	(void)state;
	j = open_tmp(path);
	make_exec(&e, 1, NULL, "one");
	assert_int_equal(journal_append(j, "generic", &e, 1, JA_APPLIED,
	    &cause), 0);
	assert_int_equal(journal_state_set(j, "k", "v", &cause), 0);
	/* Found, absent. */
	assert_int_equal(journal_applied_get(j, "generic", 1, &a, &cause), 1);
	assert_int_equal(journal_applied_get(j, "generic", 2, &a, &cause), 0);
	assert_int_equal(journal_state_get(j, "k", &v, &cause), 1);
	assert_string_equal(v, "v");
	free(v);
	assert_int_equal(journal_state_get(j, "nokey", &v, &cause), 0);
	assert_null(v);
	assert_int_equal(journal_branch_exists(j, "generic", &cause), 1);
	assert_int_equal(journal_branch_exists(j, "other", &cause), 0);
	assert_null(cause);
	/* Failed. */
	setenv("ISCONF_FAULT", "journal-read:history", 1);
	assert_int_equal(journal_applied(j, "generic", &seq, &cause), -1);
	expect_read_error(&cause, "reading the history of branch generic");
	assert_int_equal(journal_applied_get(j, "generic", 1, &a, &cause), -1);
	expect_read_error(&cause, "history");
	assert_int_equal(journal_history_matches(j, "generic", "generic", 1,
	    &bad, &cause), -1);
	expect_read_error(&cause, "history");
	setenv("ISCONF_FAULT", "journal-read:entries", 1);
	assert_int_equal(journal_head(j, "generic", &h, &cause), -1);
	expect_read_error(&cause, "reading the head of branch generic");
	assert_int_equal(journal_get(j, "generic", 1, &got, &cause), -1);
	expect_read_error(&cause, "reading entry generic:1");
	/* An append cannot check the head either: refused. */
	assert_int_equal(journal_append(j, "generic", &e, 1, 0, &cause), -1);
	expect_read_error(&cause, "head");
	setenv("ISCONF_FAULT", "journal-read:locks", 1);
	assert_int_equal(journal_lock_get(j, "generic", &l, &cause), -1);
	expect_read_error(&cause, "reading the lock of branch generic");
	setenv("ISCONF_FAULT", "journal-read:wip", 1);
	assert_int_equal(journal_wip_list(j, "generic", &list, &n, &cause), -1);
	expect_read_error(&cause, "work in progress");
	setenv("ISCONF_FAULT", "journal-read:branches", 1);
	assert_int_equal(journal_branch_exists(j, "generic", &cause), -1);
	expect_read_error(&cause, "branches");
	assert_int_equal(journal_branches(j, &names, &n, &cause), -1);
	expect_read_error(&cause, "branches");
	setenv("ISCONF_FAULT", "journal-read:state", 1);
	assert_int_equal(journal_state_get(j, "k", &v, &cause), -1);
	expect_read_error(&cause, "reading state k");
	assert_null(v);
	unsetenv("ISCONF_FAULT");
	assert_int_equal(journal_applied(j, "generic", &seq, &cause), 0);
	assert_int_equal(seq, 1);
	journal_close(j);
	unlink_db(path);
	entry_free(&e);
}
#endif

/* A decision's order is optional: one written before it decodes (order
 * 0) and encodes to the same bytes; a present order is never 0. */
static void
test_resolve_order(void **state)
{
	struct resolve_info	ri, out;
	struct buf		b, b2;

	(void)state;
	memset(&ri, 0, sizeof ri);
	ri.branch = "webserver";
	ri.seq = 8;
	memset(ri.winner, 0x5a, HASH_LEN);
	buf_init(&b);
	buf_init(&b2);
	resolve_encode(&ri, &b);			/* as written before */
	assert_int_equal(resolve_decode(&b, &out), 0);
	assert_int_equal(out.order, 0);
	resolve_encode(&out, &b2);
	assert_int_equal(b2.len, b.len);
	assert_memory_equal(b2.data, b.data, b.len);
	free(out.branch);
	buf_add_u64(&b, 0);				/* an order of 0 */
	assert_int_equal(resolve_decode(&b, &out), -1);
	buf_reset(&b);
	ri.order = 1700000000123456789ull;
	resolve_encode(&ri, &b);
	assert_int_equal(b.len, b2.len + 8);
	assert_int_equal(resolve_decode(&b, &out), 0);
	assert_true(out.order == ri.order);
	free(out.branch);
	buf_add_u8(&b, 0);				/* trailing junk */
	assert_int_equal(resolve_decode(&b, &out), -1);
	buf_free(&b);
	buf_free(&b2);
}

/* The origin's waves after a ci's key, with or without a disk record
 * before them; old ci payloads read as having none. */
static void
test_waves_payload(void **state)
{
	char			*names[] = { "canary", "early", "rest" };
	struct ci_waves		 w = { names, 3 }, got;
	struct disk_path	 p = { "/etc/motd", SNAP_FILE, 0644, 0, 0, 3,
				       { 0 }, "" };
	struct disk_info	 k = { &p, 1 }, kgot;
	struct sig_info		 g;
	struct buf		 b;
	size_t			 i, len;

	(void)state;
	buf_init(&b);
	memset(&g, 0, sizeof g);
	g.parent_branch = "";
	sig_encode(&g, &b);
	assert_int_equal(ci_waves_decode(&b, &got), 0);
	len = b.len;
	ci_waves_encode(&w, &b);
	assert_int_equal(sig_decode(&b, &g), 0);
	free(g.parent_branch);
	assert_int_equal(ci_waves_decode(&b, &got), 1);
	assert_int_equal(got.n, 3);
	assert_string_equal(got.names[2], "rest");
	ci_waves_free(&got);
	assert_int_equal(ci_disk_decode(&b, &kgot), 0);
	for (i = len + 1; i < b.len; i++) {		/* truncated */
		struct buf t = { b.data, i, i };
		assert_int_equal(ci_waves_decode(&t, &got), -1);
		assert_null(got.names);
	}
	b.len = len;					/* after a disk record */
	disk_encode(&k, &b);
	ci_waves_encode(&w, &b);
	assert_int_equal(sig_decode(&b, &g), 0);
	free(g.parent_branch);
	assert_int_equal(ci_waves_decode(&b, &got), 1);
	ci_waves_free(&got);
	assert_int_equal(ci_disk_decode(&b, &kgot), 1);
	assert_string_equal(kgot.v[0].path, "/etc/motd");
	disk_info_free(&kgot);
	buf_add_u8(&b, 0);				/* trailing byte */
	assert_int_equal(ci_waves_decode(&b, &got), -1);
	assert_int_equal(sig_decode(&b, &g), -1);
	b.len = len;					/* a name twice */
	names[2] = "canary";
	ci_waves_encode(&w, &b);
	assert_int_equal(ci_waves_decode(&b, &got), -1);
	b.len = len;					/* a bad name */
	names[2] = "a b";
	ci_waves_encode(&w, &b);
	assert_int_equal(ci_waves_decode(&b, &got), -1);
	b.len = len;					/* none */
	w.n = 0;
	ci_waves_encode(&w, &b);
	assert_int_equal(ci_waves_decode(&b, &got), -1);
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_id_covers_fields),
		cmocka_unit_test(test_snap_payload),
		cmocka_unit_test(test_payload_bad_counts),
		cmocka_unit_test(test_snap_listed),
		cmocka_unit_test(test_skip_payload),
		cmocka_unit_test(test_resolve_order),
		cmocka_unit_test(test_disk_payload),
		cmocka_unit_test(test_waves_payload),
		cmocka_unit_test(test_chain),
		cmocka_unit_test(test_list_kind),
		cmocka_unit_test(test_corruption_detected),
		cmocka_unit_test(test_wip_lock),
#ifdef ISCONF_CRASH_HOOKS
		cmocka_unit_test(test_read_errors),	/* a fault point */
#endif
	};

	if (sodium_init() == -1)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
