/*
 * isconf bundle apply FILE: check a bundle completely, then store its
 * chunks and the entries this host lacks.  No entry is stored unless
 * every check passes; an entry that disagrees with the local journal at
 * the same place is a fork and is refused, naming both ids.
 *
 * A bundle may hold a journal of any length, so nothing of it is held
 * but one entry or chunk at a time and a small batch: the new entries
 * are staged on disk (journal/stage.c, run "bundle"), never visible as
 * journal entries, and move into the journal in one transaction once
 * everything verified; they are dropped on any failure.  The work is a
 * job split across loop turns (BUNDLE_SLICE_MS each), so the daemon
 * answers its peers and clients meanwhile; the client waits.
 *
 * The first pass reads the file keeping one entry: the hash chain, the
 * MAC when hmac_keys requires one, the last entry's signature and its
 * signer's trust (that signature covers every entry before it).  Only
 * then does the second pass stage the new entries, compare the others
 * with the journal, and store the chunks (checked against their hash;
 * content-addressed, and used by no entry until one is stored).  Then
 * every staged signature is checked, bound to its branch, and every
 * chunk a staged snap needs must be held; then the commit.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "isconfd.h"
#include "bundle.h"

#define BUNDLE_RUN		"bundle"	/* its staging key */
#define BUNDLE_SLICE_MS		20		/* work per loop turn */
#define BUNDLE_BATCH_BYTES	(1u << 20)	/* in memory, then staged */
#define BUNDLE_BATCH_ENTRIES	1024
#define BUNDLE_WALK		256		/* staged rows per step */

enum bundle_pass {
	PASS_AUTH,	/* keep one entry: chain, last signature, MAC */
	PASS_CHECK,	/* stage, compare, store chunks */
};

enum bundle_step {
	STEP_HEADER,
	STEP_ENTRIES,
	STEP_CHUNKS,
	STEP_TRAILER,
	STEP_SIGS,	/* staged signatures, newest first */
	STEP_NEEDED,	/* staged snaps' chunks held */
	STEP_COMMIT,
};

struct bundle_job {
	struct isconfd		*d;
	struct client		*c;
	char			*name;		/* as given, for messages */
	int			 fd;
	struct event		*ev;
	enum bundle_pass	 pass;
	enum bundle_step	 step;
	struct bio		 b;
	struct buf		 raw;
	char			*domain;
	char			*branch;
	uint64_t		 n, i;		/* entries, the next */
	uint64_t		 m, k;		/* chunks, the next */
	uint8_t			 prev[HASH_LEN];
	struct entry		 last;
	uint8_t			 digest[HASH_LEN];
	struct jhead		 head;		/* ours at the second pass */
	struct entry		*batch;
	size_t			 nbatch;
	size_t			 batch_bytes;
	uint64_t		 staged_bytes;
	uint64_t		 cursor;	/* STEP_SIGS, STEP_NEEDED */
	char			*bound;		/* STEP_SIGS */
	char			*signed_for;	/* the origin of a copy */
	int			 origin_new;	/* recorded at the commit */
};

static void	job_free(struct bundle_job *);

/* One entry and its signature; the chain up to it checked. */
static int
read_entry(struct bundle_job *j, struct entry *e, char **cause)
{
	struct bio	*b = &j->b;
	uint8_t		 has;

	switch (bio_blob(b, &j->raw, BUNDLE_MAX_ENTRY)) {
	case -2:
		return set_cause(cause, "entry %llu is larger than %u MiB, "
		    "the most bundle apply reads", (unsigned long long)j->i + 1,
		    BUNDLE_MAX_ENTRY >> 20);
	case -1:
		return set_cause(cause, "truncated or malformed");
	}
	if (entry_decode(j->raw.data, j->raw.len, e, cause) == -1)
		return -1;
	bio_read(b, &has, 1);
	if (has)
		bio_read(b, e->sig, SIG_LEN);
	e->has_sig = has == 1;
	if (b->err)
		return set_cause(cause, "truncated or malformed");
	if (e->seq != j->i + 1 || memcmp(e->parent, j->prev, HASH_LEN) != 0)
		return set_cause(cause, "hash chain broken at entry %llu",
		    (unsigned long long)(j->i + 1));
	if (entry_signed_kind(e->kind) && !e->has_sig)
		return set_cause(cause, "entry %llu is not signed",
		    (unsigned long long)e->seq);
	memcpy(j->prev, e->id, HASH_LEN);
	return 0;
}

static void
batch_clear(struct bundle_job *j)
{
	journal_entries_free(j->batch, j->nbatch);
	j->batch = NULL;
	j->nbatch = 0;
	j->batch_bytes = 0;
}

