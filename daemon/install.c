/*
 * Installing a snapped object under IS_ROOT.  Its parent directory is
 * resolved beneath IS_ROOT as if IS_ROOT were "/" (state.c, inroot.c)
 * and all the work goes through that directory's descriptor; the last
 * component is never followed, so a journaled link replaces whatever
 * is there.  Files are written to a temporary beside their final name
 * (tmp_name; O_EXCL|O_NOFOLLOW, 0600 until they get their own owner and
 * mode), checked against the journaled hash, given owner, mode and
 * mtime, fsync'd and renamed into place, so a crash never leaves a
 * half-written file at the final path; install_cleanup removes the
 * temporary at the next start.  Missing parent directories are made
 * with the modes they had on the origin.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "isconfd.h"

/*
 * The temporary for base in the same directory: of fixed length, since
 * base itself may be NAME_MAX long, and derived from base alone, so
 * install_cleanup finds it again from the journal.
 */
static char *
tmp_name(const char *base)
{
	uint8_t	h[HASH_LEN];
	char	hex[2 * HASH_LEN + 1], *tmp;

	crypto_generichash(h, sizeof h, (const uint8_t *)base, strlen(base),
	    NULL, 0);
	hex_encode(hex, h, sizeof h);
	xasprintf(&tmp, ".isconf-tmp.%.16s", hex);
	return tmp;
}

/* Owner first: chown clears setuid and setgid, chmod sets them again. */
static int
set_owner_mode(int fd, const char *path, const struct snap_owner *o,
    char **cause)
{
	if (fchown(fd, o->uid, o->gid) == -1) {
		if (geteuid() == 0 || errno != EPERM)
			return set_cause(cause, "chown %s: %s", path,
			    strerror(errno));
		log_debug("not root: %s keeps its owner", path);
	}
	if (fchmod(fd, o->mode) == -1)
		return set_cause(cause, "chmod %s: %s", path, strerror(errno));
	return 0;
}

/* One missing parent directory, made as it was on the origin: under
 * its tmp_name, renamed once it has its owner and mode, so a crash
 * never leaves it in place with 0700 (install_cleanup removes it). */
