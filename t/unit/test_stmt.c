/*
 * Unit tests: host-signed statements (daemon/stmt.c).  Each kind signs,
 * decodes and verifies; any change to a signed byte, another domain or
 * another key fails; the lock kinds (lockstmt.c) round-trip.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <sodium.h>

#include "stmt.h"

static uint8_t	pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];

static void
signed_one(struct buf *b, uint8_t kind, const struct buf *body,
    uint64_t epoch, uint64_t seq)
{
	buf_init(b);
	stmt_sign(b, kind, "host1", pk, sk, epoch, seq, "example.com",
	    body->data, body->len);
}

static void
test_receipt(void **state)
{
	struct stmt_receipt	 rc, out;
	struct stmt		 st;
	struct buf		 body, b;
	size_t			 i;

	(void)state;
	memset(&rc, 0, sizeof rc);
	rc.branch = "web";
	rc.applied = 42;
	memset(rc.applied_id, 0xab, sizeof rc.applied_id);
	rc.failed_seq = 43;
	rc.failed_status = 4;
	rc.skipped = 1;
	rc.wave = "canary";
	buf_init(&body);
	stmt_receipt_encode(&rc, &body);
	signed_one(&b, STMT_RECEIPT, &body, 7, 3);
	assert_int_equal(stmt_decode(b.data, b.len, &st), 0);
	assert_string_equal(st.issuer, "host1");
	assert_int_equal(st.kind, STMT_RECEIPT);
	assert_true(st.epoch == 7 && st.seq == 3);
	assert_int_equal(stmt_verify(&st, "example.com"), 0);
	assert_int_equal(stmt_verify(&st, "other.com"), -1);
	assert_int_equal(stmt_receipt_decode(st.body, st.blen, &out), 0);
	assert_string_equal(out.branch, "web");
	assert_string_equal(out.wave, "canary");
	assert_true(out.applied == 42 && out.failed_seq == 43 &&
	    out.failed_status == 4 && out.skipped == 1);
	stmt_receipt_free(&out);
	stmt_free(&st);
	/* Every signed byte counts: a flipped one fails to decode or to
	 * verify. */
	for (i = 0; i < b.len; i++) {
		b.data[i] ^= 0x01;
		if (stmt_decode(b.data, b.len, &st) == 0) {
			assert_int_equal(stmt_verify(&st, "example.com"), -1);
			stmt_free(&st);
		}
		b.data[i] ^= 0x01;
	}
	/* Truncated: never decodes. */
	for (i = 0; i < b.len; i++)
		assert_int_equal(stmt_decode(b.data, i, &st), -1);
	buf_free(&b);
	buf_free(&body);
}

/* The wait fields: round-trip when waiting, absent otherwise (an older
 * issuer's receipt still decodes), cut to fit STMT_BODY_MAX. */
static void
test_receipt_wait(void **state)
{
	struct stmt_receipt	 rc, out;
	struct buf		 body;
	char			 branch[256], why[300];
	size_t			 plain;

	(void)state;
	memset(&rc, 0, sizeof rc);
	rc.branch = "web";
	rc.wave = "early";
	rc.why = "waiting for wave canary: 1 of 2 hosts applied the "
	    "transaction at 42; web3 failed on entry 43 with status 1";
	buf_init(&body);
	stmt_receipt_encode(&rc, &body);
	plain = body.len;
	assert_int_equal(stmt_receipt_decode(body.data, body.len, &out), 0);
	assert_true(out.waiting == 0 && !out.held);
	assert_string_equal(out.why, "");
	stmt_receipt_free(&out);
	rc.waiting = 42;
	rc.held = 1;
	buf_reset(&body);
	stmt_receipt_encode(&rc, &body);
	assert_int_equal(stmt_receipt_decode(body.data, body.len, &out), 0);
	assert_true(out.waiting == 42 && out.held);
	assert_string_equal(out.why, rc.why);
	stmt_receipt_free(&out);
	/* Wait fields of no wait, or a held byte of neither 0 nor 1. */
	memset(body.data + plain, 0, 8);
	assert_int_equal(stmt_receipt_decode(body.data, body.len, &out), -1);
	body.data[plain + 7] = 42;
	body.data[plain + 8] = 2;
	assert_int_equal(stmt_receipt_decode(body.data, body.len, &out), -1);
	/* A long reason is cut to STMT_WHY_MAX; with the longest branch,
	 * to what STMT_BODY_MAX leaves. */
	memset(why, 'w', sizeof why - 1);
	why[sizeof why - 1] = '\0';
	rc.why = why;
	buf_reset(&body);
	stmt_receipt_encode(&rc, &body);
	assert_int_equal(stmt_receipt_decode(body.data, body.len, &out), 0);
	assert_int_equal(strlen(out.why), STMT_WHY_MAX);
	stmt_receipt_free(&out);
	memset(branch, 'b', sizeof branch - 1);
	branch[sizeof branch - 1] = '\0';
	rc.branch = branch;
	rc.wave = "a-wave-name-of-64-bytes-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";
	buf_reset(&body);
	stmt_receipt_encode(&rc, &body);
	assert_int_equal(body.len, STMT_BODY_MAX);
	assert_int_equal(stmt_receipt_decode(body.data, body.len, &out), 0);
	assert_true(strlen(out.why) > 0 && strlen(out.why) < STMT_WHY_MAX);
	stmt_receipt_free(&out);
	buf_free(&body);
}