static int
batch_flush(struct bundle_job *j, char **cause)
{
	if (j->nbatch > 0 && journal_stage_put(j->d->journal, j->branch,
	    BUNDLE_RUN, j->batch, j->nbatch, cause) == -1)
		return -1;
	j->staged_bytes += j->batch_bytes;
	batch_clear(j);
	return 0;
}

/* An entry we have: the same id, or a fork. */
static int
agree(struct bundle_job *j, const struct entry *theirs, char **cause)
{
	struct entry	e;
	char		a[13], b[13];
	int		same;

	if (journal_get(j->d->journal, j->branch, theirs->seq, &e,
	    cause) != 1)
		return *cause != NULL ? -1 : set_cause(cause, "entry %s:%llu "
		    "is gone", j->branch, (unsigned long long)theirs->seq);
	same = memcmp(e.id, theirs->id, HASH_LEN) == 0;
	id_short(a, e.id);
	id_short(b, theirs->id);
	entry_free(&e);
	if (same)
		return 0;
	return set_cause(cause, "fork: entry %llu of %s is %s here but %s in "
	    "the bundle; nothing applied", (unsigned long long)theirs->seq,
	    j->branch, a, b);
}

/* The second pass: compared if we have it, else batched for staging. */
static int
take_entry(struct bundle_job *j, struct entry *e, char **cause)
{
	if (e->seq <= j->head.seq)
		return agree(j, e, cause);
	j->batch = xreallocarray(j->batch, j->nbatch + 1, sizeof *j->batch);
	j->batch[j->nbatch++] = *e;
	j->batch_bytes += j->raw.len;
	memset(e, 0, sizeof *e);
	if (j->staged_bytes + j->batch_bytes > TEST_KNOB("ISCONF_STAGE_MAX",
	    BUNDLE_STAGE_MAX))
		return set_cause(cause, "its new entries take more than %llu "
		    "MiB, the most bundle apply stages",
		    (unsigned long long)TEST_KNOB("ISCONF_STAGE_MAX",
		    BUNDLE_STAGE_MAX) >> 20);
	if (j->batch_bytes >= BUNDLE_BATCH_BYTES ||
	    j->nbatch >= BUNDLE_BATCH_ENTRIES)
		return batch_flush(j, cause);
	return 0;
}

static int
step_header(struct bundle_job *j, char **cause)
{
	struct bio	*b = &j->b;
	char		 magic[sizeof BUNDLE_MAGIC - 1];
	uint8_t		 v[4];

	if (j->pass == PASS_CHECK)
		PAUSE_POINT("bundle-passes");	/* a test renames the file */
	bio_close(b);
	if (lseek(j->fd, 0, SEEK_SET) == -1)
		return set_cause(cause, "%s", strerror(errno));
	bio_open(b, j->fd);
	if (bio_read(b, magic, sizeof magic) == -1 ||
	    memcmp(magic, BUNDLE_MAGIC, sizeof magic) != 0 ||
	    bio_read(b, v, 4) == -1 || get_u32(v) != BUNDLE_VERSION)
		return set_cause(cause, "not an isconf bundle (version %d)",
		    BUNDLE_VERSION);
	free(j->domain);
	free(j->branch);
	j->domain = j->branch = NULL;
	if (bio_str(b, &j->domain) == -1 || bio_str(b, &j->branch) == -1)
		return set_cause(cause, "truncated or malformed header");
	if (strcmp(j->domain, j->d->conf.domain) != 0)
		return set_cause(cause, "bundle is for domain %s; this host is "
		    "in %s", j->domain, j->d->conf.domain);
	if (!name_valid(j->branch))
		return set_cause(cause, "bad branch name in bundle");
	j->n = bio_u64(b);
	if (b->err || j->n > 100000000)
		return set_cause(cause, "truncated or malformed");
	j->i = 0;
	memset(j->prev, 0, sizeof j->prev);
	if (j->pass == PASS_CHECK) {
		/* What an apply that crashed staged is not ours. */
		if (journal_stage_drop(j->d->journal, j->branch, BUNDLE_RUN,
		    cause) == -1 || journal_head(j->d->journal, j->branch,
		    &j->head, cause) == -1)
			return -1;
		j->staged_bytes = 0;
	}
	j->step = STEP_ENTRIES;
	return 0;
}

