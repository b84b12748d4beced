/*
 * Kind-specific payloads: snap (file metadata and chunk list), exec
 * (argv and working directory), ci/fork (signer's key), skip (the
 * entry skipped and why).  Decoders treat
 * their input as hostile: lengths are bounded, paths must be absolute
 * and free of ".." components so a forged entry cannot escape IS_ROOT.
 */
#include <stdlib.h>
#include <string.h>

#include "journal.h"

#define MAX_PATH	4096
#define MAX_ARGS	4096
#define MAX_ARG		(256 * 1024)
#define MAX_CHUNKS	(1u << 22)
#define MAX_PARENTS	256
/* In place of a chunk count: the chunk list is in list objects. */
#define SNAP_LISTED	0xffffffffu

static int
path_safe(const char *p)
{
	const char	*c;

	if (p[0] != '/')
		return 0;
	for (c = p; (c = strstr(c, "/..")) != NULL; c += 3)
		if (c[3] == '/' || c[3] == '\0')
			return 0;
	return 1;
}

static void
owner_encode(const struct snap_owner *o, struct buf *b)
{
	buf_add_u32(b, o->mode);
	buf_add_u32(b, o->uid);
	buf_add_u32(b, o->gid);
	buf_add_str(b, o->user);
	buf_add_str(b, o->group);
}

static void
owner_decode(struct rd *r, struct snap_owner *o)
{
	o->mode = rd_u32(r);
	o->uid = rd_u32(r);
	o->gid = rd_u32(r);
	o->user = rd_str(r, 255);
	o->group = rd_str(r, 255);
}

void
snap_encode(const struct snap_info *s, struct buf *b)
{
	size_t	i;

	buf_add_str(b, s->path);
	buf_add_u8(b, (uint8_t)s->type);
	owner_encode(&s->own, b);
	buf_add_u64(b, (uint64_t)s->mtime_sec);
	buf_add_u32(b, s->mtime_nsec);
	buf_add_u64(b, s->size);
	buf_add(b, s->hash, HASH_LEN);
	buf_add_str(b, s->target);
	if (s->nlists > 0) {
		buf_add_u32(b, SNAP_LISTED);
		buf_add_u32(b, (uint32_t)s->nlists);
		for (i = 0; i < s->nlists; i++) {
			buf_add(b, s->lists[i].hash, HASH_LEN);
			buf_add_u32(b, s->lists[i].nchunks);
		}
	} else {
		buf_add_u32(b, (uint32_t)s->nchunks);
		chunk_list_encode(s->chunks, s->nchunks, b);
	}
	buf_add_u32(b, (uint32_t)s->nparents);
	for (i = 0; i < s->nparents; i++) {
		buf_add_str(b, s->parents[i].path);
		owner_encode(&s->parents[i].own, b);
	}
}

void
chunk_list_encode(const struct chunk_ref *c, size_t n, struct buf *b)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		buf_add(b, c[i].hash, HASH_LEN);
		buf_add_u32(b, c[i].len);
	}
}

int
chunk_list_decode(const uint8_t *p, size_t len, size_t n,
    struct chunk_ref *out, uint64_t *total)
{
	struct rd	r;
	size_t		i;

	*total = 0;
	if (len != n * CHUNK_REF_LEN)
		return -1;
	rd_init(&r, p, len);
	for (i = 0; i < n; i++) {
		rd_bytes(&r, out[i].hash, HASH_LEN);
		out[i].len = rd_u32(&r);
		*total += out[i].len;
	}
	return rd_done(&r);
}

/* The list objects' hashes and counts, after SNAP_LISTED: at least two
 * lists' worth of chunks, or it would have been inline. */
static int
snap_decode_lists(struct rd *r, struct snap_info *s)
{
	uint64_t	nchunks = 0;
	size_t		i, n;

	n = rd_u32(r);
	if (r->err || n == 0 || n > SNAP_MAX_LISTS ||
	    n * CHUNK_REF_LEN > r->len - r->off)
		return -1;
	s->lists = xcalloc(n, sizeof *s->lists);
	s->nlists = n;
	for (i = 0; i < n; i++) {
		rd_bytes(r, s->lists[i].hash, HASH_LEN);
		s->lists[i].nchunks = rd_u32(r);
		if (s->lists[i].nchunks == 0 ||
		    s->lists[i].nchunks > SNAP_LIST_MAX)
			return -1;
		nchunks += s->lists[i].nchunks;
	}
	return r->err || nchunks <= SNAP_INLINE_MAX ? -1 : 0;
}

