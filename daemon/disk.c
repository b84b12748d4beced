/*
 * What a disk holds at a journaled path, beneath IS_ROOT.  ci records
 * the origin's, after the transaction's execs ran, as the tail of the
 * ci entry's payload (journal/disk.c), and verify compares targets with
 * that (issue 20: a snapped file a later exec removed was drift on
 * every host for ever).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "isconfd.h"

/* The record keeps a ci entry well below a stream frame (1 MiB). */
#define DISK_RECORD_BYTES	(512 * 1024)

/* Whatever is at base may have been replaced since it was looked at:
 * a FIFO would block a plain open, and the daemon with it. */
int
disk_file_hash(int dirfd, const char *base, uint8_t *out)
{
	crypto_generichash_state	st;
	struct stat			sb;
	uint8_t				buf[65536];
	ssize_t				n;
	int				fd;

	if ((fd = openat(dirfd, base, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) == -1)
		return -1;
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return -1;
	}
	crypto_generichash_init(&st, NULL, 0, HASH_LEN);
	while ((n = read(fd, buf, sizeof buf)) > 0)
		crypto_generichash_update(&st, buf, (size_t)n);
	close(fd);
	crypto_generichash_final(&st, out, HASH_LEN);
	return n == 0 ? 0 : -1;
}

/* What is at base in dirfd into p (path already set): 0, -1. */
static int
disk_look_at(int dirfd, const char *base, struct disk_path *p, char **cause)
{
	struct stat	sb;
	char		target[4096];
	ssize_t		n;

	if (fstatat(dirfd, base, &sb, AT_SYMLINK_NOFOLLOW) == -1) {
		if (errno == ENOENT)
			return 0;
		return set_cause(cause, "%s: %s", p->path, strerror(errno));
	}
	p->type = S_ISREG(sb.st_mode) ? SNAP_FILE : S_ISDIR(sb.st_mode) ?
	    SNAP_DIR : S_ISLNK(sb.st_mode) ? SNAP_SYMLINK : 0;
	if (p->type == 0)	/* a FIFO, socket, device: not snappable */
		return set_cause(cause, "%s: not a file, directory or "
		    "symlink", p->path);
	p->mode = p->type == SNAP_SYMLINK ? 0 : sb.st_mode & 07777;
	p->uid = sb.st_uid;
	p->gid = sb.st_gid;
	if (p->type == SNAP_FILE) {
		p->size = (uint64_t)sb.st_size;
		if (disk_file_hash(dirfd, base, p->hash) == -1)
			return set_cause(cause, "%s: %s", p->path,
			    strerror(errno));
	} else if (p->type == SNAP_SYMLINK) {
		if ((n = readlinkat(dirfd, base, target, sizeof target -
		    1)) <= 0)
			return set_cause(cause, "%s: readlink: %s", p->path,
			    strerror(errno));
		target[n] = '\0';
		free(p->target);
		p->target = xstrdup(target);
	}
	return 0;
}

int
disk_look(struct isconfd *d, const char *path, struct disk_path *p,
    char **cause)
{
	char	*base;
	int	 dirfd, rv;

	memset(p, 0, sizeof *p);
	p->path = xstrdup(path);
	p->target = xstrdup("");
	if ((dirfd = state_root_openparent(d, path, &base, cause)) == -1) {
		if (errno != ENOENT && errno != ENOTDIR)
			return -1;
		free(*cause);
		*cause = NULL;
		return 0;	/* absent */
	}
	rv = disk_look_at(dirfd, base, p, cause);
	close(dirfd);
	free(base);
	return rv;
}

static int
path_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The distinct paths the wip's snaps journaled, sorted: n of them. */
static char **
snapped_paths(const struct entry *wip, size_t nwip, size_t *np)
{
	struct snap_info	 s;
	char			**v = NULL;
	size_t			 i, n = 0, m = 0;

	for (i = 0; i < nwip; i++) {
		if (wip[i].kind != ENTRY_SNAP ||
		    snap_decode(&wip[i].payload, &s) == -1)
			continue;
		v = xreallocarray(v, n + 1, sizeof *v);
		v[n++] = s.path;
		s.path = NULL;
		snap_info_free(&s);
	}
	if (n > 0)
		qsort(v, n, sizeof *v, path_cmp);
	for (i = 0; i < n; i++) {
		if (m > 0 && strcmp(v[m - 1], v[i]) == 0)
			free(v[i]);
		else
			v[m++] = v[i];
	}
	*np = m;
	return v;
}

/* The bytes p takes in a record (disk_encode). */
static size_t
disk_path_len(const struct disk_path *p)
{
	return 4 + strlen(p->path) + 1 + (p->type == 0 ? 0 :
	    3 * 4 + 8 + HASH_LEN + 4 + strlen(p->target));
}

int
disk_record(struct client *c, const struct entry *wip, size_t nwip,
    struct buf *out)
{
	struct disk_info	 k;
	struct disk_path	*p;
	char			**paths, *why = NULL;
	size_t			 i, n, bytes = 0;

	paths = snapped_paths(wip, nwip, &n);
	k.v = xcalloc(n > 0 ? n : 1, sizeof *k.v);
	k.n = 0;
	for (i = 0; i < n; i++) {
		p = &k.v[k.n];
		if (disk_look(c->d, paths[i], p, &why) == 0 &&
		    bytes + disk_path_len(p) <= DISK_RECORD_BYTES) {
			bytes += disk_path_len(p);
			k.n++;
			continue;
		}
		/* Not a reason to refuse the ci: verify compares this
		 * path with its snap, as before. */
		client_hint(c, "warning: %s: its state at ci is not recorded "
		    "(%s; verify compares it with its snap)", paths[i],
		    why != NULL ? why : "too many paths");
		free(why);
		why = NULL;
		free(p->path);
		free(p->target);
		memset(p, 0, sizeof *p);
	}
	if (k.n > 0)
		disk_encode(&k, out);
	disk_info_free(&k);
	for (i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
	return 0;
}
