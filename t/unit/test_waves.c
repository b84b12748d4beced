/*
 * Unit tests: the canary waves' gating decision (daemon/waves.c), and
 * that the daemon's up (daemon/upwaves.c) and the simulation
 * (bench/sim_waves.c) decide with the same functions.  Run from the
 * source tree (make test-unit), the binary in BUILD/t/unit/.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "calls.h"
#include "waves.h"

static char	build[4096];

static const char *const three[] = { "canary", "early", "rest" };
/* The transaction at 42: its lock 42, an exec 43, its ci 44. */
static const struct wave_txn txn = { three, 3, 42, 44 };

static void
test_index_need(void **state)
{
	(void)state;
	assert_int_equal(waves_index(&txn, "canary"), 0);
	assert_int_equal(waves_index(&txn, "early"), 1);
	assert_int_equal(waves_index(&txn, NULL), 2);
	assert_int_equal(waves_index(&txn, ""), 2);
	assert_int_equal(waves_index(&txn, "elsewhere"), 2);
	assert_int_equal(waves_need(2, 1, 0), 1);
	assert_int_equal(waves_need(2, 5, 0), 2);	/* at most all */
	assert_int_equal(waves_need(0, 1, 0), 1);
	assert_int_equal(waves_need(10, 50, 1), 5);
	assert_int_equal(waves_need(3, 50, 1), 2);	/* rounded up */
	assert_int_equal(waves_need(3, 1, 1), 1);
	assert_int_equal(waves_need(3, 100, 1), 3);
}

static void
test_first_wave_never_waits(void **state)
{
	struct wave_gate	g;
	struct wave_txn		none = { three, 0, 42, 44 };

	(void)state;
	assert_int_equal(waves_gate(&txn, "canary", NULL, 0, 1, 0, &g), 1);
	assert_int_equal(g.go, 1);
	/* A ci without waves: today's behaviour. */
	assert_int_equal(waves_gate(&none, "rest", NULL, 0, 1, 0, &g), 1);
}

static void
test_failure_stops_later_waves(void **state)
{
	struct wave_host	h[] = {
		{ "web1", "canary", 44, 0, 0, 0 },
		{ "web3", "canary", 41, 43, 1, 0 },
		{ "app1", "early", 41, 0, 0, 0 },
	};
	struct wave_gate	g;
	char			why[256];

	(void)state;
	assert_int_equal(waves_gate(&txn, "early", h, 3, 1, 0, &g), 0);
	assert_int_equal(g.wave, 0);
	assert_int_equal(g.applied, 1);
	assert_int_equal(g.total, 2);
	assert_string_equal(g.failed_host, "web3");
	waves_why(&txn, &g, why, sizeof why);
	assert_string_equal(why, "waiting for wave canary: 1 of 2 hosts "
	    "applied the transaction at 42; web3 failed on entry 43 with "
	    "status 1");
	/* And the last wave, through the first. */
	assert_int_equal(waves_gate(&txn, "rest", h, 3, 1, 0, &g), 0);
	assert_int_equal(g.wave, 0);
	/* A failure in an earlier transaction is not this one's. */
	h[1].failed_seq = 40;
	assert_int_equal(waves_gate(&txn, "early", h, 3, 1, 0, &g), 1);
	/* One skipped by a checked-in skip moves the rollout on. */
	h[1].failed_seq = 43;
	h[1].failed_skipped = 1;
	assert_int_equal(waves_gate(&txn, "early", h, 3, 1, 0, &g), 1);
}

static void
test_rolls_wave_by_wave(void **state)
{
	struct wave_host	h[] = {
		{ "c1", "canary", 41, 0, 0, 0 },
		{ "c2", "canary", 41, 0, 0, 0 },
		{ "e1", "early", 41, 0, 0, 0 },
		{ "r1", "", 41, 0, 0, 0 },
	};
	struct wave_gate	g;
	char			why[256];

	(void)state;
	assert_int_equal(waves_gate(&txn, "early", h, 4, 1, 0, &g), 0);
	waves_why(&txn, &g, why, sizeof why);
	assert_string_equal(why, "waiting for wave canary: 0 of 2 hosts "
	    "applied the transaction at 42; 1 needed (IS_WAVE_MIN)");
	h[0].applied = 44;
	assert_int_equal(waves_gate(&txn, "early", h, 4, 1, 0, &g), 1);
	/* rest waits for early too, and for all canaries at 100%. */
	assert_int_equal(waves_gate(&txn, "rest", h, 4, 1, 0, &g), 0);
	assert_int_equal(g.wave, 1);
	h[2].applied = 45;
	assert_int_equal(waves_gate(&txn, "rest", h, 4, 1, 0, &g), 1);
	assert_int_equal(waves_gate(&txn, "rest", h, 4, 100, 1, &g), 0);
	assert_int_equal(g.wave, 0);
	assert_int_equal(g.need, 2);
	assert_int_equal(waves_gate(&txn, "rest", h, 4, 2, 0, &g), 0);
	h[1].applied = 44;
	assert_int_equal(waves_gate(&txn, "rest", h, 4, 100, 1, &g), 1);
}

