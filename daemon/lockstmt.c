/*
 * The lock protocol on host-signed statements (issue 18; lockd.c,
 * doc/protocol.md "The branch lock").  A CLAIM carries the claimant's
 * signed claim, a LOCKED (and the lock a hello lists) the holder's
 * signed held statement, a RELEASE (and the releases a hello lists)
 * the signed release of the holder or of the host whose `unlock` broke
 * the lock; other hosts pass them on as they are.  A key holder without
 * a host's key therefore cannot claim, take or release a lock in its
 * name.
 *
 * Of each issuer, the lock statements are ordered by (epoch, seq): a
 * floor kept in the journal's state ("stmt:HOST:lock") rises with each
 * held or release statement taken, and past the held statement of a
 * lock when it is cleared, so an older statement replayed, even after a
 * restart, is stale.  The held statement of the lock recorded on a
 * branch ("lock:BRANCH:held") and the release that last cleared one
 * ("lock:BRANCH:release") are kept there too: the first is what hellos
 * list, the second is sent to a host whose hello still lists the lock.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isconfd.h"
#include "stmtd.h"

/* What a lock datagram takes besides the statement's body: the
 * datagram's header and HMAC (net/udp.c), the blob's length, the
 * statement's header and signature, the names each holds once. */
#define LOCK_DGRAM_OVERHEAD	180

/* The lock statement's body, its message cut to STMT_LOCK_MSG_MAX and
 * to what keeps the body within STMT_BODY_MAX and the datagram within
 * NET_MAX_DGRAM (long domain and host names leave less room). */
void
lockstmt_sign(struct isconfd *d, uint8_t kind, const struct stmt_lock *l,
    struct buf *out)
{
	struct stmt_lock	 c = *l;
	struct buf		 body;
	char			 msg[STMT_LOCK_MSG_MAX + 1];
	size_t			 n, max = STMT_BODY_MAX, room;

	room = NET_MAX_DGRAM - LOCK_DGRAM_OVERHEAD -
	    strlen(d->conf.domain) - 2 * strlen(d->conf.hostname);
	if (room < max)
		max = room;
	if (c.message != NULL) {
		xstrlcpy(msg, c.message, sizeof msg);
		c.message = msg;
	}
	buf_init(&body);
	stmt_lock_encode(kind, &c, &body);
	if (body.len > max && c.message != NULL) {
		n = strlen(msg);
		msg[n > body.len - max ? n - (body.len - max) : 0] = '\0';
		buf_reset(&body);
		stmt_lock_encode(kind, &c, &body);
	}
	stmtd_sign(d, kind, body.data, body.len, out);
	buf_free(&body);
}

static char *
floor_key(const char *issuer)
{
	char	*k;

	xasprintf(&k, "stmt:%s:lock", issuer);
	return k;
}

/* issuer's floor: 0, or -1 and cause. */
static int
floor_get(struct isconfd *d, const char *issuer, uint64_t *e, uint64_t *q,
    char **cause)
{
	char			*k = floor_key(issuer), *v;
	unsigned long long	 a = 0, b = 0;
	int			 r;

	*e = *q = 0;
	r = journal_state_get(d->journal, k, &v, cause);
	free(k);
	if (r != 1)
		return r;
	if (sscanf(v, "%llu %llu", &a, &b) == 2) {
		*e = a;
		*q = b;
	}
	free(v);
	return 0;
}

/* Raise issuer's floor to (e, q) unless it is there already. */
static void
floor_raise(struct isconfd *d, const char *issuer, uint64_t e, uint64_t q)
{
	char		*k, v[48], *cause = NULL;
	uint64_t	 fe, fq;

	if (floor_get(d, issuer, &fe, &fq, &cause) == 0 &&
	    !stmt_after(e, q, fe, fq))
		return;
	free(cause);
	cause = NULL;
	k = floor_key(issuer);
	snprintf(v, sizeof v, "%llu %llu", (unsigned long long)e,
	    (unsigned long long)q);
	if (journal_state_set(d->journal, k, v, &cause) == -1) {
		log_warnx("lock: %s; the statement floor of %s not kept",
		    cause, issuer);
		free(cause);
	}
	free(k);
}

