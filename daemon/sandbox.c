/*
 * Running a command inside an image (isconf image build, ci --test):
 * pivot_root into the image, in new mount, PID, UTS and IPC namespaces
 * (and a new network namespace, with only a down loopback, unless the
 * build asked for the host's network), with a fresh /proc whose sysctl
 * and trigger files are read-only, a tmpfs /dev holding only null,
 * zero, full, random, urandom and tty (the image itself mounted nodev),
 * no /sys, and a capability bounding set without the capabilities
 * that reach past a mount namespace (loading modules, raw I/O, mknod,
 * mount, reboot, the clock, open_by_handle_at, ...).  Nothing of the host's filesystem is
 * left reachable, so what the command writes lands in the image.
 *
 * The process tree: isconfd forks a helper (in the host's PID
 * namespace, the child child.c watches), which unshares the namespaces
 * and forks PID 1 of the new PID namespace, which sets up the image's
 * view and forks the command; each waits and exits with the command's
 * status.  The helper and PID 1 die with their parent
 * (PR_SET_PDEATHSIG), and when PID 1 dies the kernel kills whatever
 * else runs in its namespace: nothing an image's command starts
 * outlives it.
 *
 * Every path below the image is resolved inside it (inroot.c) and the
 * mounts are made on /proc/self/fd/N of the directory so resolved: an
 * image whose /dev or /proc is a symlink cannot point a mount outside.
 */
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "isconfd.h"

extern char **environ;

static const struct {
	const char	*name;
	unsigned	 major, minor;
} sandbox_devs[] = {
	{ "null", 1, 3 }, { "zero", 1, 5 }, { "full", 1, 7 },
	{ "random", 1, 8 }, { "urandom", 1, 9 }, { "tty", 5, 0 },
};

/* Capabilities no command in an image keeps: each reaches the host
 * through something a mount namespace does not hide. */
static const int sandbox_drop[] = {
	CAP_SYS_ADMIN, CAP_SYS_MODULE, CAP_SYS_RAWIO, CAP_MKNOD, CAP_SYS_BOOT,
	CAP_SYS_TIME, CAP_DAC_READ_SEARCH, CAP_SYS_PTRACE, CAP_SYS_PACCT,
	CAP_SYS_RESOURCE, CAP_SYS_NICE, CAP_MAC_ADMIN, CAP_MAC_OVERRIDE,
	CAP_SYSLOG, CAP_WAKE_ALARM, CAP_BLOCK_SUSPEND, CAP_AUDIT_CONTROL,
	CAP_AUDIT_WRITE, CAP_LINUX_IMMUTABLE, CAP_NET_ADMIN, CAP_NET_RAW,
	CAP_IPC_LOCK, CAP_LEASE, 38 /* PERFMON */, 39 /* BPF */,
	40 /* CHECKPOINT_RESTORE */,
};

/* Parts of /proc that write to the host's kernel: read-only. */
static const char *const sandbox_proc_ro[] = {
	"/proc/sys", "/proc/sysrq-trigger", "/proc/irq", "/proc/bus",
	"/proc/fs",
};
/* Parts that show the host's memory or keys: hidden under /dev/null. */
static const char *const sandbox_proc_masked[] = {
	"/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/kmsg",
};

static int sandbox_errfd = 2;

static void __attribute__((noreturn))
sandbox_die(const char *what, const char *arg)
{
	int	saved = errno;

	dprintf(sandbox_errfd, "isconf: error: image sandbox: %s%s%s: %s\n",
	    what, arg ? " " : "", arg ? arg : "", strerror(saved));
	_exit(126);
}

static const char *
fd_path(char *buf, size_t len, int fd)
{
	snprintf(buf, len, "/proc/self/fd/%d", fd);
	return buf;
}

/* The directory name below the image, made if missing, resolved inside
 * it; dies if it cannot be. */
static int
sandbox_dir(int rootfd, const char *name, mode_t mode)
{
	int	fd;

	if (mkdirat(rootfd, name, mode) == -1 && errno != EEXIST)
		sandbox_die("mkdir", name);
	if ((fd = inroot_opendir(rootfd, name)) == -1)
		sandbox_die("open", name);
	return fd;
}

/* One device node: made, or where mknod is not allowed (a container),
 * the host's bind-mounted on an empty file. */