static void
test_unknown_wave_waits(void **state)
{
	struct wave_host	h[] = { { "r1", "rest", 41, 0, 0, 0 } };
	struct wave_gate	g;
	char			why[256];

	(void)state;
	assert_int_equal(waves_gate(&txn, "early", h, 1, 1, 0, &g), 0);
	assert_int_equal(g.total, 0);
	waves_why(&txn, &g, why, sizeof why);
	assert_string_equal(why, "waiting for wave canary: no host of it is "
	    "known here yet (transaction at 42)");
}

/* Before it starts a transaction, up asks the hosts of earlier waves
 * whose receipts do not cover it: a success held elsewhere in the wave
 * is no proof that this one did not fail.  A failure held settles the
 * verdict without asking. */
static void
test_ask_before_start(void **state)
{
	struct wave_host	 h[3] = {
		{ "c1", "canary", 44, 0, 0, 0 },	/* applied it */
		{ "c2", "canary", 41, 0, 0, 0 },	/* not yet known */
		{ "e1", "early", 41, 0, 0, 0 },
	};
	struct wave_gate	 g;

	(void)state;
	/* c1's success lets early through; c2 is still asked first. */
	assert_int_equal(waves_gate(&txn, "early", h, 3, 1, 0, &g), 1);
	assert_false(waves_settled(&g));
	assert_false(waves_to_ask(&txn, "early", &h[0]));
	assert_true(waves_to_ask(&txn, "early", &h[1]));
	assert_false(waves_to_ask(&txn, "early", &h[2]));	/* same wave */
	assert_true(waves_to_ask(&txn, "rest", &h[2]));
	assert_false(waves_to_ask(&txn, "canary", &h[1]));
	/* c2's answer: it failed in the transaction.  It covers it, and
	 * the wait it causes needs no asking. */
	h[1].failed_seq = 43;
	h[1].failed_status = 1;
	assert_true(waves_covers(&txn, &h[1]));
	assert_false(waves_to_ask(&txn, "early", &h[1]));
	assert_int_equal(waves_gate(&txn, "early", h, 3, 1, 0, &g), 0);
	assert_true(waves_settled(&g));
	/* A failure before the transaction does not cover it. */
	h[1].failed_seq = 5;
	assert_false(waves_covers(&txn, &h[1]));
	/* A wait for want of successes is not settled: asking may help. */
	h[0].applied = 41;
	h[1].failed_seq = 0;
	assert_int_equal(waves_gate(&txn, "early", h, 3, 1, 0, &g), 0);
	assert_false(waves_settled(&g));
}

/* Every waves_* function up's gate calls, the simulation calls too
 * (nm -u of both objects; both link the one daemon/waves.o), and the
 * gate itself is among them. */
static void
test_same_gate(void **state)
{
	char	names[16][64];
	size_t	n, i, shared = 0;
	int	gate = 0;

	(void)state;
	n = calls_declared("daemon/waves.h", "waves_", names, 16);
	assert_true(n >= 3);
	for (i = 0; i < n; i++) {
		if (!calls_object(build, "daemon/upwaves.o", names[i]))
			continue;
		if (!calls_object(build, "bench/sim_waves.o", names[i]))
			fail_msg("bench/sim_waves does not call %s", names[i]);
		shared++;
		gate |= strcmp(names[i], "waves_gate") == 0;
	}
	assert_true(gate);
	assert_true(shared >= 5);	/* ... and the ask's rules */
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_index_need),
		cmocka_unit_test(test_first_wave_never_waits),
		cmocka_unit_test(test_failure_stops_later_waves),
		cmocka_unit_test(test_rolls_wave_by_wave),
		cmocka_unit_test(test_unknown_wave_waits),
		cmocka_unit_test(test_ask_before_start),
		cmocka_unit_test(test_same_gate),
	};

	(void)argc;
	calls_build_dir(build, sizeof build, argv[0]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