int
snap_decode(const struct buf *b, struct snap_info *s)
{
	struct rd	r;
	uint64_t	total = 0;
	size_t		i, n;

	memset(s, 0, sizeof *s);
	rd_init(&r, b->data, b->len);
	s->path = rd_str(&r, MAX_PATH);
	s->type = rd_u8(&r);
	owner_decode(&r, &s->own);
	s->mtime_sec = (int64_t)rd_u64(&r);
	s->mtime_nsec = rd_u32(&r);
	s->size = rd_u64(&r);
	rd_bytes(&r, s->hash, HASH_LEN);
	s->target = rd_str(&r, MAX_PATH);
	/* Counts are stored only once their arrays exist: the error path
	 * frees by them (snap_info_free). */
	n = rd_u32(&r);
	if (n == SNAP_LISTED) {
		if (snap_decode_lists(&r, s) == -1)
			goto bad;
	} else {
		if (r.err || n > MAX_CHUNKS || n * CHUNK_REF_LEN > r.len - r.off)
			goto bad;
		s->chunks = xcalloc(n, sizeof *s->chunks);
		s->nchunks = n;
		if (chunk_list_decode(r.p + r.off, n * CHUNK_REF_LEN, n,
		    s->chunks, &total) == -1)
			goto bad;
		r.off += n * CHUNK_REF_LEN;
	}
	n = rd_u32(&r);
	if (r.err || n > MAX_PARENTS)
		goto bad;
	s->parents = xcalloc(n, sizeof *s->parents);
	s->nparents = n;
	for (i = 0; i < s->nparents; i++) {
		s->parents[i].path = rd_str(&r, MAX_PATH);
		owner_decode(&r, &s->parents[i].own);
		if (!r.err && !path_safe(s->parents[i].path))
			goto bad;
	}
	/* A listed file's size is checked when its lists are loaded. */
	if (rd_done(&r) == -1 || !path_safe(s->path) ||
	    s->type < SNAP_FILE || s->type > SNAP_SYMLINK ||
	    (s->type == SNAP_FILE && s->nlists == 0 && total != s->size) ||
	    (s->type != SNAP_FILE && (s->nchunks != 0 || s->nlists != 0)))
		goto bad;
	return 0;
bad:
	snap_info_free(s);
	return -1;
}

static void
owner_free(struct snap_owner *o)
{
	free(o->user);
	free(o->group);
}

void
snap_info_free(struct snap_info *s)
{
	size_t	i;

	free(s->path);
	free(s->target);
	owner_free(&s->own);
	free(s->chunks);
	free(s->lists);
	for (i = 0; i < s->nparents; i++) {
		free(s->parents[i].path);
		owner_free(&s->parents[i].own);
	}
	free(s->parents);
	memset(s, 0, sizeof *s);
}

void
exec_encode(const struct exec_info *x, struct buf *b)
{
	size_t	i;

	buf_add_str(b, x->cwd);
	buf_add_u32(b, (uint32_t)x->argc);
	for (i = 0; i < x->argc; i++)
		buf_add_str(b, x->argv[i]);
}

int
exec_decode(const struct buf *b, struct exec_info *x)
{
	struct rd	r;
	size_t		i, n;

	memset(x, 0, sizeof *x);
	rd_init(&r, b->data, b->len);
	x->cwd = rd_str(&r, MAX_PATH);
	n = rd_u32(&r);
	if (r.err || n == 0 || n > MAX_ARGS) {
		exec_info_free(x);
		return -1;
	}
	x->argv = xcalloc(n + 1, sizeof *x->argv);
	x->argc = n;
	for (i = 0; i < x->argc; i++)
		x->argv[i] = rd_str(&r, MAX_ARG);
	if (rd_done(&r) == -1 || !path_safe(x->cwd)) {
		exec_info_free(x);
		return -1;
	}
	return 0;
}

void
exec_info_free(struct exec_info *x)
{
	size_t	i;

	free(x->cwd);
	for (i = 0; i < x->argc; i++)
		free(x->argv[i]);
	free(x->argv);
	memset(x, 0, sizeof *x);
}

static int	waves_decode_rd(struct rd *, struct ci_waves *);

void
sig_encode(const struct sig_info *s, struct buf *b)
{
	buf_add(b, s->pubkey, PUBKEY_LEN);
	buf_add_str(b, s->parent_branch);
}

/*
 * What may follow a ci's signer key (and empty parent branch): its disk
 * record, then its waves, each optional (journal.h).  k and w may be
 * NULL; what they receive is theirs to free.  0, or -1 malformed with
 * nothing left to free.
 */
