/* Unit tests: main.cf as the ISconf 4 manual defines it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "util.h"
#include "conf.h"

/* The manual's example main.cf, verbatim. */
static const char *manual =
"      DEFAULT:\n"
"          NTPSERVERS = ntp1 ntp2 bigben.ucsd.edu mcs.anl.gov\n"
"          IS_NETS=/etc/is/nets\n"
"  \n"
"      NET1:\n"
"          GATEWAY = 10.10.1.1\n"
"  \n"
"      NET2:\n"
"          GATEWAY = 10.10.2.1\n"
"  \n"
"      # The host 'scotty' will end up with these environment variables\n"
"      # set during the ISconf run:\n"
"      #\n"
"      # NTPSERVERS=\"ntp1 ntp2 bigben.ucsd.edu mcs.anl.gov\"\n"
"      # GATEWAY=10.10.1.1\n"
"      # building=23\n"
"      # floor=2\n"
"      # IS_NETS=/etc/is/nets.scotty\n"
"      #\n"
"      scotty: NET1\n"
"          building = this value is ignored\n"
"          building = 23\n"
"          floor = 2\n"
"          IS_NETS=/etc/is/nets.scotty\n"
"  \n"
"      # kirk will get:\n"
"      #\n"
"      # NTPSERVERS=\"ntp1 ntp2 bigben.ucsd.edu mcs.anl.gov\"\n"
"      # IS_NETS=/etc/is/nets\n"
"      # GATEWAY = 10.10.2.1\n"
"      # building=52\n"
"      # floor=12\n"
"      # \n"
"      kirk: NET2\n"
"          building = 52\n"
"          floor = 12\n"
"  \n"
"      LOST:\n"
"          building = unknown\n"
"          floor = unknown\n"
"  \n"
"      # any other host in example.com:\n"
"      #\n"
"      # NTPSERVERS=\"ntp1 ntp2 bigben.ucsd.edu mcs.anl.gov\"\n"
"      # IS_NETS=/etc/is/nets\n"
"      # building=unknown\n"
"      # floor=unknown\n"
"      # GATEWAY=10.2.3.1\n"
"      # \n"
"      ^.*\\.example\\.com: LOST\n"
"          GATEWAY = 10.2.3.1\n"
"  \n"
"      # any other host not in example.com:\n"
"      #\n"
"      # NTPSERVERS=\"ntp1 ntp2 bigben.ucsd.edu mcs.anl.gov\"\n"
"      # IS_NETS=/etc/is/nets\n"
"      # building=unknown\n"
"      # floor=unknown\n"
"      # GATEWAY=10.0.0.1\n"
"      # \n"
"      ^.*: LOST\n"
"          GATEWAY = 10.0.0.1\n";

static void
resolve(const char *text, const char *host, const char *fqdn,
    struct conf_env *env)
{
	struct maincf	*m;
	char		*cause = NULL;

	memset(env, 0, sizeof *env);
	assert_int_equal(maincf_parse("main.cf", text, &m, &cause), 0);
	assert_int_equal(maincf_resolve(m, host, fqdn, env, &cause), 0);
	maincf_free(m);
}

static void
expect(struct conf_env *env, const char *name, const char *value)
{
	const char	*v = env_get(env, name);

	if (value == NULL) {
		assert_null(v);
		return;
	}
	assert_non_null(v);
	assert_string_equal(v, value);
}

static void
test_manual_scotty(void **state)
{
	struct conf_env	env;

	(void)state;
	resolve(manual, "scotty", "scotty.example.com", &env);
	expect(&env, "NTPSERVERS", "ntp1 ntp2 bigben.ucsd.edu mcs.anl.gov");
	expect(&env, "GATEWAY", "10.10.1.1");
	expect(&env, "building", "23");
	expect(&env, "floor", "2");
	expect(&env, "IS_NETS", "/etc/is/nets.scotty");
	assert_int_equal(env.n, 5);
	env_free(&env);
}

static void
test_manual_kirk(void **state)
{
	struct conf_env	env;

	(void)state;
	resolve(manual, "kirk", "kirk", &env);
	expect(&env, "NTPSERVERS", "ntp1 ntp2 bigben.ucsd.edu mcs.anl.gov");
	expect(&env, "IS_NETS", "/etc/is/nets");
	expect(&env, "GATEWAY", "10.10.2.1");
	expect(&env, "building", "52");
	expect(&env, "floor", "12");
	assert_int_equal(env.n, 5);
	env_free(&env);
}

static void
test_manual_example_com(void **state)
{
	struct conf_env	env;

	(void)state;
	resolve(manual, "spock", "spock.example.com", &env);
	expect(&env, "NTPSERVERS", "ntp1 ntp2 bigben.ucsd.edu mcs.anl.gov");
	expect(&env, "IS_NETS", "/etc/is/nets");
	expect(&env, "building", "unknown");
	expect(&env, "floor", "unknown");
	expect(&env, "GATEWAY", "10.2.3.1");
	assert_int_equal(env.n, 5);
	env_free(&env);
}

static void
test_manual_elsewhere(void **state)
{
	struct conf_env	env;

	(void)state;
	resolve(manual, "worf", "worf.klingon.org", &env);
	expect(&env, "NTPSERVERS", "ntp1 ntp2 bigben.ucsd.edu mcs.anl.gov");
	expect(&env, "IS_NETS", "/etc/is/nets");
	expect(&env, "building", "unknown");
	expect(&env, "floor", "unknown");
	expect(&env, "GATEWAY", "10.0.0.1");
	env_free(&env);
}