static int
make_parent(struct isconfd *d, const struct snap_parent *p, char **cause)
{
	struct stat	 sb;
	char		*base, *real, *tmp;
	int		 dirfd, fd, rv = 0;

	if ((dirfd = state_root_openparent(d, p->path, &base, cause)) == -1)
		return -1;
	/* There already, a link to a directory too: resolving the
	 * object's own parent follows it, inside IS_ROOT. */
	if (fstatat(dirfd, base, &sb, AT_SYMLINK_NOFOLLOW) == 0)
		goto out;
	real = state_root_path(d, p->path);
	tmp = tmp_name(base);
	unlinkat(dirfd, tmp, AT_REMOVEDIR);	/* only if empty */
	if (mkdirat(dirfd, tmp, 0700) == -1 || (fd = openat(dirfd, tmp,
	    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) == -1)
		rv = set_cause(cause, "mkdir %s: %s", real, strerror(errno));
	else {
		CRASH_POINT("make-parent");
		rv = set_owner_mode(fd, real, &p->own, cause);
		close(fd);
		if (rv == 0 && renameat(dirfd, tmp, dirfd, base) == -1)
			rv = set_cause(cause, "rename to %s: %s", real,
			    strerror(errno));
		if (rv == -1)
			unlinkat(dirfd, tmp, AT_REMOVEDIR);
	}
	free(tmp);
	free(real);
out:
	close(dirfd);
	free(base);
	return rv;
}

static int
make_parents(struct isconfd *d, const struct snap_info *s, char **cause)
{
	size_t	i;

	for (i = 0; i < s->nparents; i++)
		if (make_parent(d, &s->parents[i], cause) == -1)
			return -1;
	return 0;
}

/* A short write is retried: the retry reports the real error. */
static int
write_all(int fd, const uint8_t *p, size_t len)
{
	ssize_t	w;

	while (len > 0) {
		if ((w = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

static int
write_chunks(struct isconfd *d, int fd, const struct snap_info *s,
    char **cause)
{
	crypto_generichash_state	 st;
	struct buf			 b;
	uint8_t				 hash[HASH_LEN];
	char				 hex[2 * HASH_LEN + 1];
	size_t				 i;
	int				 r, rv = -1;

	buf_init(&b);
	crypto_generichash_init(&st, NULL, 0, HASH_LEN);
	/* Each chunk was checked when it was stored; the whole-file hash
	 * below checks them all again, so they are not hashed one by one
	 * here as well (a third BLAKE2b pass, a quarter of a fetching
	 * host's CPU).  Only on a mismatch are they, to name the bad one. */
	for (i = 0; i < s->nchunks; i++) {
		if ((r = cache_get_unchecked(d->cache, s->chunks[i].hash, &b,
		    cause)) != 1) {
			hex_encode(hex, s->chunks[i].hash, HASH_LEN);
			if (r == 0)
				set_cause(cause, "chunk %.16s of %s is not in "
				    "the cache", hex, s->path);
			goto out;
		}
		crypto_generichash_update(&st, b.data, b.len);
		if (write_all(fd, b.data, b.len) == -1) {
			set_cause(cause, "write %s: %s", s->path,
			    strerror(errno));
			goto out;
		}
	}
	crypto_generichash_final(&st, hash, HASH_LEN);
	if (memcmp(hash, s->hash, HASH_LEN) != 0) {
		for (i = 0; i < s->nchunks; i++)
			if (cache_get(d->cache, s->chunks[i].hash, &b,
			    cause) == -1)
				goto out;	/* names the corrupt chunk */
		set_cause(cause, "%s: assembled content does not match the "
		    "journaled hash", s->path);
		goto out;
	}
	rv = 0;
out:
	buf_free(&b);
	return rv;
}

/* Where an object goes: its resolved parent and names in it. */
struct place {
	int	 dirfd;
	char	*base;		/* last component, never followed */
	char	*tmp;		/* tmp_name(base) */
	char	*real;		/* the path, for messages */
};

static int
install_file(struct isconfd *d, const struct snap_info *s,
    const struct place *pl, char **cause)
{
	struct timespec	ts[2];
	int		fd, rv = -1;

	unlinkat(pl->dirfd, pl->tmp, 0);
	fd = openat(pl->dirfd, pl->tmp, O_WRONLY | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd == -1)
		return set_cause(cause, "%s (as %s): %s", pl->real, pl->tmp,
		    strerror(errno));
	ts[0].tv_sec = ts[1].tv_sec = s->mtime_sec;
	ts[0].tv_nsec = ts[1].tv_nsec = s->mtime_nsec;
	if (write_chunks(d, fd, s, cause) == -1 ||
	    set_owner_mode(fd, pl->real, &s->own, cause) == -1)
		goto out;
	if (futimens(fd, ts) == -1 || fsync(fd) == -1) {
		set_cause(cause, "%s (as %s): %s", pl->real, pl->tmp,
		    strerror(errno));
		goto out;
	}
	CRASH_POINT("install-rename");	/* written, not yet in place */
	if (renameat(pl->dirfd, pl->tmp, pl->dirfd, pl->base) == -1) {
		set_cause(cause, "rename to %s: %s", pl->real,
		    strerror(errno));
		goto out;
	}
	rv = 0;
out:
	close(fd);
	if (rv == -1)
		unlinkat(pl->dirfd, pl->tmp, 0);
	return rv;
}

static int
install_dir(const struct snap_info *s, const struct place *pl, char **cause)
{
	struct timespec	ts[2];
	struct stat	sb;
	int		fd, rv;

	if (fstatat(pl->dirfd, pl->base, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
	    !S_ISDIR(sb.st_mode))
		return set_cause(cause, "%s exists and is not a directory",
		    pl->real);
	if (mkdirat(pl->dirfd, pl->base, 0700) == -1 && errno != EEXIST)
		return set_cause(cause, "mkdir %s: %s", pl->real,
		    strerror(errno));
	if ((fd = openat(pl->dirfd, pl->base, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC)) == -1)
		return set_cause(cause, "%s: %s", pl->real, strerror(errno));
	ts[0].tv_sec = ts[1].tv_sec = s->mtime_sec;
	ts[0].tv_nsec = ts[1].tv_nsec = s->mtime_nsec;
	rv = set_owner_mode(fd, pl->real, &s->own, cause);
	if (rv == 0 && futimens(fd, ts) == -1)
		rv = set_cause(cause, "%s: %s", pl->real, strerror(errno));
	close(fd);
	return rv;
}

/* The link replaces whatever is at the name; it is never followed. */
static int
install_link(const struct snap_info *s, const struct place *pl,
    char **cause)
{
	struct timespec	ts[2];

	unlinkat(pl->dirfd, pl->tmp, 0);
	if (symlinkat(s->target, pl->dirfd, pl->tmp) == -1)
		return set_cause(cause, "symlink %s (as %s): %s", pl->real,
		    pl->tmp, strerror(errno));
	if (fchownat(pl->dirfd, pl->tmp, s->own.uid, s->own.gid,
	    AT_SYMLINK_NOFOLLOW) == -1 && (geteuid() == 0 || errno != EPERM)) {
		set_cause(cause, "lchown %s (as %s): %s", pl->real, pl->tmp,
		    strerror(errno));
		unlinkat(pl->dirfd, pl->tmp, 0);
		return -1;
	}
	ts[0].tv_sec = ts[1].tv_sec = s->mtime_sec;
	ts[0].tv_nsec = ts[1].tv_nsec = s->mtime_nsec;
	utimensat(pl->dirfd, pl->tmp, ts, AT_SYMLINK_NOFOLLOW);
	if (renameat(pl->dirfd, pl->tmp, pl->dirfd, pl->base) == -1) {
		set_cause(cause, "rename to %s: %s", pl->real,
		    strerror(errno));
		unlinkat(pl->dirfd, pl->tmp, 0);
		return -1;
	}
	return 0;
}

static int
place_open(struct isconfd *d, const char *jpath, struct place *pl,
    char **cause)
{
	memset(pl, 0, sizeof *pl);
	if ((pl->dirfd = state_root_openparent(d, jpath, &pl->base,
	    cause)) == -1)
		return -1;
	pl->tmp = tmp_name(pl->base);
	pl->real = state_root_path(d, jpath);
	return 0;
}

static void
place_close(struct place *pl)
{
	if (pl->dirfd != -1)
		close(pl->dirfd);
	free(pl->base);
	free(pl->tmp);
	free(pl->real);
}

int
install_snap(struct isconfd *d, const struct snap_info *s, char **cause)
{
	struct place	pl;
	int		rv = -1;

	if (make_parents(d, s, cause) == -1 ||
	    place_open(d, s->path, &pl, cause) == -1)
		return -1;
	if (s->type != SNAP_DIR && strcmp(pl.base, ".") == 0) {
		set_cause(cause, "%s: a file or link cannot replace a "
		    "directory", pl.real);
		goto out;
	}
	switch (s->type) {
	case SNAP_FILE:
		rv = install_file(d, s, &pl, cause);
		break;
	case SNAP_DIR:
		rv = install_dir(s, &pl, cause);
		break;
	case SNAP_SYMLINK:
		rv = install_link(s, &pl, cause);
		break;
	}
	if (rv == 0)
		fsync(pl.dirfd);
out:
	place_close(&pl);
	return rv;
}

/*
 * install_snap with root as IS_ROOT (an image being built): the same
 * code, so an image gets exactly what a host gets.  isconfd has one
 * thread and install_snap does not return to the event loop, so
 * nothing else sees the borrowed root.
 */
int
install_snap_in(struct isconfd *d, const char *root,
    const struct snap_info *s, char **cause)
{
	char	*saved = d->conf.root;
	int	 rv;

	d->conf.root = (char *)root;
	rv = install_snap(d, s, cause);
	d->conf.root = saved;
	return rv;
}

/*
 * Entries are applied one at a time, in order, and a temporary file has
 * a fixed name beside its object's, so the only one a crash can leave
 * is that of the first entry not yet applied: removed here, at
 * start-up, without a walk of IS_ROOT.
 */
void
install_cleanup(struct isconfd *d)
{
	struct snap_info	 s;
	struct entry		 e;
	struct place		 pl;
	uint64_t		 applied;
	char			*cause = NULL;
	size_t			 i;

	/* A failed read leaves the temporary for the next up, which
	 * replaces it: nothing is lost, only tidied later. */
	if (journal_applied(d->journal, d->branch, &applied, &cause) == -1 ||
	    journal_get(d->journal, d->branch, applied + 1, &e, &cause) != 1) {
		if (cause != NULL)
			log_warnx("leftover install temporary: %s", cause);
		free(cause);
		return;
	}
	if (e.kind != ENTRY_SNAP || snap_decode(&e.payload, &s) == -1) {
		entry_free(&e);
		return;
	}
	entry_free(&e);
	for (i = 0; i < s.nparents; i++)	/* empty, or left alone */
		if (place_open(d, s.parents[i].path, &pl, NULL) == 0) {
			if (unlinkat(pl.dirfd, pl.tmp, AT_REMOVEDIR) == 0)
				log_info("removed %s's temporary %s, left "
				    "by an interrupted install", pl.real,
				    pl.tmp);
			place_close(&pl);
		}
	if (s.type != SNAP_DIR && place_open(d, s.path, &pl, NULL) == 0) {
		if (unlinkat(pl.dirfd, pl.tmp, 0) == 0) {
			log_info("removed %s's temporary %s, left by an "
			    "interrupted install", pl.real, pl.tmp);
			fsync(pl.dirfd);
		} else if (errno != ENOENT)
			log_warn("%s's temporary %s", pl.real, pl.tmp);
		place_close(&pl);
	}
	snap_info_free(&s);
}
