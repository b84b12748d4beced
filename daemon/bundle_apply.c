/*
 * isconf bundle apply FILE: check a bundle completely, then store its
 * chunks and the entries this host lacks.  Nothing is changed unless
 * every check passes; an entry that disagrees with the local journal at
 * the same place is a fork and is refused, naming both ids.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "isconfd.h"
#include "bundle.h"

/* What one reading of the file does. */
enum bundle_pass {
	PASS_AUTH,	/* keep one entry: chain, last signature, MAC */
	PASS_CHECK,	/* keep the entries, check everything */
	PASS_STORE,	/* store the chunks */
};

struct bundle_in {
	char		*domain;
	char		*branch;
	struct entry	*es;
	size_t		 n;
	struct entry	 last;		/* when the entries are not kept */
	uint64_t	 held;		/* what keeping them all takes */
	uint8_t		 digest[HASH_LEN];
	int		 have_digest;
};

static void
bundle_in_free(struct bundle_in *bi)
{
	free(bi->domain);
	free(bi->branch);
	journal_entries_free(bi->es, bi->n);
	entry_free(&bi->last);
	memset(bi, 0, sizeof *bi);
}

/* One entry and its signature; the chain up to it checked. */
static int
read_entry(struct bio *b, struct buf *raw, uint64_t i, uint8_t *prev,
    struct entry *e, char **cause)
{
	uint8_t	has;

	if (bio_blob(b, raw, BUNDLE_MAX_BLOB) == -1)
		return set_cause(cause, "truncated or malformed");
	if (entry_decode(raw->data, raw->len, e, cause) == -1)
		return -1;
	bio_read(b, &has, 1);
	if (has)
		bio_read(b, e->sig, SIG_LEN);
	e->has_sig = has == 1;
	if (b->err)
		return set_cause(cause, "truncated or malformed");
	if (e->seq != i + 1 || memcmp(e->parent, prev, HASH_LEN) != 0)
		return set_cause(cause, "hash chain broken at entry %llu",
		    (unsigned long long)(i + 1));
	if ((e->kind == ENTRY_CI || e->kind == ENTRY_FORK) && !e->has_sig)
		return set_cause(cause, "entry %llu is not signed",
		    (unsigned long long)e->seq);
	memcpy(prev, e->id, HASH_LEN);
	return 0;
}

static int
check_held(struct bundle_in *bi, char **cause)
{
	if (bi->held <= BUNDLE_MAX_HELD)
		return 0;
	return set_cause(cause, "its entries take more than %u MiB, the most "
	    "bundle apply holds in memory", BUNDLE_MAX_HELD >> 20);
}

/*
 * The entries, their chain checked as they are read.  Kept in bi->es
 * when keep is set, else only the last, in bi->last: its signature
 * covers the whole chain.  bi->held: what keeping them takes.
 */
static int
read_entries(struct isconfd *d, struct bio *b, struct bundle_in *bi,
    int keep, char **cause)
{
	struct buf	raw;
	struct entry	e;
	uint8_t		prev[HASH_LEN] = { 0 };
	uint64_t	n = bio_u64(b), i;
	int		rv = -1;

	if (b->err || n > 100000000)
		return set_cause(cause, "truncated or malformed");
	buf_init(&raw);
	memset(&e, 0, sizeof e);
	bi->held = 0;
	for (i = 0; i < n; i++) {
		entry_free(&e);
		if (read_entry(b, &raw, i, prev, &e, cause) == -1)
			goto out;
		bi->held += raw.len + sizeof e;
		if (keep && check_held(bi, cause) == -1)
			goto out;
		if (keep) {
			bi->es = xreallocarray(bi->es, bi->n + 1,
			    sizeof *bi->es);
			bi->es[bi->n++] = e;
			memset(&e, 0, sizeof e);
		}
	}
	if (keep) {
		/* Chain, signatures bound to their branch, trust: as for
		 * sync. */
		memset(prev, 0, sizeof prev);
		rv = entries_verify(d, bi->branch, bi->es, bi->n, prev, cause);
	} else {
		entry_free(&bi->last);
		bi->last = e;
		memset(&e, 0, sizeof e);
		rv = 0;
	}
out:
	entry_free(&e);
	buf_free(&raw);
	return rv;
}