static int
step_entries(struct bundle_job *j, char **cause)
{
	struct entry	e;
	int		rv;

	if (j->i == j->n) {
		if (j->pass == PASS_CHECK && batch_flush(j, cause) == -1)
			return -1;
		j->m = bio_u64(&j->b);
		if (j->b.err)
			return set_cause(cause, "truncated or malformed");
		j->k = 0;
		j->step = STEP_CHUNKS;
		return 0;
	}
	memset(&e, 0, sizeof e);
	if ((rv = read_entry(j, &e, cause)) == 0) {
		j->i++;
		if (j->pass == PASS_CHECK)
			rv = take_entry(j, &e, cause);
		else {
			entry_free(&j->last);
			j->last = e;
			memset(&e, 0, sizeof e);
		}
	}
	entry_free(&e);
	return rv;
}

/* One chunk: checked against its hash and stored in the second pass. */
static int
step_chunks(struct bundle_job *j, char **cause)
{
	struct bio	*b = &j->b;
	uint8_t		 hash[HASH_LEN], check[HASH_LEN];
	int		 added;

	if (j->k == j->m) {
		j->step = STEP_TRAILER;
		return 0;
	}
	if (bio_read(b, hash, HASH_LEN) == -1 ||
	    bio_blob(b, &j->raw, CHUNK_MAX) != 0)
		return set_cause(cause, "truncated or malformed");
	if (j->pass == PASS_CHECK) {
		if (cache_put(j->d->cache, j->raw.data, j->raw.len, check,
		    &added, cause) == -1)
			return -1;
		if (memcmp(hash, check, HASH_LEN) != 0)
			return set_cause(cause, "chunk %llu does not match its "
			    "hash", (unsigned long long)j->k);
	}
	j->k++;
	return 0;
}

static int
check_mac(struct bundle_job *j, const uint8_t *digest, char **cause)
{
	struct hmac_keys	keys;
	uint8_t			has = 0, mac[32], want[32];
	size_t			i;
	int			rv = -1;

	if (bio_raw(&j->b, &has, 1) != 1 || (has && bio_raw(&j->b, mac,
	    sizeof mac) != sizeof mac))
		return set_cause(cause, "truncated (no trailer)");
	if (bio_end(&j->b, has ? "MAC" : "trailer", cause) == -1)
		return -1;
	if (hmac_keys_load(j->d->conf.hmac_keys, &keys, cause) == -1)
		return -1;
	if (keys.n == 0 || keys.any) {
		rv = 0;
		goto out;
	}
	for (i = 0; has && i < keys.n && rv == -1; i++) {
		bundle_mac(j->d, digest, keys.keys[i], want);
		if (sodium_memcmp(mac, want, sizeof mac) == 0)
			rv = 0;
	}
	if (rv == -1)
		set_cause(cause, has ? "HMAC does not match any key in %s" :
		    "not authenticated, and %s requires it",
		    j->d->conf.hmac_keys);
out:
	hmac_keys_free(&keys);
	return rv;
}

/* The last entry verifies for branch: 0, or -1 and cause. */
static int
last_verifies(struct bundle_job *j, const char *branch, char **cause)
{
	return entries_verify(j->d, branch, &j->last, 1, j->last.parent,
	    cause);
}

/*
 * The branch the signatures were made for (doc/design.md, "Signatures
 * cover the branch"): a fork copy's origin, as this host recorded it.
 * A copy not recorded here (a host that never saw it: bundles are for
 * such hosts) is taken as a copy of a branch it is named after (COPY is
 * ORIGIN.fork-ID, as sync.c takes a peer's ORIGIN frame): each such
 * name, longest first, until the last signature verifies for one; that
 * one is recorded at the commit.
 */
static int
bundle_origin(struct bundle_job *j, char **cause)
{
	char		*try, *why = NULL;
	const char	*p;
	size_t		 n;

	if (branch_origin(j->d, j->branch, &j->signed_for, cause) == -1)
		return -1;
	if (j->last.seq == 0 || last_verifies(j, j->signed_for, cause) == 0 ||
	    strcmp(j->signed_for, j->branch) != 0)
		return *cause == NULL ? 0 : -1;
	for (n = strlen(j->branch); n > 0; n--) {
		p = j->branch + n - 1;
		if (strncmp(p, ".fork-", 6) != 0)
			continue;
		try = xstrndup(j->branch, (size_t)(p - j->branch));
		if (branch_copy_of(j->branch, try) &&
		    last_verifies(j, try, &why) == 0) {
			free(j->signed_for);
			j->signed_for = try;
			j->origin_new = 1;
			free(*cause);
			*cause = NULL;
			return 0;
		}
		free(why);
		why = NULL;
		free(try);
	}
	return -1;
}

