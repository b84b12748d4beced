/*
 * Path and small-file helpers.  Small state files (branch, domain, keys)
 * are replaced atomically: temp file, fsync, rename, fsync directory.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

char *
path_join(const char *a, const char *b)
{
	char	*p;
	size_t	 n = strlen(a);

	while (n > 1 && a[n - 1] == '/')
		n--;
	while (*b == '/')
		b++;
	xasprintf(&p, "%.*s/%s", (int)n, a, b);
	return p;
}

int
mkdir_p(const char *path, mode_t mode, char **cause)
{
	char	*copy, *p;
	int	 rv = -1;

	copy = xstrdup(path);
	for (p = copy + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char saved = *p;
		*p = '\0';
		if (mkdir(copy, mode) == -1 && errno != EEXIST) {
			set_cause(cause, "mkdir %s: %s", copy, strerror(errno));
			goto out;
		}
		*p = saved;
		if (saved == '\0')
			break;
	}
	rv = 0;
out:
	free(copy);
	return rv;
}

static void
fsync_dir_of(const char *path)
{
	char	*copy = xstrdup(path);
	int	 fd;

	if ((fd = open(dirname(copy), O_RDONLY | O_DIRECTORY)) != -1) {
		(void)fsync(fd);
		close(fd);
	}
	free(copy);
}

int
file_write_atomic(const char *path, const void *data, size_t len,
    mode_t mode, char **cause)
{
	char	*tmp;
	int	 fd, rv = -1;

	/* A name no one can guess nor plant a link at: mkostemp creates
	 * it O_EXCL (never through a link), mode 0600 until fchmod. */
	xasprintf(&tmp, "%s.tmp.XXXXXX", path);
	if ((fd = mkostemp(tmp, O_CLOEXEC)) == -1) {
		set_cause(cause, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	if (fchmod(fd, mode) == -1 ||
	    (len > 0 && write(fd, data, len) != (ssize_t)len) ||
	    fsync(fd) == -1) {
		set_cause(cause, "%s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		goto out;
	}
	close(fd);
	if (rename(tmp, path) == -1) {
		set_cause(cause, "rename %s: %s", path, strerror(errno));
		unlink(tmp);
		goto out;
	}
	fsync_dir_of(path);
	rv = 0;
out:
	free(tmp);
	return rv;
}

int
file_read(const char *path, size_t limit, char **out, size_t *lenp,
    char **cause)
{
	struct buf	 b;
	char		 tmp[8192];
	ssize_t		 n;
	int		 fd;

	*out = NULL;
	if ((fd = open(path, O_RDONLY)) == -1) {
		if (errno == ENOENT)
			return 1;
		return set_cause(cause, "%s: %s", path, strerror(errno));
	}
	buf_init(&b);
	while ((n = read(fd, tmp, sizeof tmp)) > 0) {
		if (b.len + (size_t)n > limit) {
			close(fd);
			buf_free(&b);
			return set_cause(cause, "%s: larger than %zu bytes",
			    path, limit);
		}
		buf_add(&b, tmp, (size_t)n);
	}
	close(fd);
	if (n == -1) {
		buf_free(&b);
		return set_cause(cause, "%s: %s", path, strerror(errno));
	}
	buf_add_u8(&b, 0);
	if (lenp != NULL)
		*lenp = b.len - 1;
	*out = (char *)b.data;
	return 0;
}

char *
str_trim(char *s)
{
	char	*e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/*
 * A text file holds no NUL: C string parsing would silently stop at one
 * and drop what follows (a branch "gen\0eric" read as "gen").
 */
int
file_read_text(const char *path, size_t limit, char **out, char **cause)
{
	const char	*nul;
	size_t		 len, i;
	int		 rv, line = 1;

	if ((rv = file_read(path, limit, out, &len, cause)) != 0)
		return rv;
	if ((nul = memchr(*out, '\0', len)) == NULL)
		return 0;
	for (i = 0; *out + i < nul; i++)
		line += (*out)[i] == '\n';
	/* The text may be a secret: clear it before it goes. */
	explicit_bzero(*out, len);
	free(*out);
	*out = NULL;
	return set_cause(cause, "%s:%d: NUL byte in a text file", path, line);
}

int
file_read_line(const char *path, char **out, char **cause)
{
	char	*data, *line, *nl;
	int	 rv;

	*out = NULL;
	if ((rv = file_read_text(path, 65536, &data, cause)) != 0)
		return rv;
	if ((nl = strchr(data, '\n')) != NULL)
		*nl = '\0';
	line = str_trim(data);
	if (*line == '\0') {
		free(data);
		return 1;
	}
	*out = xstrdup(line);
	free(data);
	return 0;
}

int64_t
now_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec +
	    CLOCK_OFFSET_NS();
}

#ifdef ISCONF_CRASH_HOOKS
int64_t
clock_offset_ns(void)
{
	static int64_t	 off = -1;
	const char	*v;

	if (off == -1)
		off = (v = getenv("ISCONF_CLOCK_OFFSET_S")) != NULL ?
		    strtoll(v, NULL, 10) * 1000000000 : 0;
	return off == -1 ? 0 : off;
}
#endif

void
fmt_time(char *dst, size_t len, int64_t secs)
{
	time_t		t = (time_t)secs;
	struct tm	tm;

	/* A time from a peer or a damaged record may be past what a
	 * struct tm holds: then tm is not filled in. */
	if ((int64_t)t != secs || gmtime_r(&t, &tm) == NULL)
		snprintf(dst, len, "%lld s after 1970 (not a date)",
		    (long long)secs);
	else
		strftime(dst, len, "%Y-%m-%d %H:%M:%S UTC", &tm);
}
