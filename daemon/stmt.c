/*
 * Statements: encode, sign, decode, verify (stmt.h).  Every decoder
 * reads into a zeroed struct, bounds each length by what remains and
 * frees what it allocated when it fails.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "util.h"
#include "stmt.h"

#define STMT_CONTEXT	"isconf stmt 1"

const char *
stmt_kind_name(unsigned kind)
{
	static const char *const names[STMT_NKINDS] = { "unknown", "receipt",
	    "lock-claim", "lock-held", "lock-release", "holdings", "holds" };

	return kind < STMT_NKINDS ? names[kind] : names[0];
}

int
stmt_after(uint64_t epoch, uint64_t seq, uint64_t e2, uint64_t s2)
{
	return epoch > e2 || (epoch == e2 && seq > s2);
}

/* What the signature covers: context, domain, the statement up to it. */
static void
stmt_message(struct buf *m, const char *domain, const uint8_t *p,
    size_t len)
{
	buf_add(m, STMT_CONTEXT, sizeof STMT_CONTEXT);
	buf_add_str(m, domain);
	buf_add(m, p, len);
}

void
stmt_sign(struct buf *out, uint8_t kind, const char *issuer,
    const uint8_t *pk, const uint8_t *sk, uint64_t epoch, uint64_t seq,
    const char *domain, const void *body, size_t blen)
{
	struct buf	m;
	size_t		start = out->len;
	uint8_t		sig[STMT_SIG_LEN];

	buf_add_u8(out, STMT_VERSION);
	buf_add_u8(out, kind);
	buf_add_str(out, issuer);
	buf_add(out, pk, STMT_PK_LEN);
	buf_add_u64(out, epoch);
	buf_add_u64(out, seq);
	buf_add_blob(out, body, blen);
	buf_init(&m);
	stmt_message(&m, domain, out->data + start, out->len - start);
	crypto_sign_detached(sig, NULL, m.data, m.len, sk);
	buf_free(&m);
	buf_add(out, sig, sizeof sig);
}

int
stmt_decode(const uint8_t *p, size_t len, struct stmt *s)
{
	struct rd	r;

	memset(s, 0, sizeof *s);
	if (len > STMT_MAX)
		return -1;
	rd_init(&r, p, len);
	if (rd_u8(&r) != STMT_VERSION)
		return -1;
	s->kind = rd_u8(&r);
	s->issuer = rd_str(&r, 255);
	rd_bytes(&r, s->pk, sizeof s->pk);
	s->epoch = rd_u64(&r);
	s->seq = rd_u64(&r);
	s->body = rd_blob(&r, &s->blen, STMT_BODY_MAX);
	rd_bytes(&r, s->sig, sizeof s->sig);
	if (rd_done(&r) == -1 || !host_name_valid(s->issuer)) {
		stmt_free(s);
		return -1;
	}
	s->raw = p;
	s->rawlen = len;
	return 0;
}

void
stmt_free(struct stmt *s)
{
	free(s->issuer);
	memset(s, 0, sizeof *s);
}

int
stmt_verify(const struct stmt *s, const char *domain)
{
	struct buf	m;
	int		rv;

	buf_init(&m);
	stmt_message(&m, domain, s->raw, s->rawlen - STMT_SIG_LEN);
	rv = crypto_sign_verify_detached(s->sig, m.data, m.len, s->pk);
	buf_free(&m);
	return rv == 0 ? 0 : -1;
}

void
stmt_receipt_encode(const struct stmt_receipt *c, struct buf *b)
{
	size_t	start = b->len, n, room;

	buf_add_str(b, c->branch);
	buf_add_u64(b, c->applied);
	buf_add(b, c->applied_id, sizeof c->applied_id);
	buf_add_u64(b, c->failed_seq);
	buf_add_u32(b, c->failed_status);
	buf_add_u32(b, c->skipped);
	buf_add_str(b, c->wave != NULL ? c->wave : "");
	if (c->waiting == 0)
		return;
	buf_add_u64(b, c->waiting);
	buf_add_u8(b, c->held != 0);
	/* The reason, cut to what STMT_BODY_MAX leaves (a long branch). */
	n = c->why != NULL ? strlen(c->why) : 0;
	room = b->len - start + 4 < STMT_BODY_MAX ?
	    STMT_BODY_MAX - (b->len - start + 4) : 0;
	if (n > STMT_WHY_MAX)
		n = STMT_WHY_MAX;
	if (n > room)
		n = room;
	buf_add_u32(b, (uint32_t)n);
	if (n > 0)
		buf_add(b, c->why, n);
}