static void
sandbox_dev(int devfd, const char *name, unsigned major, unsigned minor)
{
	char	host[64], dst[64];
	int	fd;

	if (mknodat(devfd, name, S_IFCHR | 0666, makedev(major,
	    minor)) == 0) {
		if (fchmodat(devfd, name, 0666, 0) == -1)
			sandbox_die("chmod /dev/", name);
		return;
	}
	if ((fd = openat(devfd, name, O_WRONLY | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, 0666)) == -1)
		sandbox_die("create /dev/", name);
	close(fd);
	if ((fd = openat(devfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC)) == -1)
		sandbox_die("open /dev/", name);
	snprintf(host, sizeof host, "/dev/%s", name);
	if (mount(host, fd_path(dst, sizeof dst, fd), NULL, MS_BIND,
	    NULL) == -1)
		sandbox_die("bind", host);
	close(fd);
}

static void
sandbox_mount_dev(int rootfd)
{
	char	p[64];
	size_t	i;
	int	fd;

	fd = sandbox_dir(rootfd, "dev", 0755);
	if (mount("tmpfs", fd_path(p, sizeof p, fd), "tmpfs", MS_NOSUID |
	    MS_NOEXEC, "mode=0755,size=1m") == -1)
		sandbox_die("mount tmpfs on", "/dev");
	close(fd);
	if ((fd = inroot_opendir(rootfd, "/dev")) == -1)
		sandbox_die("open", "/dev");
	for (i = 0; i < sizeof sandbox_devs / sizeof sandbox_devs[0]; i++)
		sandbox_dev(fd, sandbox_devs[i].name, sandbox_devs[i].major,
		    sandbox_devs[i].minor);
	if (symlinkat("/proc/self/fd", fd, "fd") == -1 ||
	    symlinkat("/proc/self/fd/0", fd, "stdin") == -1 ||
	    symlinkat("/proc/self/fd/1", fd, "stdout") == -1 ||
	    symlinkat("/proc/self/fd/2", fd, "stderr") == -1 ||
	    mkdirat(fd, "shm", 01777) == -1 ||
	    fchmodat(fd, "shm", 01777, 0) == -1)
		sandbox_die("fill", "/dev");
	close(fd);
}

static void
sandbox_mount_proc(int rootfd)
{
	char	p[64];
	int	fd;

	fd = sandbox_dir(rootfd, "proc", 0555);
	if (mount("proc", fd_path(p, sizeof p, fd), "proc", MS_NOSUID |
	    MS_NODEV | MS_NOEXEC, NULL) == -1)
		sandbox_die("mount", "/proc");
	close(fd);
}

/* After pivot_root: the fresh /proc's dangerous parts. */
static void
sandbox_proc_limit(void)
{
	size_t		i;
	const char	*p;

	for (i = 0; i < sizeof sandbox_proc_ro / sizeof *sandbox_proc_ro;
	    i++) {
		p = sandbox_proc_ro[i];
		if (mount(p, p, NULL, MS_BIND | MS_REC, NULL) == -1) {
			if (errno == ENOENT)
				continue;
			sandbox_die("bind", p);
		}
		if (mount(NULL, p, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY |
		    MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) == -1)
			sandbox_die("read-only", p);
	}
	for (i = 0; i < sizeof sandbox_proc_masked /
	    sizeof *sandbox_proc_masked; i++) {
		p = sandbox_proc_masked[i];
		if (mount("/dev/null", p, NULL, MS_BIND, NULL) == -1 &&
		    errno != ENOENT)
			sandbox_die("mask", p);
	}
}

static void
sandbox_caps(void)
{
	struct __user_cap_header_struct	hdr = { _LINUX_CAPABILITY_VERSION_3,
					    0 };
	struct __user_cap_data_struct	data[2];
	size_t				i;

	for (i = 0; i < sizeof sandbox_drop / sizeof *sandbox_drop; i++)
		if (prctl(PR_CAPBSET_DROP, sandbox_drop[i], 0, 0, 0) == -1 &&
		    errno != EINVAL)	/* EINVAL: unknown to this kernel */
			sandbox_die("drop capability", NULL);
	/* Nothing inheritable or ambient: after exec the command has at
	 * most the bounding set. */
	if (syscall(SYS_capget, &hdr, data) == -1)
		sandbox_die("capget", NULL);
	data[0].inheritable = data[1].inheritable = 0;
	if (syscall(SYS_capset, &hdr, data) == -1)
		sandbox_die("capset", NULL);
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
}

/* The command, PID 2: its own descriptors and capabilities, then
 * exec. */
