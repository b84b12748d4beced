/*
 * Host state shared by the verbs: the branch this host follows
 * ($IS_HOME/conf/branch, ISconf 4's place, or /var/is/conf/branch), new entries, the lock and
 * work-in-progress checks, and mapping paths to and from IS_ROOT.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "isconfd.h"

void
id_short(char *dst, const uint8_t *id)
{
	char	hex[2 * HASH_LEN + 1];

	hex_encode(hex, id, HASH_LEN);
	memcpy(dst, hex, 12);
	dst[12] = '\0';
}

int
state_set_branch(struct isconfd *d, const char *branch, char **cause)
{
	char	*path, *line;
	int	 rv;

	path = path_join(d->conf.confdir, "branch");
	xasprintf(&line, "%s\n", branch);
	rv = file_write_atomic(path, line, strlen(line), 0644, cause);
	free(line);
	free(path);
	if (rv == -1)
		return -1;
	free(d->branch);
	d->branch = xstrdup(branch);
	return journal_branch_create(d->journal, branch, cause);
}

int
state_entry_init(struct isconfd *d, struct client *c, struct entry *e,
    enum entry_kind kind, char **cause)
{
	struct jlock	l;
	int		r;

	memset(e, 0, sizeof *e);
	e->kind = kind;
	e->time = now_ns() / 1000000000;
	e->host = xstrdup(d->conf.hostname);
	e->author = xstrdup(c->req.author);
	/* Every entry of a transaction carries the lock's message. */
	if ((r = journal_lock_get(d->journal, d->branch, &l, cause)) == 1) {
		e->message = xstrdup(l.message);
		jlock_free(&l);
	} else
		e->message = xstrdup("");
	return r == -1 ? -1 : 0;
}

/* Say so when another host broke the lock this host held: "not
 * locked" would hide that the work was thrown away.  1 if said. */
static int
state_broken(struct client *c)
{
	char	*msg;

	if (!lockd_broken(c->d, c->d->branch, &msg))
		return 0;
	client_err(c, "%s", msg);
	free(msg);
	return 1;
}

int
state_need_lock(struct client *c, struct jlock *l)
{
	struct isconfd	*d = c->d;
	char		*cause = NULL;

	switch (journal_lock_get(d->journal, d->branch, l, &cause)) {
	case -1:
		client_fail(c, cause);
		free(cause);
		return -1;
	case 0:
		if (!state_broken(c))
			client_err(c, "branch %s is not locked: run 'isconf "
			    "lock MESSAGE' first", d->branch);
		client_exit(c, EXIT_NOT_LOCKED);
		return -1;
	}
	if (strcmp(l->host, d->conf.hostname) != 0) {
		state_broken(c);
		client_err(c, "branch %s is locked by %s@%s: %s", d->branch,
		    l->author, l->host, l->message);
		client_exit(c, EXIT_LOCKED);
		jlock_free(l);
		return -1;
	}
	return 0;
}

int
state_no_wip(struct client *c, const char *verb)
{
	struct isconfd	*d = c->d;
	struct jlock	 l;
	char		*cause = NULL;

	switch (journal_lock_get(d->journal, d->branch, &l, &cause)) {
	case -1:
		client_fail(c, cause);
		free(cause);
		return -1;
	case 0:
		return 0;
	}
	if (strcmp(l.host, d->conf.hostname) != 0) {
		jlock_free(&l);		/* another host's lock: not our work */
		return 0;
	}
	client_err(c, "%s refused: this host holds the lock on %s with "
	    "uncommitted work (%s); run 'isconf ci' or 'isconf unlock' first",
	    verb, d->branch, l.message);
	client_exit(c, 1);
	jlock_free(&l);
	return -1;
}

/*
 * The journal records paths as they are below IS_ROOT, so a host with
 * IS_ROOT=/srv/img replays "/etc/motd" into /srv/img/etc/motd.  The
 * parent directory is resolved; the last component is not followed, so
 * a symlink is snapped as a symlink.
 */
