/* Unit tests: the children's privilege drop (daemon/privdrop.c): the
 * empty directory's checks, and a dropped process as /proc shows it. */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "util.h"
#include "privdrop.h"

static char	tmp[] = "/tmp/test_privdrop.XXXXXX";

static int
setup(void **state)
{
	(void)state;
	return mkdtemp(tmp) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char	cmd[128];

	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
	return system(cmd) == 0 ? 0 : -1;
}

static int
empty_dir(const char *dir)
{
	char	*cause = NULL;
	int	 r;

	r = privdrop_empty_dir(dir, &cause);
	free(cause);
	return r;
}

static void
test_empty_dir(void **state)
{
	char		*dir = path_join(tmp, "empty"), *f, *l;
	struct stat	 sb;
	int		 fd;

	(void)state;
	assert_int_equal(empty_dir(dir), 0);
	assert_int_equal(stat(dir, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0755);
	assert_int_equal(empty_dir(dir), 0);		/* again: as it is */
	assert_int_equal(chmod(dir, 0777), 0);
	assert_int_equal(empty_dir(dir), 0);		/* mode made 0755 */
	assert_int_equal(stat(dir, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0755);
	f = path_join(dir, "file");
	assert_true((fd = open(f, O_CREAT | O_WRONLY, 0600)) != -1);
	close(fd);
	assert_int_equal(empty_dir(dir), -1);		/* not empty */
	assert_int_equal(unlink(f), 0);
	if (geteuid() == 0) {
		assert_int_equal(chown(dir, 1, 1), 0);
		assert_int_equal(empty_dir(dir), -1);	/* not root's */
		assert_int_equal(chown(dir, 0, 0), 0);
	}
	l = path_join(tmp, "link");
	assert_int_equal(symlink(dir, l), 0);
	assert_int_equal(empty_dir(l), -1);		/* never followed */
	free(l);
	free(f);
	free(dir);
}

/* 1 if a line of file has s in it. */
static int
file_has(const char *file, const char *s)
{
	char	 line[512];
	FILE	*f = fopen(file, "r");
	int	 found = 0;

	assert_non_null(f);
	while (!found && fgets(line, sizeof line, f) != NULL)
		found = strstr(line, s) != NULL;
	fclose(f);
	return found;
}

/* The user, and from /etc/passwd where it has one of the names: no NSS
 * module loaded for it (libnss_systemd costs a child ~170 KiB). */
static void
test_user(void **state)
{
	uid_t	 uid = 0;
	gid_t	 gid = 0;
	char	*cause = NULL;

	(void)state;
	assert_int_equal(privdrop_user(&uid, &gid, &cause), 0);
	assert_true(uid != 0 && gid != 0);
	if (file_has("/etc/passwd", PRIVDROP_USER ":") ||
	    file_has("/etc/passwd", PRIVDROP_FALLBACK ":"))
		assert_false(file_has("/proc/self/maps", "/libnss_"));
}

/* Where the fake lookup finds each name: 'f' /etc/passwd, 'n' only
 * through the NSS, '-' nowhere. */
static char	fake_isconf, fake_nobody;

static int
fake_lookup(const char *name, int files, uid_t *uid, gid_t *gid,
    char **cause)
{
	char	where = strcmp(name, PRIVDROP_USER) == 0 ? fake_isconf :
		    fake_nobody;

	(void)cause;
	if (where == '-' || (files && where != 'f'))
		return 0;
	*uid = *gid = strcmp(name, PRIVDROP_USER) == 0 ? 100 : 65534;
	return 1;
}

/* pick ISCONF NOBODY: the uid chosen (0: none) and the warning. */
static uid_t
pick(char isconf, char nobody, char **warning)
{
	uid_t	 uid = 0;
	gid_t	 gid = 0;
	char	*cause = NULL;

	fake_isconf = isconf;
	fake_nobody = nobody;
	*warning = NULL;
	if (privdrop_user_pick(fake_lookup, &uid, &gid, warning,
	    &cause) == -1) {
		*warning = cause;
		return 0;
	}
	return uid;
}

/* The warning names what was looked up where (review: _isconf through
 * the NSS, nobody in /etc/passwd, read "no user _isconf"). */
static void
test_user_warning(void **state)
{
	char	*w;

	(void)state;
	assert_int_equal(pick('f', 'f', &w), 100);
	assert_null(w);
	assert_int_equal(pick('n', '-', &w), 100);
	assert_null(w);
	assert_int_equal(pick('n', 'f', &w), 65534);
	assert_string_equal(w, "no user _isconf in /etc/passwd (make "
	    "install creates it there; the NSS is not asked while "
	    "/etc/passwd has nobody): children run as nobody, from "
	    "/etc/passwd");
	free(w);
	assert_int_equal(pick('-', 'n', &w), 65534);
	assert_string_equal(w, "no user _isconf in /etc/passwd or through "
	    "the NSS (getpwnam; make install creates it): children run as "
	    "nobody, from the NSS");
	free(w);
	assert_int_equal(pick('-', '-', &w), 0);
	assert_string_equal(w, "no user _isconf nor nobody in /etc/passwd "
	    "or through the NSS (getpwnam)");
	free(w);
}

/* The value of a "Name:\tvalue" line of /proc/PID/status. */
static void
status_field(pid_t pid, const char *name, char *out, size_t len)
{
	char	 path[64], line[256];
	FILE	*f;
	size_t	 n = strlen(name);

	snprintf(path, sizeof path, "/proc/%ld/status", (long)pid);
	assert_non_null(f = fopen(path, "r"));
	*out = '\0';
	while (fgets(line, sizeof line, f) != NULL)
		if (strncmp(line, name, n) == 0 && line[n] == ':') {
			snprintf(out, len, "%s", line + n + 2);
			out[strcspn(out, "\n")] = '\0';
		}
	fclose(f);
}

static void __attribute__((noreturn))
dropped_child(int up, int down, pid_t parent)
{
	static const char *const none[] = { NULL };
	struct privdrop	 pd = { "test", tmp, parent, none };
	char		*cause = NULL, c = 'x';

	if (privdrop_apply(&pd, &cause) == -1) {
		fprintf(stderr, "privdrop_apply: %s\n", cause);
		_exit(2);
	}
	if (write(up, &c, 1) != 1 || read(down, &c, 1) != 1)
		_exit(4);
	/* Not on the list: the filter kills (or, sanitized, refuses). */
	if (open("/etc/passwd", O_RDONLY) == -1)
		_exit(3);
	_exit(0);
}

static void
test_apply(void **state)
{
	int	 up[2], down[2], wstatus;
	pid_t	 pid;
	char	 c, v[256], path[64], root[256];
	ssize_t	 n;

	(void)state;
	assert_int_equal(pipe(up), 0);
	assert_int_equal(pipe(down), 0);
	if ((pid = fork()) == 0)
		dropped_child(up[1], down[0], getppid());
	assert_true(pid > 0);
	close(up[1]);
	close(down[0]);
	assert_int_equal(read(up[0], &c, 1), 1);
	status_field(pid, "NoNewPrivs", v, sizeof v);
	assert_string_equal(v, "1");
	status_field(pid, "Seccomp", v, sizeof v);
	assert_string_equal(v, "2");
	status_field(pid, "CapEff", v, sizeof v);
	assert_string_equal(v, "0000000000000000");
	status_field(pid, "CapPrm", v, sizeof v);
	assert_string_equal(v, "0000000000000000");
	if (geteuid() == 0) {
		status_field(pid, "CapBnd", v, sizeof v);
		assert_string_equal(v, "0000000000000000");
		status_field(pid, "Uid", v, sizeof v);
		assert_true(strncmp(v, "0\t", 2) != 0);
		assert_null(strstr(v, "\t0\t"));
		snprintf(path, sizeof path, "/proc/%ld/root", (long)pid);
		assert_true((n = readlink(path, root, sizeof root - 1)) > 0);
		root[n] = '\0';
		assert_string_not_equal(root, "/");
	}
	assert_int_equal(write(down[1], "x", 1), 1);
	assert_int_equal(waitpid(pid, &wstatus, 0), pid);
	assert_true((WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGSYS) ||
	    (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 3));
	close(up[0]);
	close(down[1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_dir),
		cmocka_unit_test(test_user),
		cmocka_unit_test(test_user_warning),
		cmocka_unit_test(test_apply),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
