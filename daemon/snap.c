/*
 * snap: journal a file, directory or symlink as it is now: content (into
 * the cache), size, mode bits including setuid/setgid/sticky, owner and
 * group by id and name, mtime, and the modes of its parent directories
 * so a target can create them as they were.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "isconfd.h"

/* snap -R: at most this many paths (each is an entry of its own). */
#define SNAP_TREE_MAX	10000

static void	verb_snap(struct client *);

const struct verb_entry verb_snap_entry = {
	.name = "snap",
	.exec = verb_snap,
};

static void
owner_fill(struct snap_owner *o, const struct stat *sb)
{
	struct passwd	*pw;
	struct group	*gr;
	char		 num[16];

	o->mode = sb->st_mode & 07777;
	o->uid = sb->st_uid;
	o->gid = sb->st_gid;
	snprintf(num, sizeof num, "%u", (unsigned)sb->st_uid);
	o->user = xstrdup((pw = getpwuid(sb->st_uid)) ? pw->pw_name : num);
	snprintf(num, sizeof num, "%u", (unsigned)sb->st_gid);
	o->group = xstrdup((gr = getgrgid(sb->st_gid)) ? gr->gr_name : num);
}

static int
snap_parents(struct isconfd *d, struct snap_info *s, char **cause)
{
	char		*p, *real;
	struct stat	 sb;

	for (p = strchr(s->path + 1, '/'); p != NULL; p = strchr(p + 1, '/')) {
		struct snap_parent *sp;
		char *dir = xstrndup(s->path, (size_t)(p - s->path));
		real = state_root_path(d, dir);
		if (lstat(real, &sb) == -1) {
			set_cause(cause, "%s: %s", real, strerror(errno));
			free(real);
			free(dir);
			return -1;
		}
		free(real);
		s->parents = xreallocarray(s->parents, s->nparents + 1,
		    sizeof *s->parents);
		sp = &s->parents[s->nparents++];
		sp->path = dir;
		owner_fill(&sp->own, &sb);
	}
	return 0;
}

