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
	/* Strict: won at a majority, before the busy and the silent
	 * answer (5 of 10 peers granted: 6 of 11 hosts; 4: 5 of 11). */
	assert_int_equal(rules_claim_state(5, 10, 10, 1, 0), CLAIM_WON);
	assert_int_equal(rules_claim_state(4, 10, 10, 1, 0), CLAIM_WAIT);
}

/* Strict mode: a peer busy with a rival's claim is a "no" for now and
 * asked again, not the end of the claim; any other DENY ends it. */
static void
test_claim_deny_ends(void **state)
{
	(void)state;
	assert_int_equal(rules_claim_deny_ends(1, 1), 0);
	assert_int_equal(rules_claim_deny_ends(0, 1), 1);
	assert_int_equal(rules_claim_deny_ends(0, 0), 1);
	assert_int_equal(rules_claim_deny_ends(1, 0), 1);
}

/* Membership: a record is taken only when fresher and not stale, so a
 * dead host's record ages out everywhere and is never brought back. */
static void
test_member_take(void **state)
{
	int64_t	forget = 24LL * 3600 * 1000, now = 1000000000;

	(void)state;
	assert_int_equal(rules_member_take(now, 5000, 0, 0, forget), 1);
	/* fresher than what we hold: taken; older or as old: not */
	assert_int_equal(rules_member_take(now, 1000, 1, now - 5000, forget),
	    1);
	assert_int_equal(rules_member_take(now, 9000, 1, now - 5000, forget),
	    0);
	assert_int_equal(rules_member_take(now, 5000, 1, now - 5000, forget),
	    0);
	/* stale, negative: never */
	assert_int_equal(rules_member_take(now, forget, 0, 0, forget), 0);
	assert_int_equal(rules_member_take(now, forget + 1, 0, 0, forget), 0);
	assert_int_equal(rules_member_take(now, -1, 0, 0, forget), 0);
	/* advertised while heard within forget */
	assert_int_equal(rules_member_advertise(now, now - forget, forget), 1);
	assert_int_equal(rules_member_advertise(now, now - forget - 1,
	    forget), 0);
}

/* A dead host: every hop passes an age at least as old on, so after
 * forget ms no host of a chain of any length still holds it. */
static void
test_member_ageing(void **state)
{
	int64_t	forget = 10000, now, heard[6] = { 0 };
	int	have[6] = { 0 }, i;

	(void)state;
	have[0] = 1;		/* host 0 heard X directly at t = 0 */
	for (now = 0; now <= 3 * forget; now += 500) {
		for (i = 5; i > 0; i--) {
			int64_t age = now - heard[i - 1];
			if (!have[i - 1])
				continue;
			/* rounded up to seconds, as members.c sends it */
			age = (age + 999) / 1000 * 1000;
			if (rules_member_take(now, age, have[i], heard[i],
			    forget)) {
				heard[i] = now - age;
				have[i] = 1;
			}
		}
		for (i = 1; i < 6; i++)
			if (have[i] && rules_forget(now, heard[i], forget))
				have[i] = 0;
		if (now > forget + 1000)
			for (i = 1; i < 6; i++)
				assert_int_equal(have[i], 0);
	}
}

static void
test_members_window(void **state)
{
	size_t	cursor = 0, out[MEMBERS_PER_DGRAM], seen[100], i, r, k;

	(void)state;
	memset(seen, 0, sizeof seen);
	/* 100 records, 40 a window: every one in turn, none skipped */
	for (r = 0; r < 5; r++) {
		k = rules_members_window(100, &cursor, MEMBERS_PER_DGRAM, out);
		assert_int_equal(k, MEMBERS_PER_DGRAM);
		for (i = 0; i < k; i++)
			seen[out[i]]++;
	}
	for (i = 0; i < 100; i++)
		assert_int_equal(seen[i], 2);
	/* fewer than a window: each once */
	cursor = 7;
	k = rules_members_window(3, &cursor, MEMBERS_PER_DGRAM, out);
	assert_int_equal(k, 3);
	assert_true(out[0] != out[1] && out[1] != out[2] && out[0] != out[2]);
	cursor = 0;
	assert_int_equal(rules_members_window(0, &cursor, 8, out), 0);
}

