/*
 * isconf bundle create FILE [BRANCH]: write a branch's journal and every
 * chunk its snaps need, MAC'd with the first hmac key when there is one.
 * The file is written under a temporary name (FILE.tmp.XXXXXX, 0600)
 * and renamed when complete.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "isconfd.h"
#include "bundle.h"
#include "keepers.h"

/* Collect the distinct chunks that the branch's snaps reference, and
 * their chunk list objects. */
static int
collect_chunks(struct isconfd *d, const char *branch, uint64_t head,
    struct hashset *hs, char **cause)
{
	struct entry	 e;
	uint64_t	 seq;
	int		 r;

	for (seq = 1; seq <= head; seq++) {
		if ((r = journal_get(d->journal, branch, seq, &e, cause)) == 0)
			set_cause(cause, "entry %s:%llu is gone", branch,
			    (unsigned long long)seq);
		if (r != 1)
			return -1;
		r = chunklist_add(d, hs, &e, cause);
		entry_free(&e);
		if (r == -1)
			return -1;
	}
	hashset_finish(hs);
	return 0;
}

static int
write_entries(struct isconfd *d, struct bio *b, const char *branch,
    uint64_t head, char **cause)
{
	struct buf	tmp, raw;
	struct entry	e;
	uint64_t	seq;

	buf_init(&tmp);
	buf_init(&raw);
	buf_add_u64(&tmp, head);
	bio_wbuf(b, &tmp);
	for (seq = 1; seq <= head; seq++) {
		if (journal_get(d->journal, branch, seq, &e, cause) != 1) {
			if (*cause == NULL)
				set_cause(cause, "entry %s:%llu is gone",
				    branch, (unsigned long long)seq);
			buf_free(&tmp);
			buf_free(&raw);
			return -1;
		}
		buf_reset(&raw);
		entry_encode(&e, &raw);
		buf_add_blob(&tmp, raw.data, raw.len);
		buf_add_u8(&tmp, e.has_sig);
		if (e.has_sig)
			buf_add(&tmp, e.sig, SIG_LEN);
		bio_wbuf(b, &tmp);
		entry_free(&e);
	}
	buf_free(&tmp);
	buf_free(&raw);
	return 0;
}

static int
write_chunks(struct isconfd *d, struct bio *b, struct hashset *hs,
    char **cause)
{
	struct buf	tmp, data;
	size_t		i;
	int		rv = -1;

	buf_init(&tmp);
	buf_init(&data);
	buf_add_u64(&tmp, hs->n);
	bio_wbuf(b, &tmp);
	for (i = 0; i < hs->n; i++) {
		if (cache_get(d->cache, hs->h[i], &data, cause) != 1) {
			if (*cause == NULL)
				set_cause(cause, "a chunk is missing from "
				    "this host's cache");
			goto out;
		}
		buf_add(&tmp, hs->h[i], HASH_LEN);
		buf_add_blob(&tmp, data.data, data.len);
		bio_wbuf(b, &tmp);
	}
	rv = 0;
out:
	buf_free(&tmp);
	buf_free(&data);
	return rv;
}

static int
write_trailer(struct isconfd *d, struct bio *b, char **cause)
{
	struct hmac_keys	keys;
	uint8_t			digest[HASH_LEN], mac[32], has;

	if (hmac_keys_load(d->conf.hmac_keys, &keys, cause) == -1)
		return -1;
	crypto_generichash_final(&b->st, digest, HASH_LEN);
	has = keys.n > 0;
	if (gzwrite(b->gz, &has, 1) != 1)
		b->err = 1;
	if (has) {
		bundle_mac(d, digest, keys.keys[0], mac);
		if (gzwrite(b->gz, mac, sizeof mac) != (int)sizeof mac)
			b->err = 1;
	}
	hmac_keys_free(&keys);
	return 0;
}

/* The bundle into fd, which this closes. */
static int
bundle_write(struct isconfd *d, int fd, const char *path, const char *branch,
    uint64_t *nentries, char **cause)
{
	struct bio	b;
	struct hashset	hs;
	struct jhead	h;
	struct buf	tmp;
	int		syncfd = -1, rv = -1;

	memset(&b, 0, sizeof b);
	memset(&hs, 0, sizeof hs);
	if (journal_head(d->journal, branch, &h, cause) == -1)
		goto out;
	*nentries = h.seq;
	if (collect_chunks(d, branch, h.seq, &hs, cause) == -1)
		goto out;
	/* gzclose closes fd: a duplicate is kept to fsync the file. */
	if ((syncfd = dup(fd)) == -1 || (b.gz = gzdopen(fd, "wb1")) == NULL) {
		set_cause(cause, "%s: %s", path, strerror(errno));
		goto out;
	}
	fd = -1;
	crypto_generichash_init(&b.st, NULL, 0, HASH_LEN);
	buf_init(&tmp);
	buf_add(&tmp, BUNDLE_MAGIC, strlen(BUNDLE_MAGIC));
	buf_add_u32(&tmp, BUNDLE_VERSION);
	buf_add_str(&tmp, d->conf.domain);
	buf_add_str(&tmp, branch);
	bio_wbuf(&b, &tmp);
	buf_free(&tmp);
	if (write_entries(d, &b, branch, h.seq, cause) == -1 ||
	    write_chunks(d, &b, &hs, cause) == -1 ||
	    write_trailer(d, &b, cause) == -1)
		goto out;
	if (gzclose(b.gz) != Z_OK || b.err || fsync(syncfd) == -1) {
		b.gz = NULL;
		set_cause(cause, "%s: write failed", path);
		goto out;
	}
	b.gz = NULL;
	rv = 0;
out:
	if (b.gz != NULL)
		gzclose(b.gz);
	if (fd != -1)
		close(fd);
	if (syncfd != -1)
		close(syncfd);
	hashset_free(&hs);
	return rv;
}

