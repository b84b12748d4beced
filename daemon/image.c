/*
 * image build: a checkpoint image, made as the ISconf manual says ("by
 * installing a host from an ancestor checkpoint or base image, allowing
 * its branch's journal entries to execute, then capturing the resulting
 * disk content").  DIR gets BASE's content (a directory, a tarball, or
 * an earlier image), then the branch's entries are replayed into it in
 * journal order as up replays them: snaps installed with DIR as
 * IS_ROOT (install.c), execs run inside DIR (sandbox.c), reboot entries
 * recorded and passed over, entries a checked-in skip names skipped,
 * the first failure stops the build.  The image keeps, under its own
 * IS_HOME (IMAGE_HOME), what a host started from it needs to go on with
 * isconf up: its domain and branch, a journal of the entries it applied
 * with their history, the record of where it stands (imagerec.c), and
 * with --with-keys hmac_keys and trusted_keys; never a host key, an
 * HTTP token or a peer list, which are each host's own.
 *
 * ci --test (preflight.c) builds a scratch image the same way, with the
 * open transaction's entries after the branch's.
 *
 * Everything under DIR is reached through descriptors resolved inside
 * it (inroot.c): an image is content from anywhere, and a link in it
 * must not lead isconfd to write the host's files.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "isconfd.h"

#define IMAGE_RECORD_MAX	4096

static void	verb_image(struct client *);

const struct verb_entry verb_image_entry = {
	.name = "image",
	.exec = verb_image,
};

struct image_job {
	struct client		*c;
	struct image_opts	 o;
	image_done_cb		 done;
	void			*arg;
	struct journal		*j;		/* the image's own */
	int			 rootfd;	/* DIR, O_PATH */
	int			 homefd;	/* IMAGE_HOME in DIR */
	uint64_t		 next;		/* journal seq to apply */
	uint64_t		 target;	/* last seq to apply */
	size_t			 extra;		/* next o.extra to apply */
	uint8_t			 prev[HASH_LEN];
	struct image_record	 rec;		/* where the image stands */
	struct entry		 cur;
	int			 cur_extra;	/* cur is an o.extra one */
	struct skips		 skips;
	pid_t			 pid;
	struct event		*timer;
	int			 timed_out;
	int			 applied, skipped;
	char			*cmd_what;	/* a host command's, for errors */
	void			(*cmd_next)(struct image_job *);
};

static void	image_step(struct image_job *);
static void	image_built(struct image_job *);

void
image_opts_free(struct image_opts *o)
{
	free(o->dir);
	free(o->base);
	free(o->branch);
	free(o->tar);
	memset(o, 0, sizeof *o);
}

static void
image_end(struct image_job *job, int ok)
{
	if (job->timer != NULL)
		event_free(job->timer);
	if (job->j != NULL)
		journal_close(job->j);
	if (job->rootfd != -1)
		close(job->rootfd);
	if (job->homefd != -1)
		close(job->homefd);
	entry_free(&job->cur);
	skips_free(&job->skips);
	free(job->cmd_what);
	job->done(job->c, ok, job->arg);
	image_opts_free(&job->o);
	free(job);
}

static void
image_fail(struct image_job *job, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
image_fail(struct image_job *job, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	client_err(job->c, "image %s: %s", job->o.dir, msg);
	log_warnx("image %s: %s", job->o.dir, msg);
	free(msg);
	image_end(job, 0);
}

/* A small file written in dirfd as name: temporary, fsync, rename;
 * never through a link. */
static int
image_write_at(int dirfd, const char *name, const char *text, mode_t mode,
    char **cause)
{
	char	*tmp;
	int	 fd, rv = -1;

	xasprintf(&tmp, ".%s.isconf-tmp", name);
	unlinkat(dirfd, tmp, 0);
	if ((fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, mode)) == -1) {
		set_cause(cause, "%s: %s", name, strerror(errno));
		goto out;
	}
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text) ||
	    fchmod(fd, mode) == -1 || fsync(fd) == -1 ||
	    renameat(dirfd, tmp, dirfd, name) == -1) {
		set_cause(cause, "%s: %s", name, strerror(errno));
		unlinkat(dirfd, tmp, 0);
	} else
		rv = 0;
	close(fd);
out:
	free(tmp);
	return rv;
}

/* A host file's content copied into the image's conf/ (--with-keys):
 * 0, also when the host has none. */
