/*
 * Dropping a child's privileges, as OpenBSD's daemons do for their
 * network-facing processes (doc/design.md, "Privilege separation"):
 * the child runs as _isconf (nobody, with a warning, where make install
 * did not create it), chrooted to an empty root-owned directory, with
 * no capabilities in any set, PR_SET_NO_NEW_PRIVS, and a seccomp
 * filter (libseccomp) that allows only the calls its caller lists and
 * kills the process on any other.  So a bug in a parser there cannot
 * open the journal or the host key, run a command, or regain root.
 *
 * Under ASan/UBSan the runtime itself makes calls no list foresees
 * (its reports, the symbolizer, the leak checker), so there the filter
 * also allows those and fails any other call with EPERM instead of
 * killing: still nothing unlisted succeeds.
 */
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <malloc.h>
#include <linux/capability.h>
#include <pwd.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"
#include "privdrop.h"

#if defined(__SANITIZE_ADDRESS__) || defined(ISCONF_SANITIZE)
#define PRIVDROP_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(undefined_behavior_sanitizer)
#define PRIVDROP_SANITIZED 1
#endif
#endif

const char *const privdrop_base[] = {
	"read", "write", "readv", "writev", "close", "lseek",
	"brk", "mmap", "munmap", "mremap", "madvise", "mprotect",
	"futex", "clock_gettime", "clock_getres", "gettimeofday", "time",
	"nanosleep", "clock_nanosleep",
	"epoll_wait", "epoll_pwait", "epoll_ctl", "poll", "ppoll", "select",
	"pselect6",
	"fstat", "newfstatat", "statx", "fcntl", "getrandom",
	"getpid", "gettid", "getppid", "getuid", "geteuid",
	"rt_sigreturn", "rt_sigprocmask", "rt_sigaction", "restart_syscall",
	"sendto", "sendmsg", "recvfrom", "recvmsg",	/* syslog, socketpair */
	"exit", "exit_group",
	NULL
};

#ifdef PRIVDROP_SANITIZED
/* What the sanitizers' runtime calls to report, symbolize, unwind and
 * check for leaks. */
static const char *const privdrop_sanitizer[] = {
	"open", "openat", "readlink", "readlinkat", "getdents64", "access",
	"sigaltstack", "sched_yield", "sched_getaffinity", "prctl",
	"tgkill", "kill", "clone", "clone3", "wait4", "waitid", "ptrace",
	"pipe", "pipe2", "dup", "dup2", "dup3", "execve", "getrlimit",
	"prlimit64", "setrlimit", "uname", "ioctl", "getcwd", "stat",
	"lstat", "pread64", "munlock", "mlock", "set_robust_list", "rseq",
	NULL
};
#endif

/*
 * name's ids from /etc/passwd (files) or from the NSS (getpwnam): 1
 * found, 0 not, -1 and a cause on error.  getpwnam loads the NSS
 * modules (libnss_systemd: ~170 KiB of a child's PSS, for one look-up
 * in a process that does nothing else with them).
 */
