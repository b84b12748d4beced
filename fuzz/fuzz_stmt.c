/*
 * Statements (daemon/stmt.h): a MSG_STMT body, a MSG_STMT_WANT body, and
 * each statement's body as every kind.  What decodes re-encodes to the
 * same bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "stmt.h"
#include "fuzz.h"

static void
bodies(const struct stmt *st)
{
	struct stmt_receipt	rc;
	struct stmt_lock	l;
	struct stmt_hold	h;
	struct stmt_holdings	k;
	struct buf		b;
	uint8_t			kind;

	buf_init(&b);
	if (stmt_receipt_decode(st->body, st->blen, &rc) == 0) {
		stmt_receipt_encode(&rc, &b);
		if (b.len != st->blen || memcmp(b.data, st->body, b.len) != 0)
			abort();
		stmt_receipt_free(&rc);
	}
	for (kind = STMT_LOCK_CLAIM; kind <= STMT_LOCK_RELEASE; kind++) {
		buf_reset(&b);
		if (stmt_lock_decode(kind, st->body, st->blen, &l) == -1)
			continue;
		stmt_lock_encode(kind, &l, &b);
		if (b.len != st->blen || memcmp(b.data, st->body, b.len) != 0)
			abort();
		stmt_lock_free(&l);
	}
	buf_reset(&b);
	if (stmt_hold_decode(st->body, st->blen, &h) == 0) {
		stmt_hold_encode(&h, &b);
		if (b.len != st->blen || memcmp(b.data, st->body, b.len) != 0)
			abort();
		stmt_hold_free(&h);
	}
	buf_reset(&b);
	if (stmt_holdings_decode(st->body, st->blen, &k) == 0) {
		stmt_holdings_encode(&k, &b);
		if (b.len != st->blen || memcmp(b.data, st->body, b.len) != 0)
			abort();
		stmt_holdings_free(&k);
	}
	buf_free(&b);
	(void)stmt_verify(st, "example.com");
}

int
LLVMFuzzerTestOneInput(const uint8_t *p, size_t len)
{
	struct stmt		st[STMT_PER_DGRAM];
	struct stmt_want	w[STMT_PER_DGRAM];
	size_t			n, i;

	if (stmt_list_decode(p, len, st, &n) == 0) {
		for (i = 0; i < n; i++) {
			bodies(&st[i]);
			stmt_free(&st[i]);
		}
	}
	if (stmt_want_decode(p, len, w, &n) == 0)
		stmt_want_free(w, n);
	if (stmt_decode(p, len, &st[0]) == 0) {
		bodies(&st[0]);
		stmt_free(&st[0]);
	}
	return 0;
}