/*
 * The end of a pass.  The MAC first: it says who made the file, the
 * signature only who made the entries.  The first pass then checks the
 * last entry's signature and its signer's trust: it signs the last id,
 * which covers every entry before it through the hash chain.  The
 * second must have read the same bytes.
 */
static int
step_trailer(struct bundle_job *j, char **cause)
{
	uint8_t	digest[HASH_LEN];

	crypto_generichash_final(&j->b.st, digest, HASH_LEN);
	if (check_mac(j, digest, cause) == -1)
		return -1;
	bio_close(&j->b);
	if (j->pass == PASS_AUTH) {
		if (bundle_origin(j, cause) == -1)
			return -1;
		memcpy(j->digest, digest, HASH_LEN);
		j->pass = PASS_CHECK;
		j->step = STEP_HEADER;
		return 0;
	}
	if (memcmp(digest, j->digest, HASH_LEN) != 0)
		return set_cause(cause, "the file changed while it was "
		    "applied");
	if (cache_flush(j->d->cache, cause) == -1)
		return -1;
	j->cursor = j->n + 1;
	j->bound = xstrdup(j->signed_for);
	j->step = STEP_SIGS;
	return 0;
}

/* The staged signatures (head, n], newest first, a few at a time. */
static int
step_sigs(struct bundle_job *j, char **cause)
{
	uint64_t	lo;

	if (j->cursor <= j->head.seq + 1) {
		j->cursor = j->head.seq;
		j->step = STEP_NEEDED;
		return 0;
	}
	lo = j->cursor > j->head.seq + BUNDLE_WALK ? j->cursor - BUNDLE_WALK :
	    j->head.seq;
	if (stage_verify(j->d, j->branch, BUNDLE_RUN, lo, j->cursor,
	    &j->bound, cause) == -1)
		return -1;
	j->cursor = lo + 1;
	return 0;
}

/* 0 if the cache holds hash, which entry e (a snap of path) needs as
 * what ("chunk", "chunk list"); else -1 and cause. */
static int
need_held(struct bundle_job *j, const uint8_t *hash, const struct entry *e,
    const char *path, const char *what, char **cause)
{
	char	hex[2 * HASH_LEN + 1];
	int	r;

	if ((r = cache_has(j->d->cache, hash, cause)) == 1)
		return 0;
	if (r == 0) {
		hex_encode(hex, hash, HASH_LEN);
		set_cause(cause, "entry %llu (%s) needs %s %.16s, which the "
		    "bundle lacks", (unsigned long long)e->seq, path, what,
		    hex);
	}
	return -1;
}

/* Every chunk an entry needs must be held (the bundle had them, as
 * bundle create puts them all in): else up would fail here later.  Of
 * a listed snap, its list objects: the chunks they name are not checked
 * here (bundle create puts them all in, and up names one missing). */
static int
check_needed(void *arg, const struct entry *e, char **cause)
{
	struct bundle_job	*j = arg;
	struct snap_info	 s;
	size_t			 k;
	int			 rv = 0;

	if (e->kind != ENTRY_SNAP || snap_decode(&e->payload, &s) == -1)
		return 0;
	for (k = 0; k < s.nchunks && rv == 0; k++)
		rv = need_held(j, s.chunks[k].hash, e, s.path, "chunk", cause);
	for (k = 0; k < s.nlists && rv == 0; k++)
		rv = need_held(j, s.lists[k].hash, e, s.path, "chunk list",
		    cause);
	snap_info_free(&s);
	return rv;
}

static int
step_needed(struct bundle_job *j, char **cause)
{
	uint64_t	hi = j->cursor + BUNDLE_WALK;

	if (j->cursor >= j->n) {
		j->step = STEP_COMMIT;
		return 0;
	}
	if (hi > j->n + 1)
		hi = j->n + 1;
	if (journal_stage_walk(j->d->journal, j->branch, BUNDLE_RUN,
	    j->cursor, hi, ENTRY_SNAP, check_needed, j, cause) == -1)
		return -1;
	j->cursor = hi - 1;
	return 0;
}