char *
state_root_relative(struct isconfd *d, const char *path, char **cause)
{
	char	 root[PATH_MAX], dir[PATH_MAX], *copy, *slash, *base, *out;
	size_t	 rlen;

	if (realpath(d->conf.root, root) == NULL) {
		set_cause(cause, "IS_ROOT %s: cannot resolve", d->conf.root);
		return NULL;
	}
	copy = xstrdup(path);
	while (strlen(copy) > 1 && copy[strlen(copy) - 1] == '/')
		copy[strlen(copy) - 1] = '\0';
	slash = strrchr(copy, '/');
	base = slash + 1;
	*slash = '\0';
	if (realpath(*copy ? copy : "/", dir) == NULL) {
		set_cause(cause, "%s: no such file or directory", path);
		free(copy);
		return NULL;
	}
	if (strcmp(base, ".") == 0 || strcmp(base, "..") == 0 || *base == '\0')
		base = NULL;	/* a directory given as "." or "/" */
	rlen = strcmp(root, "/") == 0 ? 0 : strlen(root);
	if (base != NULL && rlen > 0 && strncmp(dir, root, strlen(dir)) == 0 &&
	    root[strlen(dir)] == '/' && strcmp(root + strlen(dir) + 1,
	    base) == 0) {
		free(copy);
		return xstrdup("/");	/* IS_ROOT itself */
	}
	if (strncmp(dir, root, rlen) != 0 || (dir[rlen] != '/' &&
	    dir[rlen] != '\0')) {
		set_cause(cause, "%s is not under IS_ROOT (%s)", path, root);
		free(copy);
		return NULL;
	}
	xasprintf(&out, "%s%s%s", dir[rlen] ? dir + rlen : "",
	    base ? "/" : (dir[rlen] ? "" : "/"), base ? base : "");
	free(copy);
	return out;
}

char *
state_root_path(struct isconfd *d, const char *jpath)
{
	if (strcmp(d->conf.root, "/") == 0)
		return xstrdup(jpath);
	return path_join(d->conf.root, jpath);
}

/*
 * The directory at jpath, resolved beneath IS_ROOT as if IS_ROOT were
 * "/" (inroot.c): a symlink under IS_ROOT can never lead a target to
 * write, read or run anywhere outside it.  -1 with errno kept.
 */
int
state_root_opendir(struct isconfd *d, const char *jpath, char **cause)
{
	char	*real;
	int	 rootfd, fd = -1, saved;

	if ((rootfd = open(d->conf.root, O_PATH | O_DIRECTORY |
	    O_CLOEXEC)) != -1) {
		fd = inroot_opendir(rootfd, jpath);
		saved = errno;
		close(rootfd);
		errno = saved;
	}
	if (fd == -1) {
		saved = errno;
		real = state_root_path(d, jpath);
		set_cause(cause, "%s: %s", real, strerror(saved));
		free(real);
		errno = saved;
	}
	return fd;
}

/*
 * The parent directory of jpath, as state_root_opendir; *base gets the
 * last component (".": jpath names a directory such as IS_ROOT itself).
 */
int
state_root_openparent(struct isconfd *d, const char *jpath, char **base,
    char **cause)
{
	char	*dir = xstrdup(jpath), *slash;
	size_t	 n = strlen(dir);
	int	 fd;

	while (n > 1 && dir[n - 1] == '/')
		dir[--n] = '\0';
	if ((slash = strrchr(dir, '/')) == NULL || slash[1] == '\0')
		*base = xstrdup(".");
	else {
		*base = xstrdup(slash + 1);
		slash[slash == dir] = '\0';	/* "/etc", or "/" */
	}
	if ((fd = state_root_opendir(d, dir, cause)) == -1) {
		free(*base);
		*base = NULL;
	}
	free(dir);
	return fd;
}

int
state_get_for(struct isconfd *d, const char *what, const char *name,
    char **value, char **cause)
{
	char	*key;
	int	 r;

	xasprintf(&key, "%s:%s", what, name);
	r = journal_state_get(d->journal, key, value, cause);
	free(key);
	return r;
}

int
state_set_for(struct isconfd *d, const char *what, const char *name,
    const char *value, char **cause)
{
	char	*key;
	int	 rv;

	xasprintf(&key, "%s:%s", what, name);
	rv = journal_state_set(d->journal, key, value, cause);
	free(key);
	return rv;
}