int
lockstmt_check(struct isconfd *d, const struct wire_lockstmt *w,
    const char *about, const char *from)
{
	const struct stmt	*st = &w->st;
	const char		*what = stmt_kind_name(st->kind);
	struct stmt_host	*h;
	enum stmt_count		 why;
	uint64_t		 fe, fq;
	char			*cause = NULL;

	if (about != NULL && strcmp(st->issuer, about) != 0) {
		stmtd_drop(d, STMT_C_WRONG_ISSUER, "dropped a %s of %s sent "
		    "by %s as %s's", what, st->issuer, from, about);
		return 0;
	}
	if (floor_get(d, st->issuer, &fe, &fq, &cause) == -1 ||
	    stmtd_host(d, st->issuer, &h, &cause) == -1) {
		log_warnx("lock: %s; a %s of %s ignored", cause, what,
		    st->issuer);
		free(cause);
		return 0;
	}
	if (stmt_after(fe, fq, st->epoch, st->seq)) {
		stmtd_drop(d, STMT_C_STALE, "ignored a %s of %s (from %s) "
		    "older than its last", what, st->issuer, from);
		return 0;
	}
	if (stmt_verify(st, d->conf.domain) == -1) {
		stmtd_drop(d, STMT_C_BAD_SIG, "dropped a %s of %s (from %s): "
		    "its signature does not verify", what, st->issuer, from);
		return 0;
	}
	stmtd_verified(d);
	if (pins_check(d, h, st->pk, 1, &why) == -1) {
		stmtd_drop(d, why, "dropped a %s of %s (from %s): %s", what,
		    st->issuer, from, why == STMT_C_UNTRUSTED ? "its key is "
		    "not in trusted_keys" : "signed by another key than the "
		    "one pinned for that name");
		return 0;
	}
	stmtd_accepted(d);
	if (st->kind != STMT_LOCK_CLAIM)
		floor_raise(d, st->issuer, st->epoch, st->seq);
	return 1;
}

void
lockstmt_cleared(struct isconfd *d, const char *holder, uint64_t e,
    uint64_t q)
{
	if (e != 0)
		floor_raise(d, holder, e, q + 1);
}

static char *
branch_key(const char *branch, const char *what)
{
	char	*k;

	xasprintf(&k, "lock:%s:%s", branch, what);
	return k;
}

int
lockstmt_get(struct isconfd *d, const char *branch, uint8_t kind,
    struct buf *raw, struct wire_lockstmt *w)
{
	uint8_t	 p[STMT_MAX];
	char	*k, *v;
	size_t	 len;
	int	 r;

	k = branch_key(branch, kind == STMT_LOCK_HELD ? "held" : "release");
	r = journal_state_get(d->journal, k, &v, NULL);
	free(k);
	if (r != 1)
		return 0;
	len = strlen(v) / 2;
	buf_reset(raw);
	r = 0;
	if (len > 0 && len <= STMT_MAX && hex_decode(p, len, v) == 0) {
		buf_add(raw, p, len);
		r = wire_lockstmt_raw(kind, raw->data, raw->len, w) == 0;
	}
	free(v);
	if (r == 0)
		buf_reset(raw);
	return r;
}

void
lockstmt_put(struct isconfd *d, const char *branch, uint8_t kind,
    const uint8_t *raw, size_t len)
{
	char	*k, *v = NULL, *cause = NULL;

	k = branch_key(branch, kind == STMT_LOCK_HELD ? "held" : "release");
	if (raw != NULL) {
		v = xmalloc(2 * len + 1);
		hex_encode(v, raw, len);
	}
	if (journal_state_set(d->journal, k, v, &cause) == -1) {
		log_warnx("lock: %s; the %s statement of %s not kept", cause,
		    stmt_kind_name(kind), branch);
		free(cause);
	}
	free(k);
	free(v);
}

int
lockstmt_held(struct isconfd *d, const char *branch, const struct jlock *l,
    struct buf *raw, uint64_t *e, uint64_t *q)
{
	struct wire_lockstmt	w;
	int			r;

	*e = *q = 0;
	if (lockstmt_get(d, branch, STMT_LOCK_HELD, raw, &w) == 0)
		return 0;
	r = strcmp(w.st.issuer, l->host) == 0 && w.l.time == l->time;
	if (r) {
		*e = w.st.epoch;
		*q = w.st.seq;
	} else
		buf_reset(raw);
	wire_lockstmt_free(&w);
	return r;
}