static int
snap_content(struct isconfd *d, const char *real, struct snap_info *s,
    uint64_t *new_bytes, char **cause)
{
	struct cache_file	 f;
	struct stat		 sb;
	int			 fd;

	if ((fd = open(real, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return set_cause(cause, "%s: %s", real, strerror(errno));
	if (fstat(fd, &sb) == -1 || cache_put_fd(d->cache, fd, &f,
	    cause) == -1) {
		if (cause && *cause == NULL)
			set_cause(cause, "%s: %s", real, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	if (f.size != (uint64_t)sb.st_size) {
		cache_file_free(&f);
		return set_cause(cause, "%s changed while it was read; snap "
		    "it again", real);
	}
	s->size = f.size;
	memcpy(s->hash, f.hash, HASH_LEN);
	s->nchunks = f.nchunks;
	s->chunks = xcalloc(f.nchunks, sizeof *s->chunks);
	for (size_t i = 0; i < f.nchunks; i++) {
		memcpy(s->chunks[i].hash, f.chunks[i].hash, HASH_LEN);
		s->chunks[i].len = f.chunks[i].len;
	}
	*new_bytes = f.new_bytes;
	cache_file_free(&f);
	return chunklist_make(d, s, cause);
}

static int
snap_fill(struct isconfd *d, const char *real, struct snap_info *s,
    uint64_t *new_bytes, char **cause)
{
	struct stat	sb;
	char		target[4096];
	ssize_t		n;

	if (lstat(real, &sb) == -1)
		return set_cause(cause, "%s: %s", real, strerror(errno));
	owner_fill(&s->own, &sb);
	s->mtime_sec = sb.st_mtim.tv_sec;
	s->mtime_nsec = (uint32_t)sb.st_mtim.tv_nsec;
	s->target = xstrdup("");
	if (S_ISREG(sb.st_mode)) {
		s->type = SNAP_FILE;
		if (snap_content(d, real, s, new_bytes, cause) == -1)
			return -1;
	} else if (S_ISDIR(sb.st_mode))
		s->type = SNAP_DIR;
	else if (S_ISLNK(sb.st_mode)) {
		s->type = SNAP_SYMLINK;
		if ((n = readlink(real, target, sizeof target - 1)) == -1)
			return set_cause(cause, "%s: %s", real,
			    strerror(errno));
		target[n] = '\0';
		free(s->target);
		s->target = xstrdup(target);
	} else
		return set_cause(cause, "%s: only regular files, directories "
		    "and symlinks can be snapped", real);
	return snap_parents(d, s, cause);
}

/* Journal one path (abs: absolute on the origin) into the wip: 0, or
 * -1 after telling the client (*code: the exit status). */
static int
snap_one(struct client *c, const char *arg, const char *abs, int tree,
    int *code)
{
	struct isconfd		*d = c->d;
	struct snap_info	 s;
	struct entry		 e;
	struct stat		 sb;
	uint64_t		 new_bytes = 0;
	char			*real = NULL, *cause = NULL;
	int			 rv = -1;

	memset(&s, 0, sizeof s);
	memset(&e, 0, sizeof e);
	*code = 1;
	if (lstat(abs, &sb) == -1) {
		client_err(c, "%s: %s", arg, strerror(errno));
		*code = errno == ENOENT ? EXIT_NOFILE : 1;
		goto out;
	}
	if ((s.path = state_root_relative(d, abs, &cause)) == NULL)
		goto fail;
	real = state_root_path(d, s.path);
	if (snap_fill(d, real, &s, &new_bytes, &cause) == -1)
		goto fail;
	CRASH_POINT("snap");	/* chunks stored, entry not yet */
	if (state_entry_init(d, c, &e, ENTRY_SNAP, &cause) == -1)
		goto fail;
	snap_encode(&s, &e.payload);
	if (journal_wip_add(d->journal, d->branch, &e, &cause) == -1)
		goto fail;
	if (s.type == SNAP_FILE)
		client_info(c, "snapped %s (%llu bytes, %llu new in the cache)",
		    s.path, (unsigned long long)s.size,
		    (unsigned long long)new_bytes);
	else
		client_info(c, "snapped %s (%s)", s.path, s.type == SNAP_SYMLINK ?
		    "symlink" : tree ? "directory" : "directory alone, not "
		    "its contents: snap -R snaps the tree");
	*code = rv = 0;
	goto out;
fail:
	client_err(c, "snap %s: %s", arg, cause);
out:
	entry_free(&e);
	snap_info_free(&s);
	free(real);
	free(cause);
	return rv;
}

/* The paths of the tree at dir, dir first, each directory before what
 * it holds, never through a symlink (lstat) nor onto another file
 * system: 0, or -1 with cause (more than SNAP_TREE_MAX, or a FIFO,
 * socket or device, which cannot be snapped, or a read error). */
static int
snap_walk(const char *dir, dev_t dev, char ***v, size_t *n, char **cause)
{
	struct stat	 sb;
	struct dirent	*de;
	DIR		*dp;
	char		*p;
	int		 rv = 0;

	if (*n >= SNAP_TREE_MAX)
		return set_cause(cause, "more than %d files, directories and "
		    "symlinks: snap -R takes at most %d; snap the "
		    "subdirectories one at a time", SNAP_TREE_MAX,
		    SNAP_TREE_MAX);
	if (lstat(dir, &sb) == -1)
		return set_cause(cause, "%s: %s", dir, strerror(errno));
	if (!S_ISREG(sb.st_mode) && !S_ISDIR(sb.st_mode) &&
	    !S_ISLNK(sb.st_mode))
		return set_cause(cause, "%s: only regular files, directories "
		    "and symlinks can be snapped", dir);
	*v = xreallocarray(*v, *n + 1, sizeof **v);
	(*v)[(*n)++] = xstrdup(dir);
	if (!S_ISDIR(sb.st_mode) || sb.st_dev != dev)
		return 0;
	if ((dp = opendir(dir)) == NULL)
		return set_cause(cause, "%s: %s", dir, strerror(errno));
	while (rv == 0 && (errno = 0, de = readdir(dp)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		p = path_join(dir, de->d_name);
		rv = snap_walk(p, dev, v, n, cause);
		free(p);
	}
	if (rv == 0 && errno != 0)
		rv = set_cause(cause, "%s: %s", dir, strerror(errno));
	closedir(dp);
	return rv;
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* snap -R DIR: every path of the tree, each its own snap entry, in
 * order (a directory before its contents); nothing is journaled when
 * the walk fails. */
static void
snap_tree(struct client *c, const char *arg)
{
	struct stat	  sb;
	char		 *abs = client_path(c, arg), **v = NULL, *cause = NULL;
	size_t		  n = 0, i;
	int		  code = 0;

	if (lstat(abs, &sb) == -1) {
		client_err(c, "%s: %s", arg, strerror(errno));
		code = errno == ENOENT ? EXIT_NOFILE : 1;
	} else if (snap_walk(abs, sb.st_dev, &v, &n, &cause) == -1) {
		client_err(c, "snap -R %s: %s (nothing snapped)", arg, cause);
		code = 1;
	} else {
		qsort(v, n, sizeof *v, str_cmp);
		for (i = 0; i < n && code == 0; i++)
			if (snap_one(c, v[i], v[i], 1, &code) == -1 && i > 0)
				client_hint(c, "%zu paths of %s were snapped "
				    "before this (isconf unlock discards the "
				    "transaction)", i, arg);
		if (code == 0)
			client_info(c, "snapped %zu paths under %s", n, arg);
	}
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
	free(abs);
	free(cause);
	client_exit(c, code);
}

static void
verb_snap(struct client *c)
{
	struct jlock	 l;
	char		*abs;
	int		 code = 0, tree;

	if (state_need_lock(c, &l) == -1)
		return;
	jlock_free(&l);
	tree = strcmp(c->req.argv[1], "-R") == 0;
	if (c->req.argc != (tree ? 3u : 2u)) {
		client_err(c, "usage: isconf snap [-R] PATH");
		client_exit(c, EXIT_USAGE);
		return;
	}
	if (tree) {
		snap_tree(c, c->req.argv[2]);
		return;
	}
	abs = client_path(c, c->req.argv[1]);
	snap_one(c, c->req.argv[1], abs, 0, &code);
	free(abs);
	client_exit(c, code);
}
