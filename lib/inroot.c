/*
 * Opening a directory beneath IS_ROOT as if IS_ROOT were "/": every
 * component is resolved inside it, symlinks are followed but an
 * absolute target starts again at IS_ROOT and ".." stops there, like
 * chroot(2).  So /lib -> usr/lib on a Debian host, or /var/run -> /run,
 * still work, while a link to /elsewhere lands in IS_ROOT/elsewhere.
 *
 * openat2(RESOLVE_IN_ROOT) does it in the kernel (Linux 5.6+); where
 * the kernel lacks it (ENOSYS) the same is done here, one component at
 * a time with O_PATH|O_NOFOLLOW, keeping the descriptors of the
 * directories walked so ".." returns to one of them and never climbs
 * out, even while a directory is being moved.
 */
#include <sys/stat.h>
#include <sys/syscall.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

#define INROOT_MAXLINKS	40	/* the kernel's limit */

static int	inroot_no_openat2;

struct walk {
	int	 root;
	int	*fds;		/* directories below root, outermost first */
	size_t	 n;
};

static int
walk_cur(const struct walk *w)
{
	return w->n > 0 ? w->fds[w->n - 1] : w->root;
}

static void
walk_pop(struct walk *w, size_t keep)
{
	while (w->n > keep)
		close(w->fds[--w->n]);
}

/* A symlink met at fd: the rest of the walk is its target, then rest. */
static char *
walk_link(struct walk *w, int fd, const char *rest)
{
	char	target[PATH_MAX], *todo;
	ssize_t	n;

	n = readlinkat(fd, "", target, sizeof target - 1);
	if (n <= 0) {
		errno = n == 0 ? ENOENT : errno;
		return NULL;
	}
	target[n] = '\0';
	if (target[0] == '/')
		walk_pop(w, 0);
	xasprintf(&todo, "%s/%s", target, rest);
	return todo;
}

/* One component: 0 went on (maybe into a link's target), -1 errno. */
static int
walk_step(struct walk *w, const char *comp, char **todo, char **rest,
    int *links)
{
	struct stat	 sb;
	char		*next;
	int		 fd;

	if (strcmp(comp, ".") == 0)
		return 0;
	if (strcmp(comp, "..") == 0) {
		walk_pop(w, w->n > 0 ? w->n - 1 : 0);
		return 0;
	}
	if ((fd = openat(walk_cur(w), comp, O_PATH | O_NOFOLLOW |
	    O_CLOEXEC)) == -1)
		return -1;
	if (fstat(fd, &sb) == -1)
		goto fail;
	if (S_ISDIR(sb.st_mode)) {
		w->fds = xreallocarray(w->fds, w->n + 1, sizeof *w->fds);
		w->fds[w->n++] = fd;
		return 0;
	}
	if (!S_ISLNK(sb.st_mode)) {
		errno = ENOTDIR;
		goto fail;
	}
	if (++*links > INROOT_MAXLINKS) {
		errno = ELOOP;
		goto fail;
	}
	if ((next = walk_link(w, fd, *rest)) == NULL)
		goto fail;
	close(fd);
	free(*todo);
	*todo = *rest = next;
	return 0;
fail:
	close(fd);
	return -1;
}

int
inroot_walk(int rootfd, const char *path)
{
	struct walk	 w = { rootfd, NULL, 0 };
	char		*todo = xstrdup(path), *rest = todo, *comp;
	int		 links = 0, fd = -1, saved;

	for (;;) {
		while (*rest == '/')
			rest++;
		if (*rest == '\0')
			break;
		comp = rest;
		rest += strcspn(rest, "/");
		if (*rest != '\0')
			*rest++ = '\0';
		if (walk_step(&w, comp, &todo, &rest, &links) == -1)
			goto out;
	}
	fd = openat(walk_cur(&w), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
out:
	saved = errno;
	walk_pop(&w, 0);
	free(w.fds);
	free(todo);
	errno = saved;
	return fd;
}

static int
inroot_openat2(int rootfd, const char *path)
{
	struct open_how	how;
	int		fd, tries;

	memset(&how, 0, sizeof how);
	how.flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;
	how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
	/* EAGAIN: a rename raced the walk; the kernel asks us to retry. */
	for (tries = 0; tries < 16; tries++) {
		fd = (int)syscall(SYS_openat2, rootfd, *path ? path : ".",
		    &how, sizeof how);
		if (fd != -1 || errno != EAGAIN)
			break;
	}
	return fd;
}

int
inroot_opendir(int rootfd, const char *path)
{
	int	fd;

	if (!inroot_no_openat2) {
		if ((fd = inroot_openat2(rootfd, path)) != -1 ||
		    errno != ENOSYS)
			return fd;
		inroot_no_openat2 = 1;
	}
	return inroot_walk(rootfd, path);
}
