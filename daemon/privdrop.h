/*
 * Dropping a child's privileges (privdrop.c): the unprivileged user,
 * the empty chroot directory, capabilities, no-new-privs and a
 * seccomp allow-list.  Shared by the network and HTTP children
 * (doc/design.md, "Privilege separation").
 */
#ifndef PRIVDROP_H
#define PRIVDROP_H

#include <sys/types.h>

#define PRIVDROP_USER		"_isconf"
#define PRIVDROP_FALLBACK	"nobody"
#define PRIVDROP_EMPTY		"empty"		/* below IS_HOME */

struct privdrop {
	const char		*title;		/* "http": for the log */
	const char		*home;		/* IS_HOME: chroot to home/empty */
	pid_t			 parent;	/* exit if it is gone */
	/* The system calls the child makes once dropped, NULL-terminated,
	 * besides privdrop_base's; names unknown on this architecture
	 * are skipped. */
	const char *const	*syscalls;
};

/* The calls every child makes (memory, time, its event loop, exiting,
 * logging); the caller's list adds to them. */
extern const char *const privdrop_base[];

/* The user children run as: _isconf, or nobody with a warning.  -1 and
 * a cause if neither exists or the lookup fails. */
int	privdrop_user(uid_t *, gid_t *, char **cause);
/* privdrop_user's choice, through lookup (name, from /etc/passwd or the
 * NSS: 1 found, 0 not, -1 with cause): 0, with *warning (the caller
 * frees it) naming what was looked up where when nobody was chosen,
 * else NULL; or -1 and cause. */
int	privdrop_user_pick(int (*lookup)(const char *, int, uid_t *,
	    gid_t *, char **), uid_t *, gid_t *, char **warning, char **cause);

/* Make dir if missing: an empty directory, owned by root (by us when
 * not root), mode 0755.  -1 and a cause if it is anything else. */
int	privdrop_empty_dir(const char *dir, char **cause);

/*
 * Drop everything, in order: parent-death signal, chroot to
 * pd->home/empty, the user's ids, all capabilities (bounding and
 * ambient sets too), PR_SET_NO_NEW_PRIVS, then the seccomp filter whose
 * default kills the process.  Not root: only the last two, and a log
 * line says so.  Look up anything that needs the filesystem (users,
 * libraries, the time zone) before.  -1 and a cause if a step fails:
 * the caller must then exit, never go on half-dropped.
 */
int	privdrop_apply(const struct privdrop *, char **cause);

#endif