static void
test_other_key(void **state)
{
	uint8_t		 pk2[crypto_sign_PUBLICKEYBYTES];
	uint8_t		 sk2[crypto_sign_SECRETKEYBYTES];
	struct stmt	 st;
	struct buf	 b;

	(void)state;
	crypto_sign_keypair(pk2, sk2);
	buf_init(&b);
	/* Signed by sk2 but naming pk: fails. */
	stmt_sign(&b, STMT_RECEIPT, "host1", pk, sk2, 1, 1, "example.com",
	    "x", 1);
	assert_int_equal(stmt_decode(b.data, b.len, &st), 0);
	assert_int_equal(stmt_verify(&st, "example.com"), -1);
	stmt_free(&st);
	buf_free(&b);
}

static void
test_lock_kinds(void **state)
{
	struct stmt_lock	l, out;
	struct stmt		st;
	struct buf		body, b;
	uint8_t			kind;

	(void)state;
	memset(&l, 0, sizeof l);
	l.branch = "main";
	l.clock = 9;
	l.base_seq = 17;
	l.author = "root";
	l.message = "upgrade ssh";
	l.time = 1700000000;
	l.holder = "host2";
	l.held_epoch = 1700000001;
	l.held_seq = 5;
	for (kind = STMT_LOCK_CLAIM; kind <= STMT_LOCK_RELEASE; kind++) {
		buf_init(&body);
		stmt_lock_encode(kind, &l, &body);
		signed_one(&b, kind, &body, 2, kind);
		assert_int_equal(stmt_decode(b.data, b.len, &st), 0);
		assert_int_equal(stmt_verify(&st, "example.com"), 0);
		assert_int_equal(stmt_lock_decode(st.kind, st.body, st.blen,
		    &out), 0);
		assert_string_equal(out.branch, "main");
		assert_true(out.clock == 9);
		assert_true(out.base_seq == (kind == STMT_LOCK_CLAIM ? 17 : 0));
		if (kind != STMT_LOCK_RELEASE) {
			assert_string_equal(out.author, "root");
			assert_string_equal(out.message, "upgrade ssh");
			assert_true(out.time == 1700000000);
		} else {
			assert_null(out.author);
			assert_string_equal(out.holder, "host2");
			assert_true(out.held_epoch == 1700000001 &&
			    out.held_seq == 5);
		}
		/* A body read as another lock kind does not decode. */
		assert_int_equal(stmt_lock_decode(kind == STMT_LOCK_RELEASE ?
		    STMT_LOCK_CLAIM : STMT_LOCK_RELEASE, st.body, st.blen,
		    &out) == -1 || kind == STMT_LOCK_HELD, 1);
		stmt_lock_free(&out);
		stmt_free(&st);
		buf_free(&b);
		buf_free(&body);
	}
	assert_int_equal(stmt_lock_decode(STMT_RECEIPT, (const uint8_t *)"",
	    0, &out), -1);
}

/* A hold's body round-trips; a bad branch, a held flag past 1, a
 * truncation or a trailing byte do not decode. */