/*
 * The temporary gets a name no one can plant a link at (mkostemp:
 * O_EXCL, so never followed) and mode 0600: a bundle holds the content
 * of every snapped file, 0600 ones too.
 */
static void
bundle_create_write(struct client *c, const char *branch)
{
	struct isconfd	*d = c->d;
	char		*path, *tmp, *cause = NULL;
	uint64_t	 n = 0;
	int		 fd;

	path = client_path(c, c->req.argv[2]);
	xasprintf(&tmp, "%s.tmp.XXXXXX", path);
	if ((fd = mkostemp(tmp, O_CLOEXEC)) == -1) {
		client_err(c, "bundle create %s: %s", c->req.argv[2],
		    strerror(errno));
		client_exit(c, 1);
	} else if (bundle_write(d, fd, tmp, branch, &n, &cause) == -1 ||
	    rename(tmp, path) == -1) {
		client_err(c, "bundle create %s: %s", c->req.argv[2],
		    cause ? cause : strerror(errno));
		unlink(tmp);
		client_exit(c, 1);
	} else {
		client_info(c, "wrote bundle %s: branch %s, %llu %s",
		    path, branch, (unsigned long long)n,
		    n == 1 ? "entry" : "entries");
		client_exit(c, 0);
	}
	free(path);
	free(tmp);
	free(cause);
}

/* What the cache lacks of branch: 0 none, 1 some (told, with why),
 * -1 (told). */
static int
bundle_lacking(struct client *c, const char *branch, int told)
{
	struct lacking	 l;
	char		*cause = NULL;

	if (keepers_lacking(c->d, branch, &l, &cause) == -1) {
		client_err(c, "bundle create %s: %s", c->req.argv[2], cause);
		free(cause);
		return -1;
	}
	if (l.chunks == 0)
		return 0;
	if (told)
		client_err(c, "bundle create %s: %llu chunks (%llu bytes) of "
		    "%s are not in this host's cache and no peer sent them "
		    "(the first: %s, entry %llu)", c->req.argv[2],
		    (unsigned long long)l.chunks, (unsigned long long)l.bytes,
		    branch, l.path, (unsigned long long)l.seq);
	free(l.path);
	return 1;
}

static void
bundle_fetched_write(struct client *c)
{
	const char	*branch = c->req.argc > 3 ? c->req.argv[3] :
			    c->d->branch;

	switch (bundle_lacking(c, branch, 1)) {
	case 0:
		bundle_create_write(c, branch);
		break;
	default:
		client_exit(c, 1);
	}
}

#ifdef ISCONF_CRASH_HOOKS
static void
bundle_fetched_late(evutil_socket_t fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	bundle_fetched_write(arg);
}
#endif

/* A starved host fetched what it lacked (from keepers first). */
static void
bundle_fetched(struct isconfd *d, void *arg, int got)
{
	(void)got;
#ifdef ISCONF_CRASH_HOOKS
	/* A test widens the window between the fetch and the write, in
	 * which a prune must not drop what was fetched (cacheuse.c). */
	if (getenv("ISCONF_BUNDLE_DELAY_MS") != NULL) {
		struct timeval	tv;
		int		ms = atoi(getenv("ISCONF_BUNDLE_DELAY_MS"));

		tv.tv_sec = ms / 1000;
		tv.tv_usec = (ms % 1000) * 1000;
		if (event_base_once(d->base, -1, EV_TIMEOUT,
		    bundle_fetched_late, arg, &tv) == 0)
			return;
	}
#else
	(void)d;
#endif
	bundle_fetched_write(arg);
}

void
bundle_create(struct client *c)
{
	struct isconfd	*d = c->d;
	const char	*branch = c->req.argc > 3 ? c->req.argv[3] : d->branch;
	char		*cause = NULL;

	switch (journal_branch_exists(d->journal, branch, &cause)) {
	case -1:
		client_err(c, "bundle create: %s", cause);
		client_exit(c, 1);
		free(cause);
		return;
	case 0:
		client_err(c, "bundle create: no branch %s is known here",
		    branch);
		client_exit(c, 1);
		return;
	}
	switch (bundle_lacking(c, branch, 0)) {
	case -1:
		client_exit(c, 1);
		return;
	case 1:
		/* A starved cache (keepers.c): fetch the rest first. */
		sync_chunks_from(d, branch, 0, c, bundle_fetched, c);
		return;
	}
	bundle_create_write(c, branch);
}