static int
ci_tail_decode(struct rd *r, struct disk_info *k, struct ci_waves *w)
{
	struct disk_info	kk;
	struct ci_waves		ww;
	struct rd		peek;

	memset(&kk, 0, sizeof kk);
	memset(&ww, 0, sizeof ww);
	peek = *r;
	if (r->off < r->len && rd_u32(&peek) != CI_WAVES_TAG &&
	    disk_decode_rd(r, &kk) == -1)
		return -1;
	if (r->off < r->len && waves_decode_rd(r, &ww) == -1) {
		disk_info_free(&kk);
		return -1;
	}
	if (rd_done(r) == -1) {
		disk_info_free(&kk);
		ci_waves_free(&ww);
		return -1;
	}
	if (k != NULL)
		*k = kk;
	else
		disk_info_free(&kk);
	if (w != NULL)
		*w = ww;
	else
		ci_waves_free(&ww);
	return 0;
}

int
sig_decode(const struct buf *b, struct sig_info *s)
{
	struct rd		r;

	memset(s, 0, sizeof *s);
	rd_init(&r, b->data, b->len);
	rd_bytes(&r, s->pubkey, PUBKEY_LEN);
	s->parent_branch = rd_str(&r, 255);
	/* A ci's disk record and waves may follow (ci_tail_decode). */
	if (r.err || (r.off < r.len && *s->parent_branch != '\0') ||
	    ci_tail_decode(&r, NULL, NULL) == -1) {
		free(s->parent_branch);
		s->parent_branch = NULL;
		return -1;
	}
	return 0;
}

/* Past a ci payload's key and parent: 0, or -1 if they do not read. */
static int
ci_tail_start(const struct buf *b, struct rd *r)
{
	uint8_t		 pubkey[PUBKEY_LEN];
	char		*parent;

	rd_init(r, b->data, b->len);
	rd_bytes(r, pubkey, PUBKEY_LEN);
	parent = rd_str(r, 255);
	free(parent);
	return r->err ? -1 : 0;
}

int
ci_disk_decode(const struct buf *b, struct disk_info *k)
{
	struct rd	r;

	memset(k, 0, sizeof *k);
	if (ci_tail_start(b, &r) == -1 || ci_tail_decode(&r, k, NULL) == -1)
		return -1;
	return k->n > 0 ? 1 : 0;
}

int
ci_waves_decode(const struct buf *b, struct ci_waves *w)
{
	struct rd	r;

	memset(w, 0, sizeof *w);
	if (ci_tail_start(b, &r) == -1 || ci_tail_decode(&r, NULL, w) == -1)
		return -1;
	return w->n > 0 ? 1 : 0;
}

void
ci_waves_encode(const struct ci_waves *w, struct buf *b)
{
	size_t	i;

	buf_add_u32(b, CI_WAVES_TAG);
	buf_add_u8(b, (uint8_t)w->n);
	for (i = 0; i < w->n; i++)
		buf_add_str(b, w->names[i]);
}

/* The waves record at r (its tag first): 0, or -1 with nothing to free. */
static int
waves_decode_rd(struct rd *r, struct ci_waves *w)
{
	size_t	i, j, n;

	memset(w, 0, sizeof *w);
	if (rd_u32(r) != CI_WAVES_TAG)
		return -1;
	n = rd_u8(r);
	if (r->err || n == 0 || n > CI_WAVES_MAX)
		return -1;
	w->names = xcalloc(n, sizeof *w->names);
	for (i = 0; i < n; i++) {
		w->n = i + 1;
		w->names[i] = rd_str(r, 64);
		if (r->err || !name_valid(w->names[i]))
			goto bad;
		for (j = 0; j < i; j++)
			if (strcmp(w->names[j], w->names[i]) == 0)
				goto bad;
	}
	return 0;
bad:
	ci_waves_free(w);
	return -1;
}

void
ci_waves_free(struct ci_waves *w)
{
	size_t	i;

	for (i = 0; i < w->n; i++)
		free(w->names[i]);
	free(w->names);
	memset(w, 0, sizeof *w);
}

void
resolve_encode(const struct resolve_info *ri, struct buf *b)
{
	buf_add(b, ri->pubkey, PUBKEY_LEN);
	buf_add_str(b, ri->branch);
	buf_add_u64(b, ri->seq);
	buf_add(b, ri->winner, HASH_LEN);
	if (ri->order != 0)
		buf_add_u64(b, ri->order);
}

int
resolve_decode(const struct buf *b, struct resolve_info *ri)
{
	struct rd	r;

	memset(ri, 0, sizeof *ri);
	rd_init(&r, b->data, b->len);
	rd_bytes(&r, ri->pubkey, PUBKEY_LEN);
	ri->branch = rd_str(&r, 255);
	ri->seq = rd_u64(&r);
	rd_bytes(&r, ri->winner, HASH_LEN);
	/* Absent in decisions written before it; never 0 when present,
	 * so that each payload has one encoding. */
	if (!r.err && r.off < r.len && (ri->order = rd_u64(&r)) == 0)
		r.err = 1;
	if (rd_done(&r) == -1 || ri->seq == 0 || !name_valid(ri->branch)) {
		free(ri->branch);
		ri->branch = NULL;
		return -1;
	}
	return 0;
}

