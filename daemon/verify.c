/*
 * verify: compare every path snapped on this host's branch, at its
 * latest version among the entries this host has applied, with what is
 * under IS_ROOT now: type, content, mode, owner, symlink target.  Lists
 * the drift; exit 1 if there is any.  Where the transaction's ci
 * recorded what the origin's disk held (after its execs ran), that is
 * what counts: an exec of the same transaction that
 * removed or rewrote the snapped file is not drift.  Journals from
 * before the record compare with the snap.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "isconfd.h"

static void	verb_verify(struct client *);

const struct verb_entry verb_verify_entry = {
	.name = "verify",
	.exec = verb_verify,
};

/* What a path should be: its snap, or (absent, or s from a ci's
 * record) what the origin's disk held at ci. */
struct want {
	struct snap_info	s;
	uint64_t		seq;
	uint64_t		shown;	/* the snap's seq, named in DRIFT */
	int			from_ci;
	uint64_t		txn;	/* from_ci: the ci before, or 0 */
	int			absent;
};

static int
want_cmp(const void *a, const void *b)
{
	const struct want	*x = a, *y = b;
	int			 c = strcmp(x->s.path, y->s.path);

	if (c != 0)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Append the problems with what is at base in dirfd to b. */
static void
check_object(const struct snap_info *s, int dirfd, const char *base,
    struct buf *b)
{
	struct stat	 sb;
	uint8_t		 h[HASH_LEN];
	char		 target[4096];
	ssize_t		 n;
	int		 type;

	if (fstatat(dirfd, base, &sb, AT_SYMLINK_NOFOLLOW) == -1) {
		buf_printf(b, "missing");
		return;
	}
	type = S_ISREG(sb.st_mode) ? SNAP_FILE : S_ISDIR(sb.st_mode) ?
	    SNAP_DIR : S_ISLNK(sb.st_mode) ? SNAP_SYMLINK : 0;
	if (type != (int)s->type) {
		buf_printf(b, "type differs");
		return;
	}
	PAUSE_POINT("verify-open");	/* a test swaps in a FIFO */
	if (s->type == SNAP_FILE && ((uint64_t)sb.st_size != s->size ||
	    disk_file_hash(dirfd, base, h) == -1 ||
	    memcmp(h, s->hash, HASH_LEN) != 0))
		buf_printf(b, "%scontent differs", b->len ? ", " : "");
	if (s->type == SNAP_SYMLINK) {
		n = readlinkat(dirfd, base, target, sizeof target - 1);
		target[n > 0 ? n : 0] = '\0';
		if (strcmp(target, s->target) != 0)
			buf_printf(b, "%starget %s, journal %s", b->len ? ", " :
			    "", target, s->target);
	}
	if (s->type != SNAP_SYMLINK && (sb.st_mode & 07777) != s->own.mode)
		buf_printf(b, "%smode %04o, journal %04o", b->len ? ", " : "",
		    (unsigned)(sb.st_mode & 07777), (unsigned)s->own.mode);
	if (sb.st_uid != s->own.uid || sb.st_gid != s->own.gid)
		buf_printf(b, "%sowner %u:%u, journal %u:%u%s%s%s%s%s",
		    b->len ? ", " : "", (unsigned)sb.st_uid,
		    (unsigned)sb.st_gid, s->own.uid, s->own.gid,
		    *s->own.user ? " (" : "", s->own.user,
		    *s->own.user ? ":" : "", s->own.group,
		    *s->own.user ? ")" : "");
}

/* Append the problems with one path to b (", "-separated).  The path is
 * resolved beneath IS_ROOT as up installs it: a link out of IS_ROOT is
 * never read through. */
static void
check_path(struct isconfd *d, const struct want *w, struct buf *b)
{
	const struct snap_info	*s = &w->s;
	struct stat		 sb;
	char			*base, *cause = NULL;
	int			 dirfd;

	if ((dirfd = state_root_openparent(d, s->path, &base,
	    &cause)) == -1) {
		if (w->absent && (errno == ENOENT || errno == ENOTDIR))
			;	/* as on the origin */
		else if (errno == ENOENT || errno == ENOTDIR)
			buf_printf(b, "missing");
		else
			buf_printf(b, "cannot check: %s", cause);
		free(cause);
		return;
	}
	if (!w->absent)
		check_object(s, dirfd, base, b);
	else if (fstatat(dirfd, base, &sb, AT_SYMLINK_NOFOLLOW) == 0)
		buf_printf(b, "present, absent on the origin at ci");
	close(dirfd);
	free(base);
}

static void
wants_free(struct want *w, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		snap_info_free(&w[i].s);
	free(w);
}

/* 1 if this host skipped the entry (a skip names it and the history
 * says so), 0 if not, -1. */
static int
skipped_here(struct isconfd *d, const struct skips *s, const struct entry *e,
    char **cause)
{
	struct japplied	a;
	uint64_t	by;
	int		r;

	if (!skips_find(s, e, &by))
		return 0;
	if ((r = journal_applied_get(d->journal, d->branch, e->seq, &a,
	    cause)) != 1)
		return r;
	return a.status == JA_SKIPPED;
}

/* A ci's record of the origin's disk as wants: they supersede the
 * transaction's snaps, and later transactions' snaps supersede them. */
static void
want_disk(const struct entry *e, uint64_t txn, struct want **wp, size_t *np)
{
	struct disk_info	 k;
	struct want		*w;
	size_t			 i;

	if (ci_disk_decode(&e->payload, &k) != 1)
		return;
	*wp = xreallocarray(*wp, *np + k.n, sizeof **wp);
	for (i = 0; i < k.n; i++) {
		w = &(*wp)[(*np)++];
		memset(w, 0, sizeof *w);
		w->seq = e->seq;
		w->from_ci = 1;
		w->txn = txn;
		w->absent = k.v[i].type == 0;
		w->s.path = k.v[i].path;
		w->s.target = k.v[i].target;
		k.v[i].path = k.v[i].target = NULL;
		w->s.type = k.v[i].type;
		w->s.own.mode = k.v[i].mode;
		w->s.own.uid = k.v[i].uid;
		w->s.own.gid = k.v[i].gid;
		w->s.own.user = xstrdup("");
		w->s.own.group = xstrdup("");
		w->s.size = k.v[i].size;
		memcpy(w->s.hash, k.v[i].hash, HASH_LEN);
	}
	disk_info_free(&k);
}

/* The snaps this host applied (not those it skipped), by path; -1 if
 * the journal failed. */
static int
collect(struct isconfd *d, struct want **wp, size_t *np, char **cause)
{
	struct want	*w = NULL;
	struct entry	 e;
	struct skips	 s;
	uint64_t	 seq, applied, txn = 0;
	size_t		 n = 0, m, i;
	int		 r = 1;

	*wp = NULL;
	*np = 0;
	memset(&s, 0, sizeof s);
	if (journal_applied(d->journal, d->branch, &applied, cause) == -1 ||
	    skips_load(d, d->branch, 0, &s, cause) == -1)
		return -1;
	for (seq = 1; seq <= applied; seq++) {
		if ((r = journal_get(d->journal, d->branch, seq, &e,
		    cause)) != 1)
			break;
		if (e.kind == ENTRY_SNAP &&
		    (r = skipped_here(d, &s, &e, cause)) != 0) {
			entry_free(&e);
			if (r == -1)
				break;
			continue;
		}
		if (e.kind == ENTRY_SNAP) {
			w = xreallocarray(w, n + 1, sizeof *w);
			memset(&w[n], 0, sizeof w[n]);
			if (snap_decode(&e.payload, &w[n].s) == 0) {
				w[n].seq = seq;
				free(w[n].s.chunks);	/* not needed here */
				w[n].s.chunks = NULL;
				w[n].s.nchunks = 0;
				n++;
			}
		} else if (e.kind == ENTRY_CI)
			want_disk(&e, txn, &w, &n);
		if (e.kind == ENTRY_CI || e.kind == ENTRY_FORK)
			txn = seq;
		entry_free(&e);
	}
	skips_free(&s);
	if (r == -1) {
		wants_free(w, n);
		return -1;
	}
	if (n > 0)		/* qsort(NULL, 0) is undefined */
		qsort(w, n, sizeof *w, want_cmp);
	/* A ci's record counts only where this host applied the snap of
	 * the path in its transaction (one it skipped leaves the path to
	 * earlier entries); the drift names that snap, as before. */
	for (i = m = 0; i < n; i++) {
		if (!w[i].from_ci)
			w[i].shown = w[i].seq;
		else if (m > 0 && strcmp(w[m - 1].s.path, w[i].s.path) == 0 &&
		    !w[m - 1].from_ci && w[m - 1].seq > w[i].txn)
			w[i].shown = w[m - 1].seq;
		else {
			snap_info_free(&w[i].s);
			continue;
		}
		w[m++] = w[i];
	}
	*wp = w;
	*np = m;
	return 0;
}

static void
verb_verify(struct client *c)
{
	struct isconfd	*d = c->d;
	struct want	*w;
	struct buf	 out, why;
	size_t		 n, i, checked = 0, drift = 0;
	int		 json = c->req.flags & CTL_F_JSON;
	char		*cause = NULL;

	if (collect(d, &w, &n, &cause) == -1) {
		client_err(c, "verify: %s", cause);
		client_exit(c, 1);
		free(cause);
		return;
	}
	buf_init(&out);
	buf_init(&why);
	if (json)
		buf_printf(&out, "{\"drift\":[");
	for (i = 0; i < n; i++) {
		/* Only the latest version of each path counts. */
		if (i + 1 < n && strcmp(w[i].s.path, w[i + 1].s.path) == 0)
			continue;
		checked++;
		buf_reset(&why);
		check_path(d, &w[i], &why);
		if (why.len == 0)
			continue;
		buf_add_u8(&why, 0);
		if (json) {
			buf_printf(&out, "%s{\"path\":", drift ? "," : "");
			buf_add_json(&out, w[i].s.path);
			buf_printf(&out, ",\"entry\":%llu,\"problems\":",
			    (unsigned long long)w[i].shown);
			buf_add_json(&out, (char *)why.data);
			buf_add_u8(&out, '}');
		} else
			buf_printf(&out, "DRIFT %s (entry %llu): %s\n",
			    w[i].s.path, (unsigned long long)w[i].shown,
			    (char *)why.data);
		drift++;
	}
	if (json)
		buf_printf(&out, "],\"checked\":%zu}", checked);
	else
		buf_printf(&out, "checked %zu paths: %zu drifted", checked,
		    drift);
	buf_add_u8(&out, 0);
	client_out(c, "%s", (char *)out.data);
	wants_free(w, n);
	buf_free(&out);
	buf_free(&why);
	client_exit(c, drift ? 1 : 0);
}