static int
image_copy_key(int conffd, const char *name, const char *path, char **cause)
{
	char	*text = NULL;
	size_t	 len;
	int	 r;

	if ((r = file_read(path, 1 << 20, &text, &len, cause)) == -1)
		return -1;
	if (r == 1)
		return 0;
	r = image_write_at(conffd, name, text, 0600, cause);
	sodium_memzero(text, len);
	free(text);
	return r;
}

/* The directory jpath, each missing component made (with mode) in its
 * parent as resolved inside the image; opened inside it. */
static int
image_mkdirs(int rootfd, const char *jpath, mode_t mode, char **cause)
{
	const char	*p = jpath, *e;
	char		*prefix = xstrdup(""), *comp, *next;
	int		 dfd, r, fd = -1;

	for (;;) {
		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		e = p + strcspn(p, "/");
		comp = xstrndup(p, (size_t)(e - p));
		r = -1;
		if ((dfd = inroot_opendir(rootfd, *prefix ? prefix :
		    "/")) != -1) {
			r = mkdirat(dfd, comp, mode);
			if (r == -1 && errno == EEXIST)
				r = 0;
			close(dfd);
		}
		xasprintf(&next, "%s/%s", prefix, comp);
		free(prefix);
		free(comp);
		prefix = next;
		if (r == -1) {
			set_cause(cause, "mkdir %s in the image: %s", prefix,
			    strerror(errno));
			goto out;
		}
		p = e;
	}
	if ((fd = inroot_opendir(rootfd, jpath)) == -1)
		set_cause(cause, "%s in the image: %s", jpath, strerror(errno));
out:
	free(prefix);
	return fd;
}

/*
 * The state a host started from the image needs (see the top):
 * written after each build, whether it ended at the target or at a
 * failure, so the record always says where the image stands.
 */
static int
image_write_state(struct image_job *job, char **cause)
{
	struct isconfd	*d = job->c->d;
	char		*text, *path;
	int		 conffd, rv = -1;

	if ((conffd = image_mkdirs(job->rootfd, IMAGE_HOME "/conf", 0700,
	    cause)) == -1)
		return -1;
	xasprintf(&text, "%s\n", d->conf.domain);
	rv = image_write_at(conffd, "domain", text, 0644, cause);
	free(text);
	xasprintf(&text, "%s\n", job->o.branch);
	if (rv == 0)
		rv = image_write_at(conffd, "branch", text, 0644, cause);
	free(text);
	if (rv == 0 && job->o.with_keys) {
		path = path_join(d->conf.home, "conf/trusted_keys");
		rv = image_copy_key(conffd, "hmac_keys", d->conf.hmac_keys,
		    cause);
		if (rv == 0)
			rv = image_copy_key(conffd, "trusted_keys", path,
			    cause);
		free(path);
	}
	close(conffd);
	if (rv == -1)
		return -1;
	job->rec.time = now_ns() / 1000000000;
	text = image_record_encode(&job->rec);
	rv = image_write_at(job->homefd, IMAGE_RECORD, text, 0644, cause);
	free(text);
	return rv;
}

static void
image_cmd_done(struct isconfd *d, pid_t pid, int wstatus,
    const struct rusage *ru, const struct buf *tail, void *arg)
{
	struct image_job	*job = arg;
	int			 status = child_status(wstatus);

	(void)d;
	(void)pid;
	(void)ru;
	(void)tail;
	if (status != 0)
		image_fail(job, "%s: exit status %d", job->cmd_what, status);
	else
		job->cmd_next(job);
}

/* A host command of the build (cp, tar), run from "/"; then next(job),
 * or the build fails naming what (the job takes it).  0 or -1. */