int
stmt_receipt_decode(const uint8_t *p, size_t len, struct stmt_receipt *c)
{
	struct rd	r;
	size_t		off;
	uint8_t		held = 0;

	memset(c, 0, sizeof *c);
	rd_init(&r, p, len);
	c->branch = rd_str(&r, 255);
	c->applied = rd_u64(&r);
	rd_bytes(&r, c->applied_id, sizeof c->applied_id);
	c->failed_seq = rd_u64(&r);
	c->failed_status = rd_u32(&r);
	c->skipped = rd_u32(&r);
	c->wave = rd_str(&r, 64);
	off = r.off;
	/* The wait fields trail, present only when waiting (older
	 * issuers' receipts end before them). */
	if (r.off < r.len) {
		c->waiting = rd_u64(&r);
		held = rd_u8(&r);
		c->held = held == 1;
		c->why = rd_str(&r, STMT_WHY_MAX);
	} else
		c->why = xstrdup("");
	if (rd_done(&r) == -1 || !name_valid(c->branch) ||
	    (*c->wave != '\0' && !name_valid(c->wave)) ||
	    (r.len > off && c->waiting == 0) || held > 1) {
		stmt_receipt_free(c);
		return -1;
	}
	return 0;
}

void
stmt_receipt_free(struct stmt_receipt *c)
{
	free(c->branch);
	free(c->wave);
	free(c->why);
	memset(c, 0, sizeof *c);
}

void
stmt_lock_encode(uint8_t kind, const struct stmt_lock *l, struct buf *b)
{
	buf_add_str(b, l->branch);
	buf_add_u64(b, l->clock);
	if (kind == STMT_LOCK_CLAIM)
		buf_add_u64(b, l->base_seq);
	if (kind == STMT_LOCK_RELEASE) {
		buf_add_str(b, l->holder);
		buf_add_u64(b, l->held_epoch);
		buf_add_u64(b, l->held_seq);
		return;
	}
	buf_add_str(b, l->author);
	buf_add_str(b, l->message);
	buf_add_u64(b, (uint64_t)l->time);
}

int
stmt_lock_decode(uint8_t kind, const uint8_t *p, size_t len,
    struct stmt_lock *l)
{
	struct rd	r;

	memset(l, 0, sizeof *l);
	if (kind < STMT_LOCK_CLAIM || kind > STMT_LOCK_RELEASE)
		return -1;
	rd_init(&r, p, len);
	l->branch = rd_str(&r, 255);
	l->clock = rd_u64(&r);
	if (kind == STMT_LOCK_CLAIM)
		l->base_seq = rd_u64(&r);
	if (kind != STMT_LOCK_RELEASE) {
		l->author = rd_str(&r, 255);
		l->message = rd_str(&r, STMT_LOCK_MSG_MAX);
		l->time = (int64_t)rd_u64(&r);
	} else {
		l->holder = rd_str(&r, 255);
		l->held_epoch = rd_u64(&r);
		l->held_seq = rd_u64(&r);
	}
	if (rd_done(&r) == -1 || !name_valid(l->branch) ||
	    (l->holder != NULL && !host_name_valid(l->holder))) {
		stmt_lock_free(l);
		return -1;
	}
	return 0;
}

void
stmt_lock_free(struct stmt_lock *l)
{
	free(l->branch);
	free(l->author);
	free(l->message);
	free(l->holder);
	memset(l, 0, sizeof *l);
}

void
stmt_hold_encode(const struct stmt_hold *h, struct buf *b)
{
	buf_add_str(b, h->branch);
	buf_add_u8(b, h->held);
	buf_add_str(b, h->author);
	buf_add_str(b, h->message);
	buf_add_u64(b, (uint64_t)h->time);
}