static void
test_default_anywhere_and_comments(void **state)
{
	struct conf_env	env;
	const char	*text =
	    "a b c: INC\n  X = from a   # trailing comment\n"
	    "INC:\n  X = from inc\n  Y = inc\n"
	    "DEFAULT:\n  X = default\n  Z = default\n";

	(void)state;
	resolve(text, "b", "b.example.com", &env);
	expect(&env, "X", "from a");
	expect(&env, "Y", "inc");
	expect(&env, "Z", "default");
	env_free(&env);
	resolve(text, "d", "d", &env);
	expect(&env, "X", "default");
	expect(&env, "Y", NULL);
	env_free(&env);
}

static void
test_fqdn_and_first_match(void **state)
{
	struct conf_env	env;
	const char	*text =
	    "web1.example.com:\n  R = fqdn\n"
	    "web1:\n  R = short\n"
	    "^web.*:\n  R = regex\n";

	(void)state;
	resolve(text, "web1", "web1.example.com", &env);
	expect(&env, "R", "fqdn");
	env_free(&env);
	resolve(text, "web1", "web1.other.net", &env);
	expect(&env, "R", "short");
	env_free(&env);
	resolve(text, "web2", "web2.other.net", &env);
	expect(&env, "R", "regex");
	env_free(&env);
	resolve(text, "Web1", "Web1", &env);	/* case is significant */
	expect(&env, "R", NULL);
	env_free(&env);
}

static void
expect_error(const char *text, const char *msg)
{
	struct maincf	*m = NULL;
	char		*cause = NULL;

	assert_int_equal(maincf_parse("/etc/isconf/main.cf", text, &m,
	    &cause), -1);
	assert_non_null(cause);
	if (strstr(cause, msg) == NULL)
		fail_msg("error '%s' lacks '%s'", cause, msg);
	free(cause);
}

static void
assert_regex_ok(const char *text)
{
	struct maincf	*m = NULL;
	char		*cause = NULL;

	assert_int_equal(maincf_parse("f", text, &m, &cause), 0);
	maincf_free(m);
}

static void
test_errors(void **state)
{
	(void)state;
	expect_error("X = 1\n", "main.cf:1: setting X before");
	expect_error("DEFAULT:\n  X = 1\n\n  junk here\n", "main.cf:4: expected");
	expect_error("a: NOPE\n", "main.cf:1: include NOPE: no such stanza");
	expect_error("# c\n^(a: \n", "main.cf:2: bad regex");
	/* Each stacked operator doubled regcomp's memory (make fuzz). */
	expect_error("^a++++++++:\n", "a repetition that follows neither");
	expect_error("^a*{2}:\n", "a repetition that follows neither");
	assert_regex_ok("^[+*]x+:\n");
}

static void
accept_regex(const char *re)
{
	struct maincf	*m = NULL;
	char		*text, *cause = NULL;

	xasprintf(&text, "%s:\n  X = 1\n", re);
	if (maincf_parse("main.cf", text, &m, &cause) == -1)
		fail_msg("%s refused: %s", re, cause);
	maincf_free(m);
	free(text);
}

/* Issue 11 #7: regcomp blowup is refused before regcomp sees it. */
static void
test_regex_bound(void **state)
{
	char	re[300], *text;

	(void)state;
	/* ^ then 150 '+': regcomp would take gigabytes. */
	memset(re, '+', sizeof re);
	re[0] = '^';
	re[1] = 'a';
	re[150] = '\0';
	xasprintf(&text, "# c\n%s:\n", re);
	expect_error(text, "main.cf:2: regex target ^a++++");
	free(text);
	expect_error("^a++:\n", "main.cf:1: regex target ^a++: a "
	    "repetition that follows");
	expect_error("^a{2}{3}:\n", "a repetition that follows");
	expect_error("^(ab)+:\n", "a repetition that follows");
	expect_error("^(a?){0,511}:\n", "a repetition that follows");
	expect_error("^a{1,32767}:\n", "a {} count is larger than 255");
	expect_error("^a{256}:\n", "a {} count is larger than 255");
	expect_error("^a{3,2}:\n", "a malformed {} interval");
	expect_error("^a{x}:\n", "a malformed {} interval");
	expect_error("^(a)\\1:\n", "a back-reference");
	expect_error("^[a-z:\n", "an unterminated [");
	expect_error("^*a:\n", "a repetition that follows");
	memset(re, 'a', sizeof re);
	re[0] = '^';
	re[256] = '\0';
	xasprintf(&text, "%s:\n", re);
	expect_error(text, "longer than 255 bytes");
	free(text);

	re[255] = '\0';
	accept_regex(re);
	accept_regex("^web[0-9]+\\.example\\.com$");
	accept_regex("^(web|db)[0-9]{1,3}[.]");
	accept_regex("^a{1,255}b{2,}c{3}.*x?");
	accept_regex("^[]a-z[:digit:]-]+[^]]*\\.+");
	accept_regex("^\\bfoo\\w+");
}

static void
test_include_loop(void **state)
{
	struct maincf	*m;
	struct conf_env	 env;
	char		*cause = NULL;

	(void)state;
	memset(&env, 0, sizeof env);
	assert_int_equal(maincf_parse("f", "a: b\nb: a\n", &m, &cause), 0);
	assert_int_equal(maincf_resolve(m, "a", "a", &env, &cause), -1);
	assert_non_null(strstr(cause, "loop"));
	free(cause);
	env_free(&env);
	maincf_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_manual_scotty),
		cmocka_unit_test(test_manual_kirk),
		cmocka_unit_test(test_manual_example_com),
		cmocka_unit_test(test_manual_elsewhere),
		cmocka_unit_test(test_default_anywhere_and_comments),
		cmocka_unit_test(test_fqdn_and_first_match),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_regex_bound),
		cmocka_unit_test(test_include_loop),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