static int
image_host_cmd(struct image_job *job, char *const argv[], char *what,
    void (*next)(struct image_job *), char **cause)
{
	int	fd, rv = -1;

	free(job->cmd_what);
	job->cmd_what = what;
	job->cmd_next = next;
	if ((fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return set_cause(cause, "/: %s", strerror(errno));
	if (child_spawn(job->c->d, argv, fd, job->c->outfd, job->c->errfd,
	    image_cmd_done, job, cause) != -1)
		rv = 0;
	close(fd);
	return rv;
}

static void
image_tarred(struct image_job *job)
{
	client_info(job->c, "wrote %s", job->o.tar);
	image_end(job, 1);
}

/* The built image also as a tarball (--tar), then the end. */
static void
image_finish(struct image_job *job)
{
	char	*argv[] = { "tar", "-cpf", job->o.tar, "--numeric-owner",
		    "-C", job->o.dir, ".", NULL }, *what, *cause = NULL;

	if (job->o.tar == NULL) {
		image_end(job, 1);
		return;
	}
	xasprintf(&what, "tar -c %s", job->o.tar);
	if (image_host_cmd(job, argv, what, image_tarred, &cause) == -1) {
		image_fail(job, "tar: %s", cause);
		free(cause);
	}
}

/* The current entry's "[seq/target] kind detail" or "[wip] ...". */
static void
image_progress(struct image_job *job, const char *note)
{
	char	*detail = entry_detail(&job->cur), *esc = str_esc(detail);

	if (job->cur_extra)
		client_info(job->c, "[transaction] %s%s%s%s",
		    entry_kind_name(job->cur.kind), *esc ? " " : "", esc, note);
	else
		client_info(job->c, "[%llu/%llu] %s%s%s%s",
		    (unsigned long long)job->cur.seq,
		    (unsigned long long)job->target,
		    entry_kind_name(job->cur.kind), *esc ? " " : "", esc, note);
	free(detail);
	free(esc);
}

/* Stop at the current entry, as up does: naming it and why. */
static void
image_entry_failed(struct image_job *job, const char *why)
{
	char	*detail = entry_detail(&job->cur), *esc = str_esc(detail),
		*cause = NULL, where[64];

	if (job->cur_extra)
		snprintf(where, sizeof where, "transaction entry");
	else
		snprintf(where, sizeof where, "entry %llu",
		    (unsigned long long)job->cur.seq);
	if (image_write_state(job, &cause) == -1) {
		log_warnx("image %s: %s", job->o.dir, cause);
		free(cause);
	}
	image_fail(job, "%s (%s%s%s) failed: %s; stopping here (the image "
	    "stands at entry %llu)", where, entry_kind_name(job->cur.kind),
	    *esc ? " " : "", esc, why, (unsigned long long)job->rec.seq);
	free(detail);
	free(esc);
}

/* The current entry is applied (or skipped: status JA_SKIPPED): into
 * the image's journal and history, and its record. */
static int
image_applied(struct image_job *job, int status)
{
	char	*cause = NULL;

	if (!job->cur_extra) {
		if (journal_append(job->j, job->o.branch, &job->cur, 1,
		    status == 0 ? JA_APPLIED : 0, &cause) == -1 ||
		    (status != 0 && journal_mark_applied(job->j,
		    job->o.branch, &job->cur, status, 0, &cause) == -1)) {
			image_entry_failed(job, cause);
			free(cause);
			return -1;
		}
		job->rec.seq = job->cur.seq;
		memcpy(job->rec.head, job->cur.id, HASH_LEN);
		memcpy(job->prev, job->cur.id, HASH_LEN);
		job->next++;
	} else
		job->extra++;
	if (status == 0)
		job->applied++;
	entry_free(&job->cur);
	return 0;
}

static void
image_exec_done(struct isconfd *d, pid_t pid, int wstatus,
    const struct rusage *ru, const struct buf *tail, void *arg)
{
	struct image_job	*job = arg;
	int			 status = child_status(wstatus);
	char			 why[128];

	(void)d;
	(void)pid;
	(void)ru;
	(void)tail;
	job->pid = 0;
	if (job->timer != NULL) {
		event_free(job->timer);
		job->timer = NULL;
	}
	if (status != 0) {
		if (job->timed_out)
			snprintf(why, sizeof why, "timed out (IS_EXEC_TIMEOUT) "
			    "and was ended with status %d", status);
		else
			snprintf(why, sizeof why, "exit status %d", status);
		image_entry_failed(job, why);
		return;
	}
	if (image_applied(job, 0) == 0)
		image_step(job);
}

static void
image_timeout(evutil_socket_t fd, short events, void *arg)
{
	struct image_job	*job = arg;

	(void)fd;
	(void)events;
	job->timed_out = 1;
	child_kill(job->c->d, job->pid, job->c->d->conf.exec_grace);
}

static int
image_exec(struct image_job *job)
{
	struct isconfd		*d = job->c->d;
	struct exec_info	 x;
	struct sandbox		 sb;
	struct timeval		 tv = { d->conf.exec_timeout, 0 };
	char			*cause = NULL;

	if (exec_decode(&job->cur.payload, &x) == -1) {
		image_entry_failed(job, "malformed payload");
		return -1;
	}
	sb.root = job->o.dir;
	sb.cwd = x.cwd;
	sb.net = job->o.net;
	job->pid = child_spawn_in(d, &sb, x.argv, -1, job->c->outfd,
	    job->c->errfd, image_exec_done, job, &cause);
	exec_info_free(&x);
	if (job->pid == -1) {
		image_entry_failed(job, cause);
		free(cause);
		return -1;
	}
	if (d->conf.exec_timeout > 0) {
		job->timer = evtimer_new(d->base, image_timeout, job);
		evtimer_add(job->timer, &tv);
	}
	return 0;
}

static int
image_snap(struct image_job *job)
{
	struct snap_info	 s;
	char			*cause = NULL;
	int			 rv;

	if (snap_decode(&job->cur.payload, &s) == -1) {
		image_entry_failed(job, "malformed payload");
		return -1;
	}
	if ((rv = chunklist_load(job->c->d, &s, &cause)) == 1)
		rv = install_snap_in(job->c->d, job->o.dir, &s, &cause);
	else
		rv = -1;
	snap_info_free(&s);
	if (rv == -1) {
		image_entry_failed(job, cause);
		free(cause);
		return -1;
	}
	return image_applied(job, 0);
}

/* The next entry into job->cur: 1, 0 at the end, -1 (the job ended). */
static int
image_next(struct image_job *job)
{
	char	*cause = NULL;
	int	 r;

	job->cur_extra = 0;
	if (job->next <= job->target) {
		r = journal_get(job->c->d->journal, job->o.branch, job->next,
		    &job->cur, &cause);
		if (r == 1 && memcmp(job->cur.parent, job->prev,
		    HASH_LEN) != 0)
			r = set_cause(&cause, "journal of %s broken at entry "
			    "%llu: parent does not match", job->o.branch,
			    (unsigned long long)job->next);
		if (r == 0)
			r = set_cause(&cause, "entry %s:%llu is missing",
			    job->o.branch, (unsigned long long)job->next);
		if (r == -1) {
			image_fail(job, "%s", cause);
			free(cause);
		}
		return r;
	}
	if (job->extra < job->o.nextra) {
		entry_copy(&job->cur, &job->o.extra[job->extra]);
		job->cur_extra = 1;
		return 1;
	}
	return 0;
}

/* 1 if a checked-in skip up to the target skips the current entry. */
static int
image_skip(struct image_job *job)
{
	uint64_t	by;
	char		note[64];

	if (job->cur_extra || !skips_find(&job->skips, &job->cur, &by) ||
	    by > job->target)
		return 0;
	snprintf(note, sizeof note, ": skipped (entry %llu skips it)",
	    (unsigned long long)by);
	image_progress(job, note);
	if (image_applied(job, JA_SKIPPED) == -1)
		return -1;
	job->skipped++;
	return 1;
}

static void
image_step(struct image_job *job)
{
	int	r;

	for (;;) {
		if (job->c->d->stopping) {
			image_fail(job, "isconfd is stopping; the image stands "
			    "at entry %llu", (unsigned long long)job->rec.seq);
			return;
		}
		if ((r = image_next(job)) == -1)
			return;
		if (r == 0)
			break;
		if ((r = image_skip(job)) == -1)
			return;
		if (r == 1)
			continue;
		switch (job->cur.kind) {
		case ENTRY_EXEC:
			image_progress(job, "");
			image_exec(job);
			return;
		case ENTRY_SNAP:
			image_progress(job, "");
			if (image_snap(job) == -1)
				return;
			break;
		case ENTRY_REBOOT:
			image_progress(job, ": recorded, passed over");
			/* FALLTHROUGH */
		default:
			if (image_applied(job, 0) == -1)
				return;
			break;
		}
	}
	image_built(job);
}

/* The end of the replay: state, record, tarball. */
static void
image_built(struct image_job *job)
{
	char	*cause = NULL;

	if (image_write_state(job, &cause) == -1) {
		image_fail(job, "writing its state: %s", cause);
		free(cause);
		return;
	}
	client_info(job->c, "image %s: %s at entry %llu (%d applied now, %d "
	    "skipped)", job->o.dir, job->o.branch,
	    (unsigned long long)job->rec.seq, job->applied, job->skipped);
	image_finish(job);
}

/* The image's record, if it has one: 1 and its text (caller frees), 0
 * none, -1.  Read through no link, and bounded. */
static int
image_record_read(int homefd, char **text, size_t *len, char **cause)
{
	struct stat	sb;
	ssize_t		n;
	int		fd;

	*text = NULL;
	if ((fd = openat(homefd, IMAGE_RECORD, O_RDONLY | O_NOFOLLOW |
	    O_NONBLOCK | O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			return 0;
		return set_cause(cause, "%s/%s: %s", IMAGE_HOME, IMAGE_RECORD,
		    strerror(errno));
	}
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode) ||
	    sb.st_size > IMAGE_RECORD_MAX) {
		close(fd);
		return set_cause(cause, "%s/%s: not a regular file of at most "
		    "%d bytes", IMAGE_HOME, IMAGE_RECORD, IMAGE_RECORD_MAX);
	}
	*text = xmalloc(IMAGE_RECORD_MAX + 1);
	n = read(fd, *text, IMAGE_RECORD_MAX);
	close(fd);
	if (n == -1) {
		free(*text);
		*text = NULL;
		return set_cause(cause, "%s/%s: %s", IMAGE_HOME, IMAGE_RECORD,
		    strerror(errno));
	}
	(*text)[n] = '\0';
	*len = (size_t)n;
	return 1;
}

/* The image's own journal, in its IS_HOME: never through a link (a
 * base from anywhere may hold one to the host's journal). */
static int
image_journal_open(struct image_job *job, char **cause)
{
	static const char *const names[] = { "journal.db", "journal.db-wal",
	    "journal.db-shm" };
	struct stat	sb;
	char		path[64];
	size_t		i;

	for (i = 0; i < sizeof names / sizeof *names; i++)
		if (fstatat(job->homefd, names[i], &sb,
		    AT_SYMLINK_NOFOLLOW) == 0 && !S_ISREG(sb.st_mode))
			return set_cause(cause, "%s/%s in the image is not a "
			    "regular file", IMAGE_HOME, names[i]);
	snprintf(path, sizeof path, "/proc/self/fd/%d/journal.db",
	    job->homefd);
	if (journal_open(path, &job->j, cause) == -1)
		return -1;
	return journal_branch_create(job->j, job->o.branch, cause);
}

/* A base that is an image: go on after the entry its record names,
 * which must be that entry of the branch here and its journal's head. */
static int
image_continue(struct image_job *job, const char *text, size_t len,
    char **cause)
{
	struct isconfd	*d = job->c->d;
	struct jhead	 ih;
	struct entry	 e;
	char		*why = NULL;
	int		 r;

	if (image_record_decode(text, len, &job->rec, &why) == -1) {
		set_cause(cause, "the base's image record (%s/%s): %s",
		    IMAGE_HOME, IMAGE_RECORD, why);
		free(why);
		return -1;
	}
	if (strcmp(job->rec.branch, job->o.branch) != 0)
		return set_cause(cause, "the base is an image of branch %s, "
		    "not %s (--branch %s)", job->rec.branch, job->o.branch,
		    job->rec.branch);
	if (job->rec.seq > 0) {
		if ((r = journal_get(d->journal, job->o.branch, job->rec.seq,
		    &e, cause)) == -1)
			return -1;
		if (r == 0 || memcmp(e.id, job->rec.head, HASH_LEN) != 0)
			set_cause(cause, "the base image stands at entry %llu, "
			    "which is not entry %llu of %s on this host",
			    (unsigned long long)job->rec.seq,
			    (unsigned long long)job->rec.seq, job->o.branch);
		if (r == 1)
			entry_free(&e);
		if (*cause != NULL)
			return -1;
	}
	if (journal_head(job->j, job->o.branch, &ih, cause) == -1)
		return -1;
	if (ih.seq != job->rec.seq || (ih.seq > 0 &&
	    memcmp(ih.id, job->rec.head, HASH_LEN) != 0))
		return set_cause(cause, "the base image's journal ends at "
		    "entry %llu, its record says %llu",
		    (unsigned long long)ih.seq,
		    (unsigned long long)job->rec.seq);
	memcpy(job->prev, job->rec.head, HASH_LEN);
	job->next = job->rec.seq + 1;
	return 0;
}

/* Where the replay starts and ends.  0 or -1. */
static int
image_position(struct image_job *job, char **cause)
{
	struct isconfd	*d = job->c->d;
	struct jhead	 h;
	char		*text = NULL;
	size_t		 len = 0;
	int		 r;

	if ((r = journal_branch_exists(d->journal, job->o.branch,
	    cause)) != 1)
		return r == 0 ? set_cause(cause, "no branch %s on this host",
		    job->o.branch) : -1;
	if (journal_head(d->journal, job->o.branch, &h, cause) == -1)
		return -1;
	xstrlcpy(job->rec.branch, job->o.branch, sizeof job->rec.branch);
	job->next = 1;
	if ((r = image_record_read(job->homefd, &text, &len, cause)) == -1)
		return -1;
	if (r == 1) {
		r = image_continue(job, text, len, cause);
		free(text);
		if (r == -1)
			return -1;
	} else if (journal_head(job->j, job->o.branch, &h, cause) == -1)
		return -1;
	else if (h.seq != 0)
		return set_cause(cause, "the base has an isconf journal "
		    "(%s/journal.db) but no image record: not an image",
		    IMAGE_HOME);
	if (journal_head(d->journal, job->o.branch, &h, cause) == -1)
		return -1;
	job->target = job->o.at ? job->o.at : h.seq;
	if (job->target > h.seq)
		return set_cause(cause, "--at %llu is past the head of %s "
		    "(%llu)", (unsigned long long)job->o.at, job->o.branch,
		    (unsigned long long)h.seq);
	if (job->target + 1 < job->next)
		return set_cause(cause, "the base image stands at entry %llu, "
		    "past --at %llu", (unsigned long long)job->next - 1,
		    (unsigned long long)job->target);
	return skips_load(d, job->o.branch, job->next - 1, &job->skips,
	    cause);
}

static void
image_fetched(struct isconfd *d, void *arg, int answered)
{
	struct image_job	*job = arg;

	(void)d;
	(void)answered;
	if (job->next <= job->target)
		client_info(job->c, "image %s: replaying %s entries %llu to "
		    "%llu%s", job->o.dir, job->o.branch,
		    (unsigned long long)job->next,
		    (unsigned long long)job->target, job->o.nextra ?
		    ", then the transaction" : "");
	image_step(job);
}

/* DIR holds BASE's content: open its home and journal, and replay. */
static void
image_based(struct image_job *job)
{
	char	*cause = NULL;
	int	 fd;

	if ((job->rootfd = open(job->o.dir, O_PATH | O_DIRECTORY |
	    O_CLOEXEC)) == -1)
		set_cause(&cause, "%s", strerror(errno));
	else if ((fd = image_mkdirs(job->rootfd, "/var/lib", 0755,
	    &cause)) != -1) {
		close(fd);
		if ((job->homefd = image_mkdirs(job->rootfd, IMAGE_HOME,
		    0700, &cause)) != -1 && image_journal_open(job,
		    &cause) == 0 && image_position(job, &cause) == 0) {
			sync_chunks(job->c->d, job->o.branch, job->c,
			    image_fetched, job);
			return;
		}
	}
	image_fail(job, "%s", cause);
	free(cause);
}

/* BASE's content into DIR: a directory is copied (cp -a), a file
 * unpacked (tar). */
static int
image_copy_base(struct image_job *job, char **cause)
{
	struct stat	 sb;
	char		*from, *cp[] = { "cp", "-a", "--", NULL, job->o.dir,
			    NULL }, *tar[] = { "tar", "-xpf", job->o.base,
			    "--numeric-owner", "-C", job->o.dir, NULL }, *what;
	int		 rv;

	if (stat(job->o.base, &sb) == -1)
		return set_cause(cause, "base %s: %s", job->o.base,
		    strerror(errno));
	if (!S_ISDIR(sb.st_mode) && !S_ISREG(sb.st_mode))
		return set_cause(cause, "base %s: not a directory, a tarball "
		    "or an image", job->o.base);
	xasprintf(&from, "%s/.", job->o.base);
	cp[3] = from;
	client_info(job->c, "image %s: copying the base %s", job->o.dir,
	    job->o.base);
	xasprintf(&what, "copying the base %s", job->o.base);
	rv = image_host_cmd(job, S_ISDIR(sb.st_mode) ? cp : tar, what,
	    image_based, cause);
	free(from);
	return rv;
}

/* DIR is made if missing; an existing one must be an empty directory:
 * a build never mixes into what is there.  o.dir becomes its real
 * path. */
static int
image_prepare_dir(struct image_job *job, char **cause)
{
	struct dirent	*de;
	char		 real[PATH_MAX];
	DIR		*dir;
	int		 n = 0;

	if (mkdir(job->o.dir, 0755) == -1 && errno != EEXIST)
		return set_cause(cause, "mkdir %s: %s", job->o.dir,
		    strerror(errno));
	if ((dir = opendir(job->o.dir)) == NULL)
		return set_cause(cause, "%s: %s", job->o.dir, strerror(errno));
	while ((de = readdir(dir)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			n++;
	closedir(dir);
	if (n > 0)
		return set_cause(cause, "%s is not empty: an image is built "
		    "in a new or empty directory (an earlier image goes in "
		    "--base)", job->o.dir);
	if (realpath(job->o.dir, real) == NULL)
		return set_cause(cause, "%s: %s", job->o.dir, strerror(errno));
	free(job->o.dir);
	job->o.dir = xstrdup(real);
	return 0;
}

/* Build o's image (taking o's contents); done(c, ok, arg) at the end,
 * after the failure was told to the client. */
void
image_build(struct client *c, struct image_opts *o, image_done_cb done,
    void *arg)
{
	struct image_job	*job = xcalloc(1, sizeof *job);
	char			*cause = NULL;

	job->c = c;
	job->o = *o;
	memset(o, 0, sizeof *o);
	job->done = done;
	job->arg = arg;
	job->rootfd = job->homefd = -1;
	if (image_prepare_dir(job, &cause) == -1 || (job->o.base != NULL &&
	    image_copy_base(job, &cause) == -1)) {
		image_fail(job, "%s", cause);
		free(cause);
		return;
	}
	if (job->o.base == NULL)
		image_based(job);
}

static void
image_verb_done(struct client *c, int ok, void *arg)
{
	(void)arg;
	client_exit(c, ok ? 0 : 1);
}

/* isconf image build DIR [--base BASE] [--branch B] [--at SEQ] [--net]
 * [--tar FILE] [--with-keys] */
static int
image_parse(struct client *c, struct image_opts *o)
{
	const char	*a, *v;
	char		*end;
	size_t		 i;

	memset(o, 0, sizeof *o);
	if (c->req.argc < 3 || strcmp(c->req.argv[1], "build") != 0)
		return -1;
	for (i = 2; i < c->req.argc; i++) {
		a = c->req.argv[i];
		v = i + 1 < c->req.argc ? c->req.argv[i + 1] : NULL;
		if (strcmp(a, "--net") == 0)
			o->net = 1;
		else if (strcmp(a, "--with-keys") == 0)
			o->with_keys = 1;
		else if (a[0] == '-' && v == NULL)
			return -1;
		else if (strcmp(a, "--base") == 0 && o->base == NULL)
			o->base = client_path(c, c->req.argv[++i]);
		else if (strcmp(a, "--tar") == 0 && o->tar == NULL)
			o->tar = client_path(c, c->req.argv[++i]);
		else if (strcmp(a, "--branch") == 0 && o->branch == NULL)
			o->branch = xstrdup(c->req.argv[++i]);
		else if (strcmp(a, "--at") == 0 && o->at == 0) {
			o->at = strtoull(v, &end, 10);
			if (*v < '0' || *v > '9' || *end != '\0' || o->at == 0)
				return -1;
			i++;
		} else if (a[0] != '-' && o->dir == NULL)
			o->dir = client_path(c, a);
		else
			return -1;
	}
	return o->dir == NULL ? -1 : 0;
}

static void
verb_image(struct client *c)
{
	struct image_opts	o;

	if (image_parse(c, &o) == -1) {
		image_opts_free(&o);
		client_err(c, "usage: isconf image build DIR [--base BASE] "
		    "[--branch BRANCH] [--at SEQ] [--net] [--tar FILE] "
		    "[--with-keys]");
		client_exit(c, EXIT_USAGE);
		return;
	}
	if (o.branch == NULL)
		o.branch = xstrdup(c->d->branch);
	if (!branch_name_ok(c, o.branch)) {
		image_opts_free(&o);
		return;
	}
	image_build(c, &o, image_verb_done, NULL);
}