int
stmt_hold_decode(const uint8_t *p, size_t len, struct stmt_hold *h)
{
	struct rd	r;

	memset(h, 0, sizeof *h);
	rd_init(&r, p, len);
	h->branch = rd_str(&r, 255);
	h->held = rd_u8(&r);
	h->author = rd_str(&r, 255);
	h->message = rd_str(&r, 200);
	h->time = (int64_t)rd_u64(&r);
	if (rd_done(&r) == -1 || !name_valid(h->branch) || h->held > 1) {
		stmt_hold_free(h);
		return -1;
	}
	return 0;
}

void
stmt_hold_free(struct stmt_hold *h)
{
	free(h->branch);
	free(h->author);
	free(h->message);
	memset(h, 0, sizeof *h);
}

void
stmt_holdings_encode(const struct stmt_holdings *h, struct buf *b)
{
	buf_add_str(b, h->branch);
	buf_add_u64(b, h->seq);
	buf_add(b, h->id, sizeof h->id);
	if (h->time != 0)
		buf_add_u64(b, (uint64_t)h->time);
}

int
stmt_holdings_decode(const uint8_t *p, size_t len, struct stmt_holdings *h)
{
	struct rd	r;

	memset(h, 0, sizeof *h);
	rd_init(&r, p, len);
	h->branch = rd_str(&r, 255);
	h->seq = rd_u64(&r);
	rd_bytes(&r, h->id, sizeof h->id);
	/* The time trails (an older keeper's end before it). */
	if (r.off < r.len && (h->time = (int64_t)rd_u64(&r)) == 0)
		r.err = 1;
	if (rd_done(&r) == -1 || !name_valid(h->branch)) {
		stmt_holdings_free(h);
		return -1;
	}
	return 0;
}

void
stmt_holdings_free(struct stmt_holdings *h)
{
	free(h->branch);
	memset(h, 0, sizeof *h);
}

int
stmt_list_decode(const uint8_t *p, size_t len, struct stmt *out, size_t *n)
{
	struct rd	 r;
	const uint8_t	*s;
	size_t		 count, slen;

	*n = 0;
	rd_init(&r, p, len);
	count = rd_u8(&r);
	if (count == 0 || count > STMT_PER_DGRAM)
		return -1;
	while (*n < count) {
		s = rd_blob(&r, &slen, STMT_MAX);
		if (r.err || stmt_decode(s, slen, &out[*n]) == -1)
			break;
		(*n)++;
	}
	if (*n == count && rd_done(&r) == 0)
		return 0;
	while (*n > 0)
		stmt_free(&out[--*n]);
	return -1;
}

void
stmt_want_encode(const struct stmt_want *w, size_t n, struct buf *b)
{
	size_t	i;

	buf_add_u8(b, (uint8_t)n);
	for (i = 0; i < n; i++) {
		buf_add_str(b, w[i].issuer);
		buf_add_u8(b, w[i].kind);
		buf_add_u64(b, w[i].epoch);
		buf_add_u64(b, w[i].seq);
	}
}

int
stmt_want_decode(const uint8_t *p, size_t len, struct stmt_want *out,
    size_t *n)
{
	struct rd	r;
	size_t		count, i;
	int		bad = 0;

	*n = 0;
	rd_init(&r, p, len);
	count = rd_u8(&r);
	if (count == 0 || count > STMT_PER_DGRAM)
		return -1;
	for (i = 0; i < count; i++) {
		memset(&out[i], 0, sizeof out[i]);
		out[i].issuer = rd_str(&r, 255);
		out[i].kind = rd_u8(&r);
		out[i].epoch = rd_u64(&r);
		out[i].seq = rd_u64(&r);
		bad |= !host_name_valid(out[i].issuer);
	}
	if (rd_done(&r) == -1 || bad) {
		stmt_want_free(out, count);
		return -1;
	}
	*n = count;
	return 0;
}

void
stmt_want_free(struct stmt_want *w, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free(w[i].issuer);
		w[i].issuer = NULL;
	}
}