static int
privdrop_lookup(const char *name, int files, uid_t *uid, gid_t *gid,
    char **cause)
{
	struct passwd	*pw;
	FILE		*f;

	if (files) {
		if ((f = fopen("/etc/passwd", "re")) == NULL)
			return 0;
		while ((pw = fgetpwent(f)) != NULL &&
		    strcmp(pw->pw_name, name) != 0)
			;
		if (pw != NULL) {
			*uid = pw->pw_uid;
			*gid = pw->pw_gid;
		}
		fclose(f);
		return pw != NULL;
	}
	errno = 0;
	if ((pw = getpwnam(name)) == NULL) {
		if (errno != 0 && errno != ENOENT && errno != ESRCH)
			return set_cause(cause, "user %s: %s", name,
			    strerror(errno));
		return 0;
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 1;
}

/* Both names in /etc/passwd before either through the NSS: make install
 * and the package create _isconf there (useradd), and nobody is there
 * on Debian; the NSS modules load only on a host that has neither. */
int
privdrop_user_pick(int (*lookup)(const char *, int, uid_t *, gid_t *,
    char **), uid_t *uid, gid_t *gid, char **warning, char **cause)
{
	const char	*name[] = { PRIVDROP_USER, PRIVDROP_FALLBACK };
	int		 i, r = 0;

	*warning = NULL;
	for (i = 0; i < 4 && r == 0; i++)
		r = lookup(name[i % 2], i < 2, uid, gid, cause);
	if (r == -1)
		return -1;
	if (r == 0)
		return set_cause(cause, "no user %s nor %s in /etc/passwd or "
		    "through the NSS (getpwnam)", PRIVDROP_USER,
		    PRIVDROP_FALLBACK);
	if (*uid == 0 || *gid == 0)
		return set_cause(cause, "user %s has uid or gid 0",
		    name[(i - 1) % 2]);
	/* Say what was asked where: found in /etc/passwd (i == 2), nobody
	 * was chosen before the NSS was asked for _isconf. */
	if (i == 2)
		xasprintf(warning, "no user %s in /etc/passwd (make install "
		    "creates it there; the NSS is not asked while /etc/passwd "
		    "has %s): children run as %s, from /etc/passwd",
		    PRIVDROP_USER, PRIVDROP_FALLBACK, PRIVDROP_FALLBACK);
	else if (i == 4)
		xasprintf(warning, "no user %s in /etc/passwd or through the "
		    "NSS (getpwnam; make install creates it): children run "
		    "as %s, from the NSS", PRIVDROP_USER, PRIVDROP_FALLBACK);
	return 0;
}

int
privdrop_user(uid_t *uid, gid_t *gid, char **cause)
{
	char	*warning;

	if (privdrop_user_pick(privdrop_lookup, uid, gid, &warning,
	    cause) == -1)
		return -1;
	if (warning != NULL)
		log_warnx("%s", warning);
	free(warning);
	return 0;
}

/* 1 if the open directory holds nothing but . and .., 0 if it holds
 * more, -1 on error. */
static int
privdrop_is_empty(int fd)
{
	DIR		*dir;
	struct dirent	*de;
	int		 r = 1;

	if ((fd = dup(fd)) == -1 || (dir = fdopendir(fd)) == NULL) {
		if (fd != -1)
			close(fd);
		return -1;
	}
	errno = 0;
	while ((de = readdir(dir)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0) {
			r = 0;
			break;
		}
	if (de == NULL && errno != 0)
		r = -1;
	closedir(dir);
	return r;
}

int
privdrop_empty_dir(const char *dir, char **cause)
{
	struct stat	 sb;
	int		 fd, r = -1;

	if (mkdir(dir, 0755) == -1 && errno != EEXIST)
		return set_cause(cause, "mkdir %s: %s", dir, strerror(errno));
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1)
		return set_cause(cause, "%s: %s", dir, strerror(errno));
	if (fstat(fd, &sb) == -1)
		set_cause(cause, "%s: %s", dir, strerror(errno));
	else if (sb.st_uid != geteuid())
		set_cause(cause, "%s: owned by uid %lu, not %lu", dir,
		    (unsigned long)sb.st_uid, (unsigned long)geteuid());
	else if ((sb.st_mode & 07777) != 0755 && fchmod(fd, 0755) == -1)
		set_cause(cause, "chmod %s: %s", dir, strerror(errno));
	else if ((r = privdrop_is_empty(fd)) != 1) {
		set_cause(cause, "%s: %s", dir, r == -1 ? strerror(errno) :
		    "not empty");
		r = -1;
	} else
		r = 0;
	close(fd);
	return r;
}

/* Every capability out of the bounding and ambient sets: needs
 * CAP_SETPCAP, so before the uid changes. */
static int
privdrop_bounding(char **cause)
{
	int	cap;

	for (cap = 0; cap <= 63; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == -1 &&
		    errno != EINVAL)
			return set_cause(cause, "drop capability %d: %s", cap,
			    strerror(errno));
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) == -1 &&
	    errno != EINVAL)
		return set_cause(cause, "clear ambient capabilities: %s",
		    strerror(errno));
	return 0;
}

/* And out of the process's own sets (the uid change cleared them
 * already; not root, this is what drops them). */
static int
privdrop_caps(char **cause)
{
	struct __user_cap_header_struct	hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct	data[_LINUX_CAPABILITY_U32S_3];

	memset(data, 0, sizeof data);
	if (syscall(SYS_capset, &hdr, data) == -1)
		return set_cause(cause, "capset: %s", strerror(errno));
	return 0;
}