static void __attribute__((noreturn))
sandbox_run(struct isconfd *d, const struct sandbox *sb, char *const argv[],
    int outfd, int errfd)
{
	int	null;

	if (chdir(sb->cwd) == -1) {
		dprintf(errfd, "isconf: error: cannot chdir to %s: %s\n",
		    sb->cwd, strerror(errno));
		_exit(126);
	}
	sandbox_caps();
	if ((null = open("/dev/null", O_RDWR)) == -1 || dup2(null, 0) == -1 ||
	    dup2(outfd, 1) == -1 || dup2(errfd, 2) == -1)
		sandbox_die("set up stdin, stdout, stderr", NULL);
	sandbox_errfd = 2;
	close_range(3, ~0U, 0);
	umask(022);
	environ = conf_envp(&d->conf);
	execvp(argv[0], argv);
	dprintf(2, "isconf: error: %s: %s\n", argv[0], strerror(errno));
	_exit(errno == ENOENT ? 127 : 126);
}

/*
 * PID 1 of the new namespace: build the image's view, enter it, start
 * the command and reap until it exits, then exit as it did (and the
 * kernel kills the rest of the namespace).  PID 1 is this code, never
 * the command: a command may clear its own parent-death signal, and
 * as PID 1 it would then outlive a helper killed at the timeout, and
 * the build.  Ours is kept, and PID 1 is not the command's to signal
 * (the kernel drops what it sends) or to trace (not dumpable, and it
 * holds capabilities the command has not).
 */
static void __attribute__((noreturn))
sandbox_init(struct isconfd *d, const struct sandbox *sb, char *const argv[],
    int outfd, int errfd)
{
	pid_t	pid, w;
	int	rootfd, wstatus;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	prctl(PR_SET_DUMPABLE, 0);
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == -1)
		sandbox_die("make / private", NULL);
	/* nodev: a device node a base brings (a copy of the host's disk,
	 * /dev/mem) must not open the host's device; /dev is a tmpfs of
	 * its own, and without CAP_MKNOD nothing makes another. */
	if (mount(sb->root, sb->root, NULL, MS_BIND, NULL) == -1 ||
	    mount(NULL, sb->root, NULL, MS_BIND | MS_REMOUNT | MS_NODEV,
	    NULL) == -1)
		sandbox_die("bind", sb->root);
	if ((rootfd = open(sb->root, O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1)
		sandbox_die("open", sb->root);
	sandbox_mount_dev(rootfd);
	sandbox_mount_proc(rootfd);
	if (fchdir(rootfd) == -1 || syscall(SYS_pivot_root, ".", ".") == -1)
		sandbox_die("pivot_root into", sb->root);
	if (umount2(".", MNT_DETACH) == -1 || chdir("/") == -1)
		sandbox_die("detach the host's root", NULL);
	close(rootfd);
	sandbox_proc_limit();
	if ((pid = fork()) == -1)
		sandbox_die("fork", NULL);
	if (pid == 0)
		sandbox_run(d, sb, argv, outfd, errfd);
	close_range(0, ~0U, 0);
	while ((w = waitpid(-1, &wstatus, 0)) != pid)
		if (w == -1 && errno != EINTR)
			_exit(126);
	_exit(child_status(wstatus));
}

/*
 * In the child child_spawn forked: make the namespaces, start their
 * PID 1, and exit as it does.
 */
void
sandbox_exec(struct isconfd *d, const struct sandbox *sb, char *const argv[],
    int outfd, int errfd)
{
	sigset_t	set;
	pid_t		pid, w;
	int		i, flags, wstatus;

	for (i = 1; i < NSIG; i++)
		signal(i, SIG_DFL);
	sigemptyset(&set);
	sigprocmask(SIG_SETMASK, &set, NULL);
	setsid();
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	sandbox_errfd = errfd;
	flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC;
	if (!sb->net)
		flags |= CLONE_NEWNET;
	if (unshare(flags) == -1)
		sandbox_die("unshare namespaces", NULL);
	if ((pid = fork()) == -1)
		sandbox_die("fork", NULL);
	if (pid == 0)
		sandbox_init(d, sb, argv, outfd, errfd);
	/* Only PID 1 and what it starts hold the output pipes. */
	close_range(0, ~0U, 0);
	while ((w = waitpid(pid, &wstatus, 0)) == -1 && errno == EINTR)
		;
	if (w == -1)
		_exit(126);
	_exit(child_status(wstatus));
}
