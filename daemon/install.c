/*
 * Installing a snapped object under IS_ROOT.  Files are written to a
 * temporary name beside their final path, checked against the journaled
 * hash, given owner, mode and mtime, fsync'd and renamed into place, so
 * a crash never leaves a half-written file at the final path.  Missing
 * parent directories are made with the modes they had on the origin.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "isconfd.h"

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

static int
make_parents(struct isconfd *d, const struct snap_info *s, char **cause)
{
	struct stat	 sb;
	char		*real;
	size_t		 i;
	int		 fd, rv = 0;

	for (i = 0; i < s->nparents && rv == 0; i++) {
		real = state_root_path(d, s->parents[i].path);
		if (lstat(real, &sb) == 0) {
			free(real);
			continue;
		}
		if (mkdir(real, 0700) == -1 ||
		    (fd = open(real, O_RDONLY | O_DIRECTORY)) == -1)
			rv = set_cause(cause, "mkdir %s: %s", real,
			    strerror(errno));
		else {
			rv = set_owner_mode(fd, real, &s->parents[i].own,
			    cause);
			close(fd);
		}
		free(real);
	}
	return rv;
}

static int
fsync_parent(const char *path)
{
	char	*copy = xstrdup(path);
	int	 fd;

	if ((fd = open(dirname(copy), O_RDONLY | O_DIRECTORY)) != -1) {
		fsync(fd);
		close(fd);
	}
	free(copy);
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

static int
install_file(struct isconfd *d, const struct snap_info *s, const char *real,
    const char *tmp, char **cause)
{
	struct timespec	ts[2];
	int		fd, rv = -1;

	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd == -1)
		return set_cause(cause, "%s: %s", tmp, strerror(errno));
	ts[0].tv_sec = ts[1].tv_sec = s->mtime_sec;
	ts[0].tv_nsec = ts[1].tv_nsec = s->mtime_nsec;
	if (write_chunks(d, fd, s, cause) == -1 ||
	    set_owner_mode(fd, real, &s->own, cause) == -1)
		goto out;
	if (futimens(fd, ts) == -1 || fsync(fd) == -1) {
		set_cause(cause, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	CRASH_POINT("install-rename");	/* written, not yet in place */
	if (rename(tmp, real) == -1) {
		set_cause(cause, "rename to %s: %s", real, strerror(errno));
		goto out;
	}
	rv = 0;
out:
	close(fd);
	if (rv == -1)
		unlink(tmp);
	return rv;
}

static int
install_dir(const struct snap_info *s, const char *real, char **cause)
{
	struct timespec	ts[2];
	struct stat	sb;
	int		fd, rv;

	if (lstat(real, &sb) == 0 && !S_ISDIR(sb.st_mode))
		return set_cause(cause, "%s exists and is not a directory",
		    real);
	if (mkdir(real, 0700) == -1 && errno != EEXIST)
		return set_cause(cause, "mkdir %s: %s", real, strerror(errno));
	if ((fd = open(real, O_RDONLY | O_DIRECTORY | O_NOFOLLOW)) == -1)
		return set_cause(cause, "%s: %s", real, strerror(errno));
	ts[0].tv_sec = ts[1].tv_sec = s->mtime_sec;
	ts[0].tv_nsec = ts[1].tv_nsec = s->mtime_nsec;
	rv = set_owner_mode(fd, real, &s->own, cause);
	if (rv == 0 && futimens(fd, ts) == -1)
		rv = set_cause(cause, "%s: %s", real, strerror(errno));
	close(fd);
	return rv;
}

static int
install_link(const struct snap_info *s, const char *real, const char *tmp,
    char **cause)
{
	struct timespec	ts[2];

	unlink(tmp);
	if (symlink(s->target, tmp) == -1)
		return set_cause(cause, "symlink %s: %s", tmp, strerror(errno));
	if (lchown(tmp, s->own.uid, s->own.gid) == -1 &&
	    (geteuid() == 0 || errno != EPERM)) {
		unlink(tmp);
		return set_cause(cause, "lchown %s: %s", tmp, strerror(errno));
	}
	ts[0].tv_sec = ts[1].tv_sec = s->mtime_sec;
	ts[0].tv_nsec = ts[1].tv_nsec = s->mtime_nsec;
	utimensat(AT_FDCWD, tmp, ts, AT_SYMLINK_NOFOLLOW);
	if (rename(tmp, real) == -1) {
		unlink(tmp);
		return set_cause(cause, "rename to %s: %s", real,
		    strerror(errno));
	}
	return 0;
}

int
install_snap(struct isconfd *d, const struct snap_info *s, char **cause)
{
	char	*real, *tmp;
	int	 rv = -1;

	real = state_root_path(d, s->path);
	xasprintf(&tmp, "%s.isconf-tmp", real);
	if (make_parents(d, s, cause) == -1)
		goto out;
	switch (s->type) {
	case SNAP_FILE:
		rv = install_file(d, s, real, tmp, cause);
		break;
	case SNAP_DIR:
		rv = install_dir(s, real, cause);
		break;
	case SNAP_SYMLINK:
		rv = install_link(s, real, tmp, cause);
		break;
	}
	if (rv == 0)
		fsync_parent(real);
out:
	free(real);
	free(tmp);
	return rv;
}