static void
test_member_probe_due(void **state)
{
	int64_t	g = 1000;

	(void)state;
	assert_int_equal(rules_member_probe_due(0, 0, 0, g), 1);
	assert_int_equal(rules_member_probe_due(1000, 0, 1, g), 0);
	assert_int_equal(rules_member_probe_due(2000, 0, 1, g), 1);
	assert_int_equal(rules_member_probe_due(7000, 0, 3, g), 0);
	assert_int_equal(rules_member_probe_due(8000, 0, 3, g), 1);
	/* the interval stops growing at 2^MEMBERS_BACKOFF_MAX ticks */
	assert_int_equal(rules_member_probe_due((g << MEMBERS_BACKOFF_MAX),
	    0, 40, g), 1);
	assert_int_equal(rules_member_probe_due((g << MEMBERS_BACKOFF_MAX) -
	    g, 0, 40, g), 0);
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

/* rules_have_next: only what the peer holds, the rarest first, ties
 * in the host's order, at most FETCH_WINDOW in flight, -1 when the peer
 * holds nothing left to ask for. */
static void
test_have_next(void **state)
{
	struct rules_fetch	r;
	uint8_t			holds[3] = { 0 };
	uint16_t		avail[20] = { 0 };
	size_t			i;
	int			c;

	(void)state;
	rules_fetch_init(&r, 20, 0);
	c = rules_fetch_conn_add(&r);
	assert_int_equal(rules_have_next(&r, c, holds, avail, 0), -1);
	for (i = 0; i < 20; i++)
		avail[i] = 3;
	holds[0] = 0x06;		/* chunks 1, 2 */
	holds[2] = 0x0c;		/* chunks 18, 19 */
	avail[19] = 1;
	avail[2] = 2;
	assert_int_equal(rules_have_next(&r, c, holds, avail, 0), 19);
	assert_int_equal(rules_have_next(&r, c, holds, avail, 0), 2);
	assert_int_equal(rules_have_next(&r, c, holds, avail, 0), 1);
	assert_int_equal(rules_have_next(&r, c, holds, avail, 0), 18);
	assert_int_equal(rules_have_next(&r, c, holds, avail, 0), -1);
	rules_fetch_got(&r, c, 19, 0);
	assert_int_equal(r.remaining, 19);
	memset(holds, 0xff, sizeof holds);
	for (i = 0; i < FETCH_WINDOW - 3; i++)
		assert_true(rules_have_next(&r, c, holds, avail, 0) != -1);
	assert_int_equal(rules_have_next(&r, c, holds, avail, 0), -1);
	rules_fetch_free(&r);
}

/* A peer taken to hold a chunk (it did not know the chunk's list) that
 * says NOCHUNK is not asked for it again while another peer holds it,
 * until it announces it: before, it was asked again after its 5 ms
 * rest, ahead of the peers that hold the chunk whenever it came first
 * in the pumping order, and the fetch's last chunk went back and forth
 * until the fetch stalled (t1315, CI). */
static void
test_have_lacked(void **state)
{
	struct rules_fetch	r;
	uint8_t			holds[2][1] = { { 0x0f }, { 0x0f } };
	uint16_t		avail[4] = { 2, 2, 2, 2 };
	int64_t			now = 0;
	ssize_t			i;
	int			lacker, holder;

	(void)state;
	rules_fetch_init(&r, 4, now);
	lacker = rules_fetch_conn_add(&r);
	holder = rules_fetch_conn_add(&r);
	for (int k = 0; k < 3; k++)
		rules_fetch_got(&r, holder, (size_t)rules_have_next(&r,
		    holder, holds[holder], avail, now), now);
	assert_int_equal(r.remaining, 1);
	i = rules_have_next(&r, lacker, holds[lacker], avail, now);
	assert_int_equal(i, 3);
	rules_fetch_lacked(&r, lacker, (size_t)i, now);
	now += 4 * FETCH_REST_MS * 1000000LL;	/* a tick later */
	assert_int_equal(rules_fetch_check(&r, now), FETCH_GO_ON);
	assert_int_equal(rules_have_next(&r, lacker, holds[lacker], avail,
	    now), -1);
	assert_int_equal(rules_have_next(&r, holder, holds[holder], avail,
	    now), 3);
	/* Announced since: asked again. */
	rules_fetch_lacked(&r, holder, 3, now);
	rules_fetch_held(&r, lacker, 3);
	now += 4 * FETCH_REST_MS * 1000000LL;
	assert_int_equal(rules_have_next(&r, holder, holds[holder], avail,
	    now), -1);
	assert_int_equal(rules_have_next(&r, lacker, holds[lacker], avail,
	    now), 3);
	rules_fetch_free(&r);
}

/* A peer that did not know the list is taken to hold its chunks and
 * cannot announce one it gets later.  It lacked the last chunk, and the
 * other peer, which announced its holdings, holds none of it: after a
 * tick in which no connection took anything, a new round asks the
 * first again (c365128 skipped it until FETCH_STALL_MS ended the fetch,
 * since the other had not "lacked" the chunk it never held). */
static void
test_have_lacked_unannounced(void **state)
{
	struct rules_fetch	r;
	uint8_t			holds[2][1] = { { 0x01 }, { 0x00 } };
	uint16_t		avail[1] = { 0 };
	int64_t			now = 0, tick = FETCH_TICK_MS * 1000000LL;
	ssize_t			i = -1;
	int			maybe, other, k;

	(void)state;
	rules_fetch_init(&r, 1, now);
	maybe = rules_fetch_conn_add(&r);
	other = rules_fetch_conn_add(&r);
	assert_int_equal(rules_have_next(&r, maybe, holds[maybe], avail, now),
	    0);
	rules_fetch_lacked(&r, maybe, 0, now);
	/* Not at the next tick: a holder would take it first. */
	now += tick;
	assert_int_equal(rules_fetch_check(&r, now), FETCH_GO_ON);
	assert_int_equal(rules_have_next(&r, maybe, holds[maybe], avail,
	    now), -1);
	assert_int_equal(rules_have_next(&r, other, holds[other], avail,
	    now), -1);
	/* Ticks (check, then every connection pumped) until it is asked. */
	for (k = 0; k < 10 && i == -1; k++) {
		now += tick;
		assert_int_equal(rules_fetch_check(&r, now), FETCH_GO_ON);
		i = rules_have_next(&r, maybe, holds[maybe], avail, now);
		assert_int_equal(rules_have_next(&r, other, holds[other],
		    avail, now), -1);
	}
	assert_int_equal(i, 0);
	rules_fetch_got(&r, maybe, 0, now);
	assert_int_equal(rules_fetch_check(&r, now), FETCH_END);
	rules_fetch_free(&r);
}

/* With announcements a host keeps about HAVE_INFLIGHT chunks in flight:
 * fewer on each of many connections, never under 2 or over
 * FETCH_WINDOW. */
static void
test_have_window(void **state)
{
	struct rules_fetch	r;
	uint8_t			holds[16];
	uint16_t		avail[128] = { 0 };
	int			k, n, want[] = { 1, 8, 12, 4, 30, 2 };
	size_t			t;

	(void)state;
	memset(holds, 0xff, sizeof holds);
	for (t = 0; t < sizeof want / sizeof want[0]; t += 2) {
		rules_fetch_init(&r, 128, 0);
		for (k = 0; k < want[t]; k++)
			(void)rules_fetch_conn_add(&r);
		for (n = 0; rules_have_next(&r, 0, holds, avail, 0) != -1; n++)
			;
		assert_int_equal(n, want[t + 1]);
		rules_fetch_free(&r);
	}
}

/* rules_have_next before its index (issue 24): a scan over every chunk,
 * without taking the one it finds (and with the window of HAVE_INFLIGHT,
 * which came after).  The reference the indexed one must
 * agree with, call for call. */
static ssize_t
have_next_naive(const struct rules_fetch *r, int c, const uint8_t *holds,
    const uint16_t *avail, int64_t now)
{
	const struct rules_fetch_conn	*fc = &r->conn[c];
	size_t				 i, best = r->n;
	int				 win;

	win = r->open > 0 ? HAVE_INFLIGHT / r->open : FETCH_WINDOW;
	win = win < 2 ? 2 : win > FETCH_WINDOW ? FETCH_WINDOW : win;
	if (!fc->open || now < fc->rest_until || fc->inflight >= win)
		return -1;
	for (i = 0; i < r->n; i++) {
		if ((i & 7) == 0 && holds[i >> 3] == 0) {
			i += 7;
			continue;
		}
		if (!(holds[i >> 3] & (1 << (i & 7))) ||
		    r->state[i] != FETCH_PENDING ||
		    (r->tried != NULL && (r->tried[i] & (1ULL << c))))
			continue;
		if (best == r->n || avail[i] < avail[best])
			best = i;
		if (avail[best] <= 1)
			break;
	}
	return best == r->n ? -1 : (ssize_t)best;
}

static uint16_t
have_count(void)
{
	/* Ties are the point: few distinct counts, and the edges. */
	static const uint16_t odd[] = { 0, 1, 2, 65535, 65534 };

	return xrand(8) == 0 ? odd[xrand(5)] : (uint16_t)xrand(4);
}

/* One fetch of n chunks driven at random: the caller's bitfields and
 * counts changed between calls as the caller pleases (no consistency
 * between them), chunks arriving, lacked, connections closing, and
 * rules_fetch_next mixed in (fetch.c asks a peer that has not announced
 * that way); after every change both scans must pick the same chunk.
 * Of nconns connections (4 or 30: windows of 8 and of 2 to 8 as they
 * close), the first 4 are asked. */
static void
have_random_fetch(size_t n, int nconns, unsigned steps)
{
	struct rules_fetch	r;
	uint8_t			holds[4][160];
	uint16_t		avail[1200];
	size_t			i, nb = (n + 7) / 8;
	int64_t			now = 0;
	ssize_t			want, got;
	unsigned		s;
	int			c, k;

	assert_true(n <= sizeof avail / sizeof avail[0] &&
	    nb <= sizeof holds[0]);
	memset(holds, 0, sizeof holds);
	for (i = 0; i < n; i++)
		avail[i] = have_count();
	rules_fetch_init(&r, n, now);
	for (k = 0; k < nconns; k++)
		rules_fetch_conn_add(&r);
	for (s = 0; s < steps; s++) {
		c = (int)xrand(4);
		switch (xrand(10)) {
		case 0:		/* counts change */
			for (k = (int)xrand(8); k >= 0 && n > 0; k--)
				avail[xrand((uint32_t)n)] = have_count();
			break;
		case 1:		/* a HAVE, a bitfield, a take-back */
			if (nb == 0)
				break;
			if (xrand(4) == 0)
				memset(holds[c], xrand(2) ? 0xff : 0, nb);
			else
				holds[c][xrand((uint32_t)nb)] ^=
				    (uint8_t)(1 << xrand(8));
			if (xrand(2) == 0)
				rules_fetch_held(&r, c, xrand((uint32_t)n));
			break;
		case 2:		/* an answer to what is in flight */
			for (i = 0; i < n; i++)
				if (r.state[i] == FETCH_INFLIGHT &&
				    r.owner[i] == c && xrand(3) == 0) {
					if (xrand(4) == 0)
						rules_fetch_lacked(&r, c, i,
						    now);
					else
						rules_fetch_got(&r, c, i, now);
				}
			break;
		case 3:
			if (xrand(20) == 0)
				rules_fetch_closed(&r, c);
			else
				(void)rules_fetch_next(&r, c, now);
			break;
		case 4:
			now += (int64_t)xrand(3) * FETCH_REST_MS * 1000000LL;
			(void)rules_fetch_check(&r, now);
			break;
		default:
			want = have_next_naive(&r, c, holds[c], avail, now);
			got = rules_have_next(&r, c, holds[c], avail, now);
			if (want != got)
				fail_msg("n %zu step %u conn %d: %zd, not %zd",
				    n, s, c, got, want);
			if (got != -1)
				assert_int_equal(r.state[got], FETCH_INFLIGHT);
			break;
		}
	}
	rules_fetch_free(&r);
}

static void
test_have_next_same(void **state)
{
	static const size_t	sizes[] = { 0, 1, 7, 8, 9, 63, 64, 65, 127,
				    128, 129, 200, 1000, 1024, 1199 };
	size_t			i;
	unsigned		round;

	(void)state;
	for (round = 0; round < 20; round++)
		for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
			have_random_fetch(sizes[i], round % 2 ? 4 : 30, 600);
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
		cmocka_unit_test(test_claim_deny_ends),
		cmocka_unit_test(test_member_take),
		cmocka_unit_test(test_member_ageing),
		cmocka_unit_test(test_members_window),
		cmocka_unit_test(test_member_probe_due),
		cmocka_unit_test(test_claim_schedule),
		cmocka_unit_test(test_have_next),
		cmocka_unit_test(test_have_next_same),
		cmocka_unit_test(test_have_lacked),
		cmocka_unit_test(test_have_lacked_unannounced),
		cmocka_unit_test(test_have_window),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
