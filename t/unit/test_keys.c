/*
 * Unit tests: hmac_keys and nets files, with the manual's rules; the
 * name files, trusted_keys, and NUL bytes in any of conf's files.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "util.h"
#include "conf.h"

static void
test_keys(void **state)
{
	struct hmac_keys	k;
	char			*cause = NULL;

	(void)state;
	assert_int_equal(hmac_keys_parse("hk", "# comment\n\nnewkey\n"
	    "  oldkey  \n+ANY+\n", &k, &cause), 0);
	assert_int_equal(k.n, 2);
	assert_string_equal(k.keys[0], "newkey");
	assert_string_equal(k.keys[1], "oldkey");
	assert_true(k.any);
	hmac_keys_free(&k);

	assert_int_equal(hmac_keys_parse("hk", "# only comments\n\n", &k,
	    &cause), 0);
	assert_int_equal(k.n, 0);
	assert_false(k.any);
	hmac_keys_free(&k);

	assert_int_equal(hmac_keys_parse("hk", "k1\nbad key\n", &k, &cause),
	    -1);
	assert_non_null(strstr(cause, "hk:2:"));
	free(cause);
}

static void
test_nets(void **state)
{
	struct nets	n;
	char		*cause = NULL;

	(void)state;
	assert_int_equal(nets_parse("nets", "127.0.0.1\n\n# c\n10.0.0.255 "
	    "# bcast\n::1\n", &n, &cause), 0);
	assert_int_equal(n.n, 3);
	assert_string_equal(n.addrs[1], "10.0.0.255");
	nets_free(&n);
	assert_int_equal(nets_parse("nets", "127.0.0.1\nnot-an-ip\n", &n,
	    &cause), -1);
	assert_non_null(strstr(cause, "nets:2: not an IP address"));
	free(cause);
}

static void
test_missing_files(void **state)
{
	struct hmac_keys	k;
	struct nets		n;
	char			*cause = NULL;

	(void)state;
	assert_int_equal(hmac_keys_load("/nonexistent/hk", &k, &cause), 0);
	assert_int_equal(k.n, 0);
	assert_int_equal(nets_load("/nonexistent/nets", &n, &cause), 0);
	assert_int_equal(n.n, 0);
}

/* A temporary file holding n bytes of p; its path in path. */
static void
write_tmp(char *path, const char *p, size_t n)
{
	int	fd;

	xstrlcpy(path, "/tmp/isconf-conf-XXXXXX", 32);
	assert_true((fd = mkstemp(path)) != -1);
	assert_int_equal(write(fd, p, n), (ssize_t)n);
	close(fd);
}

/* set_cause frees the cause it replaces: leave none behind. */
static void
expect_cause(char **cause, const char *path, const char *msg)
{
	char	*want;

	xasprintf(&want, "%s%s", path, msg);
	assert_non_null(*cause);
	if (strstr(*cause, want) == NULL)
		fail_msg("error '%s' lacks '%s'", *cause, want);
	free(want);
	free(*cause);
	*cause = NULL;
}

/* Issue 11 #2: a NUL is an error naming its line, not a truncation. */
static void
test_nul_bytes(void **state)
{
	static const char	 keys[] = "k1\nk2\0k3\nk4\n";
	struct hmac_keys	 k;
	struct nets		 n;
	struct trusted_keys	 t;
	struct maincf		*m = NULL;
	char			 path[32], *name, *cause = NULL;

	(void)state;
	write_tmp(path, keys, sizeof keys - 1);
	assert_int_equal(hmac_keys_load(path, &k, &cause), -1);
	assert_int_equal(k.n, 0);
	expect_cause(&cause, path, ":2: NUL byte");
	unlink(path);

	write_tmp(path, "127.0.0.1\0 10.0.0.1\n", 21);
	assert_int_equal(nets_load(path, &n, &cause), -1);
	expect_cause(&cause, path, ":1: NUL byte");
	unlink(path);

	write_tmp(path, "gen\0eric\n", 9);
	assert_int_equal(name_file_read(path, "branch", &name, &cause), -1);
	assert_null(name);
	expect_cause(&cause, path, ":1: NUL byte");
	unlink(path);

	write_tmp(path, "# keys\n\0", 8);
	assert_int_equal(trusted_keys_load(path, &t, &cause), -1);
	expect_cause(&cause, path, ":2: NUL byte");
	unlink(path);

	write_tmp(path, "DEFAULT:\n X = 1\0\n", 17);
	assert_int_equal(maincf_load(path, &m, &cause), -1);
	assert_null(m);
	expect_cause(&cause, path, ":2: NUL byte");
	unlink(path);
}

/* Issue 11 #2: conf/domain and conf/branch hold one valid name. */
static void
test_name_file(void **state)
{
	char	path[32], *name, *cause = NULL;

	(void)state;
	write_tmp(path, "\n  prod-1.a \n\n", 14);
	assert_int_equal(name_file_read(path, "domain", &name, &cause), 0);
	assert_string_equal(name, "prod-1.a");
	free(name);
	unlink(path);

	write_tmp(path, "\n\n", 2);
	assert_int_equal(name_file_read(path, "domain", &name, &cause), 1);
	assert_null(name);
	unlink(path);
	assert_int_equal(name_file_read(path, "domain", &name, &cause), 1);

	write_tmp(path, "ok\nsecond\n", 10);
	assert_int_equal(name_file_read(path, "branch", &name, &cause), -1);
	assert_null(name);
	expect_cause(&cause, path, ":2: more than one branch name");
	unlink(path);

	write_tmp(path, "\nbad/name\x1b\n", 11);
	assert_int_equal(name_file_read(path, "domain", &name, &cause), -1);
	expect_cause(&cause, path, ":2: domain 'bad/name\\x1b' is not a "
	    "valid name");
	unlink(path);
}

static void
test_trusted_keys(void **state)
{
	static const char	 pk[] = "00112233445566778899aabbccddeeff"
	    "00112233445566778899aabbccddeeff";
	struct trusted_keys	 t;
	unsigned char		 key[TRUSTED_KEY_LEN];
	char			*text, *cause = NULL;

	(void)state;
	xasprintf(&text, "# hosts\n\n  %s  # a\n", pk);
	assert_int_equal(trusted_keys_parse("tk", text, &t, &cause), 0);
	free(text);
	assert_true(t.present);
	assert_int_equal(t.n, 1);
	assert_int_equal(hex_decode(key, sizeof key, pk), 0);
	assert_int_equal(trusted_keys_find(&t, key), 1);
	key[0] ^= 1;
	assert_int_equal(trusted_keys_find(&t, key), 0);
	trusted_keys_free(&t);

	xasprintf(&text, "%s\n%.63s\n", pk, pk);
	assert_int_equal(trusted_keys_parse("tk", text, &t, &cause), -1);
	free(text);
	expect_cause(&cause, "tk", ":2: not a hex Ed25519 public key");
	assert_int_equal(trusted_keys_load("/nonexistent/tk", &t, &cause), 0);
	assert_false(t.present);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_nets),
		cmocka_unit_test(test_missing_files),
		cmocka_unit_test(test_nul_bytes),
		cmocka_unit_test(test_name_file),
		cmocka_unit_test(test_trusted_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