/*
 * The last entry's signature and its signer's trust: it signs the last
 * id, which covers every entry before it through the hash chain read by
 * PASS_AUTH.  (A fork entry changes only the branch earlier signatures
 * are bound to; PASS_CHECK checks those.)
 */
static int
check_last(struct isconfd *d, struct bundle_in *bi, char **cause)
{
	if (bi->last.seq == 0)
		return 0;	/* no entries */
	return entries_verify(d, bi->branch, &bi->last, 1, bi->last.parent,
	    cause);
}

/* Read the chunks: checked, but for PASS_AUTH; stored in PASS_STORE;
 * marked in need (when given) if an entry needs them. */
static int
read_chunks(struct isconfd *d, struct bio *b, enum bundle_pass pass,
    struct hashset *need, char **cause)
{
	struct buf	data;
	uint8_t		hash[HASH_LEN], check[HASH_LEN];
	uint64_t	m = bio_u64(b), i;
	ssize_t		at;
	int		added, rv = -1;

	buf_init(&data);
	if (b->err)
		goto bad;
	for (i = 0; i < m; i++) {
		if (bio_read(b, hash, HASH_LEN) == -1 ||
		    bio_blob(b, &data, BUNDLE_MAX_BLOB) == -1)
			goto bad;
		if (pass == PASS_AUTH)
			continue;
		if (pass == PASS_STORE) {
			if (cache_put(d->cache, data.data, data.len, check,
			    &added, cause) == -1)
				goto out;
		} else
			crypto_generichash(check, HASH_LEN, data.data,
			    data.len, NULL, 0);
		if (memcmp(hash, check, HASH_LEN) != 0) {
			set_cause(cause, "chunk %llu does not match its hash",
			    (unsigned long long)i);
			goto out;
		}
		if (need != NULL && (at = hashset_find(need, hash)) != -1)
			need->found[at] = 1;
	}
	rv = 0;
	goto out;
bad:
	set_cause(cause, "truncated or malformed");
out:
	buf_free(&data);
	return rv;
}

/* 0 if the bundle holds hash, which entry e (a snap of path) needs as
 * what ("chunk", "chunk list"); else -1 and cause. */
static int
need_held(const struct hashset *need, const uint8_t *hash,
    const struct entry *e, const char *path, const char *what, char **cause)
{
	char	hex[2 * HASH_LEN + 1];
	ssize_t	at = hashset_find(need, hash);

	if (at != -1 && need->found[at])
		return 0;
	hex_encode(hex, hash, HASH_LEN);
	return set_cause(cause, "entry %llu (%s) needs %s %.16s, which the "
	    "bundle lacks", (unsigned long long)e->seq, path, what, hex);
}

/* Every chunk the entries' snaps need must be in the bundle (bundle
 * create puts them all in): else up would fail on this host later.  Of
 * a listed snap, its list objects: the chunks they name are not checked
 * here (bundle create puts them all in, and up names one missing). */
static int
check_needed(struct bundle_in *bi, struct hashset *need, char **cause)
{
	struct snap_info	s;
	size_t			i, k;
	int			rv = 0;

	for (i = 0; i < bi->n && rv == 0; i++) {
		if (bi->es[i].kind != ENTRY_SNAP ||
		    snap_decode(&bi->es[i].payload, &s) == -1)
			continue;
		for (k = 0; k < s.nchunks && rv == 0; k++)
			rv = need_held(need, s.chunks[k].hash, &bi->es[i],
			    s.path, "chunk", cause);
		for (k = 0; k < s.nlists && rv == 0; k++)
			rv = need_held(need, s.lists[k].hash, &bi->es[i],
			    s.path, "chunk list", cause);
		snap_info_free(&s);
	}
	return rv;
}