static int
step_commit(struct bundle_job *j, char **cause)
{
	struct client	*c = j->c;

	CRASH_POINT("bundle-apply");	/* chunks stored, entries staged */
	/* The origin first: a copy without it would not verify. */
	if (j->n > j->head.seq && ((j->origin_new && branch_origin_set(j->d,
	    j->branch, j->signed_for, cause) == -1) ||
	    journal_stage_commit(j->d->journal, j->branch, BUNDLE_RUN,
	    j->branch, j->n, NULL, 0, cause) == -1))
		return -1;
	if (j->n <= j->head.seq)
		client_info(c, "bundle holds nothing new for %s (%llu "
		    "entries)", j->branch, (unsigned long long)j->n);
	else
		client_info(c, "applied bundle: %llu new entries on %s, head "
		    "%llu%s", (unsigned long long)(j->n - j->head.seq),
		    j->branch, (unsigned long long)j->n,
		    strcmp(j->branch, j->d->branch) == 0 ?
		    "; run 'isconf up'" : "");
	if (j->n > j->head.seq)
		sync_stored_news(j->d, j->branch, j->signed_for);
	mesh_announce(j->d, ANNOUNCE_NEWS);
	return 1;
}

/* -1 refused, 0 more to do, 1 done. */
static int
job_step(struct bundle_job *j, char **cause)
{
	switch (j->step) {
	case STEP_HEADER:
		return step_header(j, cause);
	case STEP_ENTRIES:
		return step_entries(j, cause);
	case STEP_CHUNKS:
		return step_chunks(j, cause);
	case STEP_TRAILER:
		return step_trailer(j, cause);
	case STEP_SIGS:
		return step_sigs(j, cause);
	case STEP_NEEDED:
		return step_needed(j, cause);
	case STEP_COMMIT:
		return step_commit(j, cause);
	}
	return set_cause(cause, "bad step");
}

static int64_t
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A slice of the work, then back to the loop. */
static void
job_run(evutil_socket_t fd, short events, void *arg)
{
	struct bundle_job	*j = arg;
	struct timeval		 zero = { 0, 0 };
	char			*cause = NULL;
	int64_t			 end = now_ms() + BUNDLE_SLICE_MS;
	int			 r = 0;

	(void)fd;
	(void)events;
	while (r == 0 && now_ms() < end)
		r = job_step(j, &cause);
	if (r == 0) {
		evtimer_add(j->ev, &zero);
		return;
	}
	if (r == -1) {
		client_err(j->c, "bundle apply %s: %s", j->name, cause);
		free(cause);
	}
	client_exit(j->c, r == 1 ? 0 : 1);
	j->d->bundle = NULL;
	job_free(j);
}

/* Whatever it staged is dropped: nothing of a bundle not applied. */
static void
job_free(struct bundle_job *j)
{
	char	*cause = NULL;

	if (j->branch != NULL && journal_stage_drop(j->d->journal, j->branch,
	    BUNDLE_RUN, &cause) == -1) {
		log_warnx("dropping the staged entries of a bundle: %s", cause);
		free(cause);
	}
	event_free(j->ev);
	bio_close(&j->b);
	if (j->fd != -1)
		close(j->fd);
	batch_clear(j);
	entry_free(&j->last);
	buf_free(&j->raw);
	free(j->domain);
	free(j->branch);
	free(j->bound);
	free(j->signed_for);
	free(j->name);
	free(j);
}

/* The daemon stops: the apply in progress is abandoned. */
void
bundle_apply_stop(struct isconfd *d)
{
	if (d->bundle == NULL)
		return;
	client_err(d->bundle->c, "bundle apply %s: the daemon is stopping",
	    d->bundle->name);
	client_exit(d->bundle->c, 1);
	job_free(d->bundle);
	d->bundle = NULL;
}

/*
 * The file is opened once (non-blocking, so that a FIFO there is
 * refused, not waited on) and every pass reads that descriptor from
 * its start: the file at the path may be replaced between passes, the
 * file opened may not.
 */
static int
bundle_open(const char *path, char **cause)
{
	struct stat	sb;
	int		fd;

	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY |
	    O_CLOEXEC)) == -1)
		return set_cause(cause, "%s", strerror(errno));
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return set_cause(cause, "not a regular file");
	}
	return fd;
}

void
bundle_apply(struct client *c)
{
	struct isconfd		*d = c->d;
	struct bundle_job	*j;
	struct timeval		 zero = { 0, 0 };
	char			*path, *cause = NULL;
	int			 fd;

	path = client_path(c, c->req.argv[2]);
	fd = bundle_open(path, &cause);
	free(path);
	if (fd == -1) {
		client_err(c, "bundle apply %s: %s", c->req.argv[2], cause);
		client_exit(c, 1);
		free(cause);
		return;
	}
	j = xcalloc(1, sizeof *j);
	j->d = d;
	j->c = c;
	j->name = xstrdup(c->req.argv[2]);
	j->fd = fd;
	j->b.fd = -1;
	buf_init(&j->raw);
	j->ev = evtimer_new(d->base, job_run, j);
	d->bundle = j;
	evtimer_add(j->ev, &zero);
}