static int
privdrop_ids(uid_t uid, gid_t gid, char **cause)
{
	if (setgroups(1, &gid) == -1)
		return set_cause(cause, "setgroups: %s", strerror(errno));
	if (setresgid(gid, gid, gid) == -1)
		return set_cause(cause, "setresgid: %s", strerror(errno));
	if (setresuid(uid, uid, uid) == -1)
		return set_cause(cause, "setresuid: %s", strerror(errno));
	/* Belt and braces: root must be out of reach now. */
	if (setuid(0) != -1 || seteuid(0) != -1)
		return set_cause(cause, "could regain uid 0");
	return 0;
}

static int
privdrop_chroot(const char *home, char **cause)
{
	char	*dir = path_join(home, PRIVDROP_EMPTY);
	int	 r = -1;

	if (privdrop_empty_dir(dir, cause) == -1)
		goto out;
	if (chroot(dir) == -1 || chdir("/") == -1) {
		set_cause(cause, "chroot %s: %s", dir, strerror(errno));
		goto out;
	}
	r = 0;
out:
	free(dir);
	return r;
}

static int
privdrop_allow(scmp_filter_ctx ctx, const char *const *names, char **cause)
{
	int	nr, rc;

	for (; names != NULL && *names != NULL; names++) {
		if ((nr = seccomp_syscall_resolve_name(*names)) ==
		    __NR_SCMP_ERROR)
			continue;
		if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0)) < 0)
			return set_cause(cause, "seccomp %s: %s", *names,
			    strerror(-rc));
	}
	return 0;
}

static int
privdrop_listed(const char *const *names, const char *name)
{
	for (; names != NULL && *names != NULL; names++)
		if (strcmp(*names, name) == 0)
			return 1;
	return 0;
}

static int
privdrop_seccomp(const char *const *syscalls, char **cause)
{
	scmp_filter_ctx	 ctx;
	uint32_t	 deflt = SCMP_ACT_KILL_PROCESS;
	int		 rc, r = -1;

#ifdef PRIVDROP_SANITIZED
	deflt = SCMP_ACT_ERRNO(EPERM);
#endif
	if ((ctx = seccomp_init(deflt)) == NULL)
		return set_cause(cause, "seccomp_init failed");
	if (privdrop_allow(ctx, privdrop_base, cause) == -1 ||
	    privdrop_allow(ctx, syscalls, cause) == -1)
		goto out;
#ifdef PRIVDROP_SANITIZED
	if (privdrop_allow(ctx, privdrop_sanitizer, cause) == -1)
		goto out;
#endif
	/* syslog() reconnecting after syslogd restarted: refused, not
	 * killed, so the log line is lost but the child lives (unless
	 * the child makes sockets anyway: the network process). */
	if ((!privdrop_listed(syscalls, "socket") &&
	    (rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES),
	    SCMP_SYS(socket), 0)) < 0) ||
	    (rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0)) < 0 ||
	    (rc = seccomp_load(ctx)) < 0) {
		set_cause(cause, "seccomp: %s", strerror(-rc));
		goto out;
	}
	r = 0;
out:
	seccomp_release(ctx);
	return r;
}

int
privdrop_apply(const struct privdrop *pd, char **cause)
{
	uid_t	uid;
	gid_t	gid;
	int	root = geteuid() == 0;

	if (prctl(PR_SET_PDEATHSIG, SIGTERM) == -1)
		return set_cause(cause, "PR_SET_PDEATHSIG: %s",
		    strerror(errno));
	if (pd->parent != 0 && getppid() != pd->parent)
		return set_cause(cause, "parent already gone");
	tzset();	/* localtime_r in the log, once chrooted */
	if (root) {
		if (privdrop_user(&uid, &gid, cause) == -1 ||
		    privdrop_chroot(pd->home, cause) == -1)
			return -1;
	} else
		log_info("%s: not root: no chroot nor user change, only "
		    "no-new-privs and the system call filter", pd->title);
	if ((root && (privdrop_bounding(cause) == -1 ||
	    privdrop_ids(uid, gid, cause) == -1)) || privdrop_caps(cause) == -1)
		return -1;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		return set_cause(cause, "PR_SET_NO_NEW_PRIVS: %s",
		    strerror(errno));
	/* Dumps could hold what the parent sent; ptrace by the same
	 * unprivileged user too. */
	prctl(PR_SET_DUMPABLE, 0);
	if (privdrop_seccomp(pd->syscalls, cause) == -1)
		return -1;
	/* What start-up freed (the filter's compilation, the user look-up,
	 * the libraries' set-up) stays resident below glibc's trim
	 * threshold: give it back (brk and madvise are allowed). */
	malloc_trim(0);
	return 0;
}