static int
check_mac(struct isconfd *d, struct bio *b, const uint8_t *digest,
    char **cause)
{
	struct hmac_keys	keys;
	uint8_t			has = 0, mac[32], want[32];
	size_t			i;
	int			rv = -1;

	if (gzread(b->gz, &has, 1) != 1 || (has && gzread(b->gz, mac,
	    sizeof mac) != (int)sizeof mac))
		return set_cause(cause, "truncated (no trailer)");
	if (gzread(b->gz, want, 1) != 0)
		return set_cause(cause, "trailing bytes after the %s",
		    has ? "MAC" : "trailer");
	if (hmac_keys_load(d->conf.hmac_keys, &keys, cause) == -1)
		return -1;
	if (keys.n == 0 || keys.any) {
		rv = 0;
		goto out;
	}
	for (i = 0; has && i < keys.n && rv == -1; i++) {
		bundle_mac(d, digest, keys.keys[i], want);
		if (sodium_memcmp(mac, want, sizeof mac) == 0)
			rv = 0;
	}
	if (rv == -1)
		set_cause(cause, has ? "HMAC does not match any key in %s" :
		    "not authenticated, and %s requires it", d->conf.hmac_keys);
out:
	hmac_keys_free(&keys);
	return rv;
}

/*
 * Every pass reads the one descriptor opened here: the file at the
 * path may be replaced between passes, the file opened may not.
 * Non-blocking, so that a FIFO there is refused, not waited on.
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

static int
bundle_read(struct isconfd *d, int fd, enum bundle_pass pass,
    struct bundle_in *bi, char **cause)
{
	struct bio	b;
	struct hashset	need;
	char		magic[sizeof BUNDLE_MAGIC - 1];
	uint8_t		v[4], digest[HASH_LEN];
	size_t		i;
	int		dupfd, rv = -1;

	memset(&b, 0, sizeof b);
	memset(&need, 0, sizeof need);
	if (pass == PASS_CHECK)
		PAUSE_POINT("bundle-passes");	/* a test renames the file */
	if (lseek(fd, 0, SEEK_SET) == -1 ||
	    (dupfd = fcntl(fd, F_DUPFD_CLOEXEC, 0)) == -1)
		return set_cause(cause, "%s", strerror(errno));
	if ((b.gz = gzdopen(dupfd, "rb")) == NULL) {	/* gzclose closes it */
		close(dupfd);
		return set_cause(cause, "zlib: out of memory");
	}
	crypto_generichash_init(&b.st, NULL, 0, HASH_LEN);
	if (bio_read(&b, magic, sizeof magic) == -1 ||
	    memcmp(magic, BUNDLE_MAGIC, sizeof magic) != 0 ||
	    bio_read(&b, v, 4) == -1 || get_u32(v) != BUNDLE_VERSION) {
		set_cause(cause, "not an isconf bundle (version %d)",
		    BUNDLE_VERSION);
		goto out;
	}
	free(bi->domain);
	free(bi->branch);
	if (bio_str(&b, &bi->domain) == -1 || bio_str(&b, &bi->branch) == -1) {
		set_cause(cause, "truncated or malformed header");
		goto out;
	}
	if (strcmp(bi->domain, d->conf.domain) != 0) {
		set_cause(cause, "bundle is for domain %s; this host is in %s",
		    bi->domain, d->conf.domain);
		goto out;
	}
	if (!name_valid(bi->branch)) {
		set_cause(cause, "bad branch name in bundle");
		goto out;
	}
	if (read_entries(d, &b, bi, pass == PASS_CHECK, cause) == -1)
		goto out;
	if (pass == PASS_CHECK) {
		for (i = 0; i < bi->n; i++)
			hashset_add_snap(&need, &bi->es[i]);
		hashset_finish(&need);
	}
	if (read_chunks(d, &b, pass, pass == PASS_CHECK ? &need : NULL,
	    cause) == -1 ||
	    (pass == PASS_CHECK && check_needed(bi, &need, cause) == -1))
		goto out;
	crypto_generichash_final(&b.st, digest, HASH_LEN);
	/* The MAC first: it says who made the file, the signature only
	 * who made the entries; then whether they can be held. */
	if (check_mac(d, &b, digest, cause) == -1 ||
	    (pass == PASS_AUTH && (check_last(d, bi, cause) == -1 ||
	    check_held(bi, cause) == -1)))
		goto out;
	if (bi->have_digest && memcmp(digest, bi->digest, HASH_LEN) != 0) {
		set_cause(cause, "the file changed while it was applied");
		goto out;
	}
	memcpy(bi->digest, digest, HASH_LEN);
	bi->have_digest = 1;
	rv = 0;