static void
test_hold(void **state)
{
	struct stmt_hold	h = { "main", 1, "root", "web3 fails", 1700000000 },
				got;
	struct buf		b;
	size_t			i;

	(void)state;
	buf_init(&b);
	stmt_hold_encode(&h, &b);
	assert_int_equal(stmt_hold_decode(b.data, b.len, &got), 0);
	assert_string_equal(got.branch, "main");
	assert_int_equal(got.held, 1);
	assert_string_equal(got.message, "web3 fails");
	assert_int_equal(got.time, 1700000000);
	stmt_hold_free(&got);
	for (i = 0; i < b.len; i++)
		assert_int_equal(stmt_hold_decode(b.data, i, &got), -1);
	buf_add_u8(&b, 0);
	assert_int_equal(stmt_hold_decode(b.data, b.len, &got), -1);
	buf_reset(&b);
	h.held = 2;
	stmt_hold_encode(&h, &b);
	assert_int_equal(stmt_hold_decode(b.data, b.len, &got), -1);
	buf_reset(&b);
	h.held = 0;
	h.branch = "no branch";
	stmt_hold_encode(&h, &b);
	assert_int_equal(stmt_hold_decode(b.data, b.len, &got), -1);
	assert_null(got.branch);
	buf_free(&b);
}

/* Holdings carry the time they were signed; an older keeper's, without
 * it, decode with time 0 (never fresh); an explicit 0 is malformed. */
static void
test_holdings_time(void **state)
{
	struct stmt_holdings	in, out;
	struct buf		b;

	(void)state;
	memset(&in, 0, sizeof in);
	in.branch = "generic";
	in.seq = 12;
	in.id[0] = 9;
	in.time = 1700000000123LL;
	buf_init(&b);
	stmt_holdings_encode(&in, &b);
	assert_int_equal(stmt_holdings_decode(b.data, b.len, &out), 0);
	assert_true(out.seq == 12 && out.id[0] == 9 &&
	    out.time == 1700000000123LL);
	stmt_holdings_free(&out);
	/* Without the time (the old body): time 0. */
	assert_int_equal(stmt_holdings_decode(b.data, b.len - 8, &out), 0);
	assert_true(out.time == 0);
	stmt_holdings_free(&out);
	in.time = 0;
	buf_reset(&b);
	stmt_holdings_encode(&in, &b);
	buf_add_u64(&b, 0);
	assert_int_equal(stmt_holdings_decode(b.data, b.len, &out), -1);
	assert_int_equal(stmt_holdings_decode(b.data, b.len - 4, &out), -1);
	buf_free(&b);
}

static void
test_order_and_lists(void **state)
{
	struct stmt		st[STMT_PER_DGRAM];
	struct stmt_want	w[STMT_PER_DGRAM], in;
	struct buf		one, list, body;
	size_t			n, i;

	(void)state;
	assert_true(stmt_after(2, 1, 1, 99));
	assert_true(stmt_after(1, 3, 1, 2));
	assert_false(stmt_after(1, 2, 1, 2));
	assert_false(stmt_after(1, 99, 2, 1));
	buf_init(&body);
	buf_add(&body, "b", 1);
	signed_one(&one, STMT_HOLDINGS, &body, 1, 1);
	buf_init(&list);
	buf_add_u8(&list, STMT_PER_DGRAM + 1);
	assert_int_equal(stmt_list_decode(list.data, list.len, st, &n), -1);
	buf_reset(&list);
	buf_add_u8(&list, 2);
	for (i = 0; i < 2; i++)
		buf_add_blob(&list, one.data, one.len);
	assert_int_equal(stmt_list_decode(list.data, list.len, st, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(st[1].kind, STMT_HOLDINGS);
	assert_string_equal(stmt_kind_name(st[1].kind), "holdings");
	assert_string_equal(stmt_kind_name(200), "unknown");
	for (i = 0; i < n; i++)
		stmt_free(&st[i]);
	/* One byte short: nothing left allocated (ASan checks). */
	assert_int_equal(stmt_list_decode(list.data, list.len - 1, st, &n),
	    -1);
	memset(&in, 0, sizeof in);
	in.issuer = "host1";
	in.kind = STMT_RECEIPT;
	in.epoch = 5;
	in.seq = 6;
	buf_reset(&list);
	stmt_want_encode(&in, 1, &list);
	assert_int_equal(stmt_want_decode(list.data, list.len, w, &n), 0);
	assert_true(n == 1 && w[0].epoch == 5 && w[0].seq == 6);
	assert_string_equal(w[0].issuer, "host1");
	stmt_want_free(w, n);
	buf_free(&list);
	buf_free(&one);
	buf_free(&body);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_receipt),
		cmocka_unit_test(test_receipt_wait),
		cmocka_unit_test(test_other_key),
		cmocka_unit_test(test_lock_kinds),
		cmocka_unit_test(test_hold),
		cmocka_unit_test(test_holdings_time),
		cmocka_unit_test(test_order_and_lists),
	};

	if (sodium_init() == -1)
		return 1;
	crypto_sign_keypair(pk, sk);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