int
entry_signer(const struct entry *e, uint8_t pubkey[PUBKEY_LEN])
{
	struct sig_info		g;
	struct resolve_info	ri;

	if (e->kind == ENTRY_RESOLVE) {
		if (resolve_decode(&e->payload, &ri) == -1)
			return -1;
		memcpy(pubkey, ri.pubkey, PUBKEY_LEN);
		free(ri.branch);
		return 0;
	}
	if (sig_decode(&e->payload, &g) == -1)
		return -1;
	memcpy(pubkey, g.pubkey, PUBKEY_LEN);
	free(g.parent_branch);
	return 0;
}

int
journal_path_safe(const char *p)
{
	return path_safe(p);
}

static void	skip_detail(const struct skip_info *, struct buf *);

int
entry_payload_valid(const struct entry *e)
{
	struct snap_info	s;
	struct exec_info	x;
	struct sig_info		g;
	struct resolve_info	ri;
	struct skip_info	k;

	switch (e->kind) {
	case ENTRY_RESOLVE:
		if (resolve_decode(&e->payload, &ri) == -1)
			return 0;
		free(ri.branch);
		return 1;
	case ENTRY_SNAP:
		if (snap_decode(&e->payload, &s) == -1)
			return 0;
		snap_info_free(&s);
		return 1;
	case ENTRY_EXEC:
		if (exec_decode(&e->payload, &x) == -1)
			return 0;
		exec_info_free(&x);
		return 1;
	case ENTRY_CI:
	case ENTRY_FORK:
		if (sig_decode(&e->payload, &g) == -1)
			return 0;
		free(g.parent_branch);
		return 1;
	case ENTRY_SKIP:
		if (skip_decode(&e->payload, &k) == -1)
			return 0;
		skip_info_free(&k);
		return 1;

	case ENTRY_LOCK:
	case ENTRY_REBOOT:
		return e->payload.len == 0;
	}
	return 0;
}

char *
entry_detail(const struct entry *e)
{
	struct snap_info	 s;
	struct exec_info	 x;
	struct sig_info		 g;
	struct resolve_info	 ri;
	struct skip_info	 k;
	struct buf		 b;
	size_t			 i;

	buf_init(&b);
	if (e->kind == ENTRY_SNAP && snap_decode(&e->payload, &s) == 0) {
		buf_printf(&b, "%s", s.path);
		snap_info_free(&s);
	} else if (e->kind == ENTRY_EXEC &&
	    exec_decode(&e->payload, &x) == 0) {
		buf_add_argv(&b, x.argv, x.argc);	/* pasteable */
		exec_info_free(&x);
	} else if (e->kind == ENTRY_FORK && sig_decode(&e->payload, &g) == 0) {
		buf_printf(&b, "from %s", g.parent_branch);
		free(g.parent_branch);
	} else if (e->kind == ENTRY_RESOLVE &&
	    resolve_decode(&e->payload, &ri) == 0) {
		buf_printf(&b, "%s at entry %llu: ", ri.branch,
		    (unsigned long long)ri.seq);
		for (i = 0; i < 6; i++)
			buf_printf(&b, "%02x", ri.winner[i]);
		buf_printf(&b, " wins");
		free(ri.branch);
	} else if (e->kind == ENTRY_SKIP && skip_decode(&e->payload, &k) == 0) {
		skip_detail(&k, &b);
		skip_info_free(&k);
	}
	buf_add_u8(&b, 0);
	return (char *)b.data;
}

#define MAX_REASON	65536

void
skip_encode(const struct skip_info *k, struct buf *b)
{
	buf_add_u64(b, k->seq);
	buf_add(b, k->id, HASH_LEN);
	buf_add_str(b, k->reason);
}

int
skip_decode(const struct buf *b, struct skip_info *k)
{
	struct rd	r;

	memset(k, 0, sizeof *k);
	rd_init(&r, b->data, b->len);
	k->seq = rd_u64(&r);
	rd_bytes(&r, k->id, HASH_LEN);
	k->reason = rd_str(&r, MAX_REASON);
	if (rd_done(&r) == -1 || k->seq == 0) {
		skip_info_free(k);
		return -1;
	}
	return 0;
}

void
skip_info_free(struct skip_info *k)
{
	free(k->reason);
	memset(k, 0, sizeof *k);
}

/* "entry 5 (1a2b3c4d5e6f): why", for log and status. */
static void
skip_detail(const struct skip_info *k, struct buf *b)
{
	char	hex[13];

	hex_encode(hex, k->id, 6);
	buf_printf(b, "entry %llu (%s)%s%s", (unsigned long long)k->seq, hex,
	    *k->reason ? ": " : "", k->reason);
}