out:
	gzclose(b.gz);
	hashset_free(&need);
	return rv;
}

/* Compare with the local journal; *from receives the first new index. */
static int
bundle_agree(struct isconfd *d, struct bundle_in *bi, size_t *from,
    char **cause)
{
	struct jhead	h;
	struct entry	e;
	char		a[13], b[13];
	size_t		i;

	if (journal_head(d->journal, bi->branch, &h, cause) == -1)
		return -1;
	for (i = 0; i < bi->n && i < h.seq; i++) {
		if (journal_get(d->journal, bi->branch, i + 1, &e, cause) != 1)
			return *cause != NULL ? -1 : set_cause(cause, "entry "
			    "%s:%zu is gone", bi->branch, i + 1);
		if (memcmp(e.id, bi->es[i].id, HASH_LEN) != 0) {
			id_short(a, e.id);
			id_short(b, bi->es[i].id);
			entry_free(&e);
			return set_cause(cause, "fork: entry %zu of %s is %s "
			    "here but %s in the bundle; nothing applied",
			    i + 1, bi->branch, a, b);
		}
		entry_free(&e);
	}
	*from = i;
	return 0;
}

static int
store_all(struct isconfd *d, int fd, struct bundle_in *bi, size_t from,
    char **cause)
{
	if (cache_begin(d->cache, cause) == -1)
		return -1;
	if (bundle_read(d, fd, PASS_STORE, bi, cause) == -1) {
		cache_rollback(d->cache);
		return -1;
	}
	if (cache_commit(d->cache, cause) == -1)
		return -1;
	CRASH_POINT("bundle-apply");	/* chunks stored, entries not */
	if (from >= bi->n)
		return 0;
	return journal_append(d->journal, bi->branch, bi->es + from,
	    bi->n - from, 0, cause);
}

void
bundle_apply(struct client *c)
{
	struct isconfd		*d = c->d;
	struct bundle_in	 bi;
	char			*path, *cause = NULL;
	size_t			 from = 0;
	int			 fd = -1;

	memset(&bi, 0, sizeof bi);
	path = client_path(c, c->req.argv[2]);
	/* A first pass keeps one entry: entries are kept (a whole
	 * journal) only once the MAC, when hmac_keys requires one, and the
	 * last entry's signature say who made them. */
	if ((fd = bundle_open(path, &cause)) == -1 ||
	    bundle_read(d, fd, PASS_AUTH, &bi, &cause) == -1 ||
	    bundle_read(d, fd, PASS_CHECK, &bi, &cause) == -1 ||
	    bio_check_end(fd, &cause) == -1 ||
	    bundle_agree(d, &bi, &from, &cause) == -1 ||
	    store_all(d, fd, &bi, from, &cause) == -1) {
		client_err(c, "bundle apply %s: %s", c->req.argv[2], cause);
		client_exit(c, 1);
		goto out;
	}
	if (from >= bi.n)
		client_info(c, "bundle holds nothing new for %s (%zu entries)",
		    bi.branch, bi.n);
	else
		client_info(c, "applied bundle: %zu new entries on %s, head "
		    "%zu%s", bi.n - from, bi.branch, bi.n,
		    strcmp(bi.branch, d->branch) == 0 ? "; run 'isconf up'" :
		    "");
	mesh_announce(d, ANNOUNCE_NEWS);
	client_exit(c, 0);
out:
	if (fd != -1)
		close(fd);
	bundle_in_free(&bi);
	free(path);
	free(cause);
}
