/* Unit tests: the mesh's decisions (daemon/rules.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "rules.h"

static uint64_t	seed = 88172645463325252ULL;

static uint32_t
xrand(uint32_t upper)
{
	seed ^= seed << 13;
	seed ^= seed >> 7;
	seed ^= seed << 17;
	return (uint32_t)(seed % upper);
}

static void
test_choose(void **state)
{
	size_t	out[8], hits[20], i, j, r;

	(void)state;
	memset(hits, 0, sizeof hits);
	for (r = 0; r < 20000; r++) {
		rules_choose(20, 4, out, xrand);
		for (i = 0; i < 4; i++) {
			assert_true(out[i] < 20);
			for (j = 0; j < i; j++)
				assert_true(out[i] != out[j]);
			hits[out[i]]++;
		}
	}
	/* Each index is picked 4000 times on average; none is favoured
	 * (the old walk favoured the head of the peer list). */
	for (i = 0; i < 20; i++)
		assert_true(hits[i] > 3600 && hits[i] < 4400);
	rules_choose(3, 3, out, xrand);
	assert_int_equal(out[0] + out[1] + out[2], 0 + 1 + 2);
}

static void
test_choose_behind(void **state)
{
	uint8_t	behind[10] = { 0, 1, 0, 0, 1, 0, 0, 0, 0, 0 };
	size_t	out[4], i, n;

	(void)state;
	for (n = 0; n < 100; n++) {
		rules_choose_behind(10, 4, behind, out, xrand);
		/* both peers that are behind, every time */
		assert_true((out[0] == 1 && out[1] == 4) ||
		    (out[0] == 4 && out[1] == 1));
		for (i = 2; i < 4; i++)
			assert_true(out[i] < 10 && !behind[out[i]] &&
			    out[i] != out[5 - i]);
	}
	memset(behind, 1, sizeof behind);
	rules_choose_behind(10, 3, behind, out, xrand);
	assert_true(out[0] != out[1] && out[1] != out[2] && out[0] != out[2]);
}

static void
test_fanout(void **state)
{
	(void)state;
	assert_int_equal(rules_fanout(ANNOUNCE_CHANGE, 500), 500);
	assert_int_equal(rules_fanout(ANNOUNCE_NEWS, 500), GOSSIP_FANOUT_NEWS);
	assert_int_equal(rules_fanout(ANNOUNCE_TICK, 500), GOSSIP_FANOUT_TICK);
	assert_int_equal(rules_fanout(ANNOUNCE_TICK, 2), 2);
	assert_true(rules_alive(10000, 9000, 500));
	assert_false(rules_alive(10000, 8500, 500));
	assert_false(rules_forget(GOSSIP_FORGET_MS, 1, GOSSIP_FORGET_MS));
	assert_true(rules_forget(GOSSIP_FORGET_MS + 2, 1, GOSSIP_FORGET_MS));
	assert_true(rules_statics_due(5, 1));
	assert_false(rules_statics_due(5, 100));
	assert_true(rules_statics_due(GOSSIP_STATIC_EVERY * 3, 100));
	for (int i = 0; i < 100; i++) {
		int64_t ms = rules_tick_ms(5000, xrand);
		assert_true(ms >= 5000 && ms < 5000 + GOSSIP_JITTER_MS);
	}
}

static void
test_claim_answer(void **state)
{
	struct claim_view	v;

	(void)state;
	memset(&v, 0, sizeof v);
	v.head_seq = v.base_seq = 7;
	v.clock = 5;
	v.host = "b";
	assert_int_equal(rules_claim_answer(&v), CLAIM_GRANT);
	v.holder_known = 1;
	assert_int_equal(rules_claim_answer(&v), CLAIM_DENY_HELD);
	v.holder_is_claimant = 1;
	assert_int_equal(rules_claim_answer(&v), CLAIM_GRANT);
	v.holder_known = 0;
	v.head_seq = 8;
	assert_int_equal(rules_claim_answer(&v), CLAIM_DENY_AHEAD);
	v.head_seq = 7;
	v.own_claim = 1;
	v.own_clock = 5;
	v.own_host = "a";	/* same clock, a before b */
	assert_int_equal(rules_claim_answer(&v), CLAIM_DENY_EARLIER);
	assert_false(rules_claim_yields(&v));
	v.own_host = "c";
	assert_int_equal(rules_claim_answer(&v), CLAIM_GRANT);
	assert_true(rules_claim_yields(&v));	/* b's claim came first */
	v.own_clock = 4;
	assert_int_equal(rules_claim_answer(&v), CLAIM_DENY_EARLIER);
	assert_false(rules_claim_yields(&v));
	v.own_claim = 0;
	assert_false(rules_claim_yields(&v));
	v.rival_granted = 1;
	assert_int_equal(rules_claim_answer(&v), CLAIM_GRANT);
	v.quorum = 1;
	assert_int_equal(rules_claim_answer(&v), CLAIM_DENY_RIVAL);
}

static void
test_claim_state(void **state)
{
	(void)state;
	assert_int_equal(rules_claim_state(2, 3, 3, 0, 0), CLAIM_WAIT);
	assert_int_equal(rules_claim_state(3, 3, 3, 0, 0), CLAIM_WON);
	assert_int_equal(rules_claim_state(1, 3, 3, 0, 1), CLAIM_WON);
	assert_int_equal(rules_claim_state(0, 0, 0, 0, 1), CLAIM_WON);
	/* Strict: a majority of all known hosts, asked or not. */
	assert_int_equal(rules_claim_state(0, 0, 0, 1, 1), CLAIM_WON);
	assert_int_equal(rules_claim_state(2, 2, 4, 1, 0), CLAIM_WON);
	assert_int_equal(rules_claim_state(1, 1, 4, 1, 0), CLAIM_NO_QUORUM);
	assert_int_equal(rules_claim_state(1, 3, 4, 1, 0), CLAIM_WAIT);
	assert_int_equal(rules_claim_state(1, 3, 4, 1, 1), CLAIM_NO_QUORUM);
	assert_int_equal(rules_claim_state(0, 0, 2, 1, 1), CLAIM_NO_QUORUM);
}

static void
test_claim_schedule(void **state)
{
	unsigned	sent;
	int64_t		prev = 0;

	(void)state;
	/* Backing off, LOCK_SENDS datagrams in all, all before the wait
	 * ends. */
	assert_int_equal(rules_claim_resend_ms(0, 400), -1);
	assert_int_equal(rules_claim_resend_ms(1, 400), 40);
	assert_int_equal(rules_claim_resend_ms(2, 400), 120);
	assert_int_equal(rules_claim_resend_ms(3, 400), 280);
	assert_int_equal(rules_claim_resend_ms(LOCK_SENDS, 400), -1);
	for (sent = 1; sent < LOCK_SENDS; sent++) {
		int64_t at = rules_claim_resend_ms(sent, 3000);
		assert_true(at > prev && at < 3000);
		assert_true(sent == 1 || at - prev > prev);
		prev = at;
	}
	/* A slow answer stretches the wait to twice its time. */
	assert_int_equal(rules_claim_deadline_ms(400, 10), 400);
	assert_int_equal(rules_claim_deadline_ms(400, 300), 600);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_choose),
		cmocka_unit_test(test_choose_behind),
		cmocka_unit_test(test_fanout),
		cmocka_unit_test(test_claim_answer),
		cmocka_unit_test(test_claim_state),
		cmocka_unit_test(test_claim_schedule),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
