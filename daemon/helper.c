/*
 * Finding the children's programs (helper.h).  Each child used to be
 * isconfd itself, re-executed: every library isconfd links (SQLite,
 * zlib, libm) was loaded and relocated again in each child, ~0.4 MiB of
 * PSS apiece for nothing they use.  Now each is its own binary linking
 * only what it runs (Makefile: isconfd-net, isconfd-http).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"
#include "helper.h"
#include "libexecdir.h"		/* ISCONF_LIBEXECDIR, from the Makefile */

/*
 * dir/name opened O_PATH if it is a regular executable file: the fd, -1
 * if there is none, -2 (cause set) if it is not root's (or ours) or
 * others may write it: root would run what they put there.
 */
static int
helper_try(const char *dir, const char *name, char **cause)
{
	struct stat	 sb;
	char		*p = path_join(dir, name);
	int		 fd = -1;

	if (access(p, X_OK) == 0 && (fd = open(p, O_PATH | O_CLOEXEC)) != -1 &&
	    (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode) ||
	    (sb.st_uid != 0 && sb.st_uid != geteuid()) ||
	    (sb.st_mode & (S_IWGRP | S_IWOTH)) != 0)) {
		set_cause(cause, "%s: not a regular file of root's, or "
		    "writable by group or others: not run", p);
		close(fd);
		fd = -2;
	}
	free(p);
	return fd;
}

int
helper_open(const char *name, char **cause)
{
	const char	*libexec = ISCONF_LIBEXECDIR;
	char		 self[PATH_MAX], *slash;
	ssize_t		 n;
	int		 fd;

#ifdef ISCONF_CRASH_HOOKS
	/* Test builds: t2501 moves isconfd away from its programs. */
	if (getenv("ISCONF_TEST_LIBEXECDIR") != NULL)
		libexec = getenv("ISCONF_TEST_LIBEXECDIR");
#endif

	if ((n = readlink("/proc/self/exe", self, sizeof self - 1)) > 0) {
		self[n] = '\0';
		if ((slash = strrchr(self, '/')) != NULL) {
			*slash = '\0';
			if ((fd = helper_try(*self ? self : "/", name,
			    cause)) != -1)
				return fd < 0 ? -1 : fd;
		} else
			xstrlcpy(self, ".", sizeof self);
	} else
		xstrlcpy(self, "/proc/self/exe", sizeof self);
	if ((fd = helper_try(libexec, name, cause)) != -1)
		return fd < 0 ? -1 : fd;
	return set_cause(cause, "%s not found (or not executable) in %s nor "
	    "in %s", name, self, libexec);
}
