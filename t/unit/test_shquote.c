/*
 * Unit tests: argv shown shell-quoted (issue 20): plain words as they
 * are, the rest quoted so that bash, given the text back, reads the
 * same words.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "util.h"

static void
check(char *const argv[], size_t argc, const char *want)
{
	char	*got = argv_quote(argv, argc);

	assert_string_equal(got, want);
	free(got);
}

static void
test_forms(void **state)
{
	char	*plain[] = { "tar", "-xzf", "/tmp/foo-1.2.tar.gz", "a=b" };
	char	*sh[] = { "sh", "-c", "echo running on $IS_HOSTNAME; test -e x" };
	char	*q[] = { "echo", "it's", "" };
	char	*ctl[] = { "printf", "a\nb\t\x1b[0m", "\xff" };
	char	*assign[] = { "A=b", "c" };
	char	*utf[] = { "echo", "h\xc3\xa9llo" };

	(void)state;
	check(plain, 4, "tar -xzf /tmp/foo-1.2.tar.gz a=b");
	check(sh, 3, "sh -c 'echo running on $IS_HOSTNAME; test -e x'");
	check(q, 3, "echo 'it'\\''s' ''");
	check(ctl, 3, "printf $'a\\nb\\t\\x1b[0m' $'\\xff'");
	check(assign, 2, "'A=b' c");
	check(utf, 2, "echo 'h\xc3\xa9llo'");
	check(NULL, 0, "");
}

/* What bash makes of the quoted text: each word in [], one string. */
static void
roundtrip(char *const argv[], size_t argc)
{
	struct buf	 want, cmd;
	char		 out[4096], path[] = "/tmp/shquote.XXXXXX", *run;
	size_t		 i, n;
	FILE		*f;
	int		 fd;

	buf_init(&want);
	buf_init(&cmd);
	for (i = 0; i < argc; i++)
		buf_printf(&want, "[%s]", argv[i]);
	buf_add_u8(&want, 0);
	/* A script, not popen's sh -c: dash has no $'...'. */
	buf_printf(&cmd, "printf '[%%s]' ");
	buf_add_argv(&cmd, argv, argc);
	assert_true((fd = mkstemp(path)) != -1);
	assert_int_equal(write(fd, cmd.data, cmd.len), (ssize_t)cmd.len);
	close(fd);
	xasprintf(&run, "bash %s", path);
	assert_non_null(f = popen(run, "r"));
	n = fread(out, 1, sizeof out - 1, f);
	out[n] = '\0';
	assert_int_equal(pclose(f), 0);
	unlink(path);
	free(run);
	assert_string_equal(out, (char *)want.data);
	buf_free(&want);
	buf_free(&cmd);
}

static void
test_roundtrip(void **state)
{
	char	*a[] = { "sh", "-c", "echo $HOME; test -e '/x y' && `id`" };
	char	*b[] = { "it's", "\"q\"", "back\\slash", "*", "~", "#c", "" };
	char	*c[] = { "nl\nx", "tab\tx", "bad\xff", "esc\x1b", "q'\n" };

	(void)state;
	roundtrip(a, 3);
	roundtrip(b, 7);
	roundtrip(c, 5);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forms),
		cmocka_unit_test(test_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
