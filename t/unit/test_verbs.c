/*
 * Unit tests: the verb table.  Links every daemon object but main's, so
 * what it checks is the daemon's real table (control.c's verb_entries,
 * each entry defined in its daemon/VERB.c) against lib/verbs.c's specs,
 * the ones the client checks requests with.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "isconfd.h"

/* isconfd.c (main's file) is not linked; stop.c and up.c call this. */
void
isconfd_stop(struct isconfd *d)
{
	(void)d;
	fail_msg("isconfd_stop called");
}

static size_t
entries_named(const char *name)
{
	const struct verb_entry *const	*e;
	size_t				 n = 0;

	for (e = verb_entries; *e != NULL; e++)
		if (strcmp((*e)->name, name) == 0)
			n++;
	return n;
}

/* Every spec has exactly one handler. */
static void
test_spec_one_entry(void **state)
{
	const struct verb_spec	*v;

	(void)state;
	for (v = verb_specs; v->name != NULL; v++) {
		if (entries_named(v->name) != 1)
			fail_msg("verb %s: %zu daemon entries, want 1", v->name,
			    entries_named(v->name));
		assert_non_null(verb_entry_find(v->name)->exec);
	}
}

/* Every handler has a spec (else the daemon could not run it). */
static void
test_entry_has_spec(void **state)
{
	const struct verb_entry *const	*e;

	(void)state;
	for (e = verb_entries; *e != NULL; e++)
		if (verb_find((*e)->name) == NULL)
			fail_msg("daemon entry %s has no spec in lib/verbs.c",
			    (*e)->name);
}

/* Specs: sorted, unique, arity sane, usage naming the verb. */
static void
test_specs(void **state)
{
	const struct verb_spec	*v;
	size_t			 len;

	(void)state;
	for (v = verb_specs; v->name != NULL; v++) {
		if (v != verb_specs)
			assert_true(strcmp(v[-1].name, v->name) < 0);
		assert_true(v->min >= 0);
		assert_true(v->max == -1 || v->max >= v->min);
		len = strlen(v->name);
		assert_memory_equal(v->usage, v->name, len);
		assert_true(v->usage[len] == '\0' || v->usage[len] == ' ');
		assert_ptr_equal(verb_find(v->name), v);
	}
	assert_null(verb_find("nosuchverb"));
	assert_null(verb_entry_find("nosuchverb"));
}

static void
test_args_ok(void **state)
{
	(void)state;
	assert_int_equal(verb_args_ok(verb_find("snap"), 0), 0);
	assert_int_equal(verb_args_ok(verb_find("snap"), 1), 1);
	assert_int_equal(verb_args_ok(verb_find("snap"), 2), 1);	/* -R */
	assert_int_equal(verb_args_ok(verb_find("snap"), 3), 0);
	assert_int_equal(verb_args_ok(verb_find("exec"), 0), 0);
	assert_int_equal(verb_args_ok(verb_find("exec"), 1000), 1);
	/* resolve BRANCH HEAD, changing the host but needing no lock. */
	assert_int_equal(verb_args_ok(verb_find("resolve"), 1), 0);
	assert_int_equal(verb_args_ok(verb_find("resolve"), 2), 1);
	assert_int_equal(verb_args_ok(verb_find("resolve"), 3), 0);
	assert_true(verb_find("resolve")->flags & VERB_CHANGES);
	assert_non_null(verb_entry_find("resolve"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec_one_entry),
		cmocka_unit_test(test_entry_has_spec),
		cmocka_unit_test(test_specs),
		cmocka_unit_test(test_args_ok),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
