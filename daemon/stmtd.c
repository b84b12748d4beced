/*
 * Statements in the daemon (stmtd.h, doc/protocol.md "Statements").
 *
 * This host signs its receipt only when a peer asks for it and what it
 * says changed since the last one: an idle mesh signs nothing.  A peer
 * asks (MSG_STMT_WANT) when a hello of ours says something its held
 * receipt does not, and at most once a second per host; the answer
 * (MSG_STMT) carries statements as their issuers signed them, so any
 * host holding a newer one may answer for another.  A received one is
 * believed when its signature verifies, its key may speak for its
 * issuer (pins.c) and it is newer than the one held, which is then
 * replaced in memory and in the journal's state ("stmt:HOST:receipt",
 * hex): an older statement replayed after a restart is still older.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "isconfd.h"
#include "stmtd.h"
#include "keepers.h"

#define STMT_BUCKETS	1024
/* Issuers held in memory; beyond, those no longer peers are dropped
 * (their statements stay in the journal's state). */
#define STMT_HOSTS_MAX	70000
#define STMT_WANT_NS	1000000000LL	/* one ask a second per host */

struct stmtd {
	struct stmt_host	*hosts[STMT_BUCKETS];
	size_t			 nhosts;
	uint64_t		 epoch;
	uint64_t		 seq;
	struct stmt_receipt	 own_rc;	/* what the last one said */
	struct buf		 own;		/* ... signed */
	struct stmt		 own_st;
	uint64_t		 counts[STMT_NCOUNTS];
	int64_t			 log_next[STMT_NCOUNTS];
};

static const char *const stmt_count_names[STMT_NCOUNTS] = {
	"signed", "verified", "accepted", "malformed", "bad_signature",
	"untrusted", "key_refused", "stale", "ignored_kind", "unknown_issuer",
	"wrong_issuer", "list_full"
};

static unsigned
stmt_bucket(const char *s)
{
	uint32_t	h = 5381;

	while (*s)
		h = h * 33 + (unsigned char)*s++;
	return h % STMT_BUCKETS;
}

/* Count what became of a statement; log it at most once per 10 s. */
void
stmtd_drop(struct isconfd *d, enum stmt_count c, const char *fmt, ...)
{
	struct stmtd	*s = d->stmt;
	va_list		 ap;
	char		 msg[256];
	int64_t		 now = now_ns();

	s->counts[c]++;
	if (now < s->log_next[c])
		return;
	s->log_next[c] = now + 10 * 1000000000LL;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	log_warnx("statements: %s (%llu so far)", msg,
	    (unsigned long long)s->counts[c]);
}

void
stmtd_accepted(struct isconfd *d)
{
	d->stmt->counts[STMT_C_ACCEPTED]++;
}

void
stmtd_verified(struct isconfd *d)
{
	d->stmt->counts[STMT_C_VERIFIED]++;
}

void
stmtd_sign(struct isconfd *d, uint8_t kind, const void *body, size_t blen,
    struct buf *out)
{
	struct stmtd	*s = d->stmt;

	stmt_sign(out, kind, d->conf.hostname, d->pk, d->sk, s->epoch,
	    ++s->seq, d->conf.domain, body, blen);
	s->counts[STMT_C_SIGNED]++;
}

uint64_t
stmtd_count(struct isconfd *d, enum stmt_count c)
{
	return d->stmt != NULL ? d->stmt->counts[c] : 0;
}

static void
host_clear(struct stmt_host *h)
{
	stmt_free(&h->st);
	stmt_receipt_free(&h->rc);
	free(h->raw);
	h->raw = NULL;
}

static void
host_free(struct stmt_host *h)
{
	host_clear(h);
	free(h->issuer);
	free(h);
}

/* Take raw (allocated) as h's receipt: 0, or -1 if it does not decode. */
static int
host_set(struct stmt_host *h, uint8_t *raw, size_t len)
{
	struct stmt		st;
	struct stmt_receipt	rc;

	if (stmt_decode(raw, len, &st) == -1)
		return -1;
	if (st.kind != STMT_RECEIPT || strcmp(st.issuer, h->issuer) != 0 ||
	    stmt_receipt_decode(st.body, st.blen, &rc) == -1) {
		stmt_free(&st);
		return -1;
	}
	host_clear(h);
	h->raw = raw;
	h->st = st;
	h->rc = rc;
	return 0;
}

static char *
state_key(const char *issuer)
{
	char	*k;

	xasprintf(&k, "stmt:%s:receipt", issuer);
	return k;
}

/* The receipt the journal's state holds for h, if any. */
static int
host_load(struct isconfd *d, struct stmt_host *h, char **cause)
{
	char	*k = state_key(h->issuer), *v;
	uint8_t	*raw;
	size_t	 len;
	int	 r;

	r = journal_state_get(d->journal, k, &v, cause);
	free(k);
	if (r != 1)
		return r;
	len = strlen(v) / 2;
	raw = xmalloc(len ? len : 1);
	if (len == 0 || len > STMT_MAX || hex_decode(raw, len, v) == -1 ||
	    host_set(h, raw, len) == -1) {
		/* Kept only by this host: unreadable is a fault here. */
		log_warnx("statements: the stored receipt of %s is damaged; "
		    "ignored", h->issuer);
		free(raw);
	}
	free(v);
	return 0;
}

static int
host_store(struct isconfd *d, struct stmt_host *h, char **cause)
{
	char	*k = state_key(h->issuer), *v = NULL;
	int	 rv;

	if (h->raw != NULL) {
		v = xmalloc(2 * h->st.rawlen + 1);
		hex_encode(v, h->raw, h->st.rawlen);
	}
	rv = journal_state_set(d->journal, k, v, cause);
	free(k);
	free(v);
	return rv;
}

/* Make room: drop the issuers that are no longer peers. */
static void
hosts_trim(struct isconfd *d)
{
	struct stmtd		 *s = d->stmt;
	struct stmt_host	**pp, *h;
	size_t			  i;

	for (i = 0; i < STMT_BUCKETS; i++)
		for (pp = &s->hosts[i]; (h = *pp) != NULL;) {
			if (peer_find(d, h->issuer) != NULL) {
				pp = &h->next;
				continue;
			}
			*pp = h->next;
			host_free(h);
			s->nhosts--;
		}
}

int
stmtd_host(struct isconfd *d, const char *issuer, struct stmt_host **hp,
    char **cause)
{
	struct stmtd		*s = d->stmt;
	struct stmt_host	*h;
	unsigned		 b = stmt_bucket(issuer);

	for (h = s->hosts[b]; h != NULL; h = h->next)
		if (strcmp(h->issuer, issuer) == 0) {
			*hp = h;
			return 0;
		}
	h = xcalloc(1, sizeof *h);
	h->issuer = xstrdup(issuer);
	if (pins_load(d, h, cause) == -1 || host_load(d, h, cause) == -1) {
		host_free(h);
		return -1;
	}
	if (s->nhosts >= STMT_HOSTS_MAX)
		hosts_trim(d);
	h->next = s->hosts[b];
	s->hosts[b] = h;
	s->nhosts++;
	*hp = h;
	return 0;
}

int
stmtd_open(struct isconfd *d, char **cause)
{
	struct stmtd	*s;
	char		*v, num[32];
	uint64_t	 last = 0;
	int		 r;

	if ((r = journal_state_get(d->journal, "stmt_epoch", &v, cause)) == -1)
		return -1;
	if (r == 1) {
		last = strtoull(v, NULL, 10);
		free(v);
	}
	s = xcalloc(1, sizeof *s);
	/* Above the last daemon's; and above the clock's seconds, so that
	 * a host whose journal was lost (its key restored) still speaks
	 * after what it said before. */
	s->epoch = last + 1;
	if ((uint64_t)time(NULL) > s->epoch)
		s->epoch = (uint64_t)time(NULL);
	snprintf(num, sizeof num, "%llu", (unsigned long long)s->epoch);
	if (journal_state_set(d->journal, "stmt_epoch", num, cause) == -1) {
		free(s);
		return -1;
	}
	buf_init(&s->own);
	d->stmt = s;
	return 0;
}

void
stmtd_close(struct isconfd *d)
{
	struct stmtd		*s = d->stmt;
	struct stmt_host	*h;
	size_t			 i;

	holds_free(d);
	lockstmt_free(d);
	if (s == NULL)
		return;
	for (i = 0; i < STMT_BUCKETS; i++)
		while ((h = s->hosts[i]) != NULL) {
			s->hosts[i] = h->next;
			host_free(h);
		}
	stmt_free(&s->own_st);
	stmt_receipt_free(&s->own_rc);
	buf_free(&s->own);
	free(s);
	d->stmt = NULL;
}

/* What this host's receipt says now: the id of the applied entry too,
 * which changes without the seq when up --adopt moves the host onto a
 * fork's winning side. */
static int
own_position(struct isconfd *d, struct stmt_receipt *rc, char **cause)
{
	struct last_up	u;
	struct skips	k;
	struct entry	e;
	int		r;

	memset(rc, 0, sizeof *rc);
	memset(&k, 0, sizeof k);
	if (journal_applied(d->journal, d->branch, &rc->applied, cause) == -1 ||
	    skips_taken(d, d->branch, &k, cause) == -1 ||
	    (r = report_last_up(d, &u, cause)) == -1) {
		skips_free(&k);
		return -1;
	}
	if (r == 1) {
		if (strcmp(u.result, "failed") == 0) {
			rc->failed_seq = u.seq;
			rc->failed_status = (uint32_t)u.status;
		}
		if (strcmp(u.result, "waiting") == 0 ||
		    strcmp(u.result, "held") == 0) {
			rc->waiting = u.seq;
			rc->held = strcmp(u.result, "held") == 0;
		}
		free(u.output);
	}
	rc->skipped = (uint32_t)k.n;
	skips_free(&k);
	if (rc->waiting != 0 && journal_state_get(d->journal, "last_up_why",
	    &rc->why, cause) == -1)
		return -1;
	if (rc->why == NULL)
		rc->why = xstrdup("");
	rc->branch = xstrdup(d->branch);
	rc->wave = xstrdup(upwaves_mine(d));
	if (rc->applied == 0)
		return 0;
	if ((r = journal_get(d->journal, d->branch, rc->applied, &e,
	    cause)) == -1) {
		stmt_receipt_free(rc);
		return -1;
	}
	if (r == 1) {
		memcpy(rc->applied_id, e.id, sizeof rc->applied_id);
		entry_free(&e);
	}
	return 0;
}

/* Whether a and b say the same of a wait (a hello says nothing of it:
 * NULL why, and then only waiting counts). */
static int
same_wait(const struct stmt_receipt *a, const struct stmt_receipt *b)
{
	if (a->why == NULL || b->why == NULL)
		return 1;
	return a->waiting == b->waiting && a->held == b->held &&
	    strcmp(a->why, b->why) == 0;
}

static int
same_position(const struct stmt_receipt *a, const struct stmt_receipt *b)
{
	return a->branch != NULL && b->branch != NULL &&
	    strcmp(a->branch, b->branch) == 0 && a->applied == b->applied &&
	    memcmp(a->applied_id, b->applied_id, sizeof a->applied_id) == 0 &&
	    a->failed_seq == b->failed_seq &&
	    a->failed_status == b->failed_status && a->skipped == b->skipped &&
	    (a->wave == NULL || b->wave == NULL ||
	    strcmp(a->wave, b->wave) == 0) && same_wait(a, b);
}

int
stmtd_own(struct isconfd *d, const struct stmt **stp, char **cause)
{
	struct stmtd		*s = d->stmt;
	struct stmt_receipt	 rc;
	struct buf		 body;

	if (own_position(d, &rc, cause) == -1)
		return -1;
	if (s->own.len > 0 && same_position(&rc, &s->own_rc)) {
		stmt_receipt_free(&rc);
		*stp = &s->own_st;
		return 0;
	}
	buf_init(&body);
	stmt_receipt_encode(&rc, &body);
	stmt_free(&s->own_st);
	buf_reset(&s->own);
	stmt_sign(&s->own, STMT_RECEIPT, d->conf.hostname, d->pk, d->sk,
	    s->epoch, ++s->seq, d->conf.domain, body.data, body.len);
	buf_free(&body);
	s->counts[STMT_C_SIGNED]++;
	if (stmt_decode(s->own.data, s->own.len, &s->own_st) == -1)
		fatalx("statements: our own receipt does not decode");
	stmt_receipt_free(&s->own_rc);
	s->own_rc = rc;
	*stp = &s->own_st;
	return 0;
}

int
stmtd_check(struct isconfd *d, const struct stmt_host *h,
    const struct stmt *st, const char **why)
{
	*why = NULL;
	if (stmt_verify(st, d->conf.domain) == -1)
		*why = "bad signature";
	else if (pins_trust(d, st->pk) == -1)
		*why = "key not in trusted_keys";
	else if (h != NULL && h->pinned && memcmp(h->pin, st->pk,
	    STMT_PK_LEN) != 0)
		*why = "not the pinned key";
	return *why == NULL;
}

/* One statement from a MSG_STMT, sent by from. */
static void
stmt_take(struct isconfd *d, const struct stmt *st, const char *from)
{
	struct stmt_host	*h;
	enum stmt_count		 why;
	uint8_t			*raw;
	uint64_t		 old_fseq;
	uint32_t		 old_fstatus;
	char			*cause = NULL;

	if (st->kind == STMT_HOLDS) {
		holds_take(d, st, from);
		return;
	}
	if (st->kind == STMT_HOLDINGS) {
		keepers_take(d, st, from);
		return;
	}
	if (st->kind != STMT_RECEIPT) {
		/* Lock statements travel in the lock messages (lockstmt.c);
		 * others are a newer peer's. */
		stmtd_drop(d, STMT_C_IGNORED_KIND, "ignored a %s statement "
		    "(kind %u) of %s", stmt_kind_name(st->kind), st->kind,
		    st->issuer);
		return;
	}
	if (strcmp(st->issuer, d->conf.hostname) == 0)
		return;		/* ours, back: we know better */
	if (peer_find(d, st->issuer) == NULL) {
		/* Held only for peers: bounded by the peer table. */
		stmtd_drop(d, STMT_C_UNKNOWN_ISSUER, "dropped a statement of "
		    "%s (from %s): not a peer", st->issuer, from);
		return;
	}
	if (stmtd_host(d, st->issuer, &h, &cause) == -1)
		goto fail;
	if (h->raw != NULL && h->st.rawlen == st->rawlen &&
	    memcmp(h->raw, st->raw, st->rawlen) == 0)
		return;		/* the one we hold */
	if (h->raw != NULL && memcmp(h->st.pk, st->pk, STMT_PK_LEN) == 0 &&
	    !stmt_after(st->epoch, st->seq, h->st.epoch, h->st.seq)) {
		stmtd_drop(d, STMT_C_STALE, "ignored a receipt of %s (from %s) "
		    "older than the one held", st->issuer, from);
		return;
	}
	if (stmt_verify(st, d->conf.domain) == -1) {
		stmtd_drop(d, STMT_C_BAD_SIG, "dropped a receipt of %s (from "
		    "%s): its signature does not verify", st->issuer, from);
		return;
	}
	d->stmt->counts[STMT_C_VERIFIED]++;
	if (pins_check(d, h, st->pk, 1, &why) == -1) {
		stmtd_drop(d, why, "dropped a receipt of %s (from %s): %s",
		    st->issuer, from, why == STMT_C_UNTRUSTED ? "its key is "
		    "not in trusted_keys" : "signed by another key than the "
		    "one pinned for that name");
		return;
	}
	/* A pin just moved (a re-keyed host) drops what the old key said. */
	if (h->raw != NULL && memcmp(h->st.pk, st->pk, STMT_PK_LEN) != 0)
		host_clear(h);
	if (h->raw != NULL && !stmt_after(st->epoch, st->seq, h->st.epoch,
	    h->st.seq)) {
		stmtd_drop(d, STMT_C_STALE, "ignored a receipt of %s (from %s) "
		    "older than the one held", st->issuer, from);
		return;
	}
	raw = xmalloc(st->rawlen);
	memcpy(raw, st->raw, st->rawlen);
	old_fseq = h->raw != NULL ? h->rc.failed_seq : 0;
	old_fstatus = h->raw != NULL ? h->rc.failed_status : 0;
	if (host_set(h, raw, st->rawlen) == -1) {
		free(raw);
		stmtd_drop(d, STMT_C_MALFORMED, "dropped a receipt of %s (from "
		    "%s): its body does not decode", st->issuer, from);
		return;
	}
	d->stmt->counts[STMT_C_ACCEPTED]++;
	if (host_store(d, h, &cause) == -1)
		goto fail;
	wavenews_heard(d, h, old_fseq, old_fstatus, from);
	return;
fail:
	log_warnx("statements: %s; a receipt of %s not kept", cause,
	    st->issuer);
	free(cause);
}

static void
stmt_recv(struct isconfd *d, const struct net_dgram *g)
{
	struct stmt	st[STMT_PER_DGRAM];
	size_t		n, i;

	if (stmt_list_decode(g->body, g->len, st, &n) == -1) {
		stmtd_drop(d, STMT_C_MALFORMED, "dropped malformed statements "
		    "from %s (%s)", inet_ntoa(g->from.sin_addr), g->host);
		return;
	}
	for (i = 0; i < n; i++) {
		stmt_take(d, &st[i], g->host);
		stmt_free(&st[i]);
	}
}

/* Append st to a MSG_STMT body b (count in b->data[0]) if it fits. */
static void
stmt_pack(struct buf *b, const struct stmt *st)
{
	if (b->data[0] >= STMT_PER_DGRAM ||
	    b->len + 4 + st->rawlen > NET_MAX_DGRAM - 600)
		return;
	buf_add_blob(b, st->raw, st->rawlen);
	b->data[0]++;
}

/* Answer a want: the statements asked for that we hold newer. */
static void
stmt_want_recv(struct isconfd *d, const struct net_dgram *g)
{
	struct stmt_want	 w[STMT_PER_DGRAM];
	struct stmt_host	*h;
	const struct stmt	*st;
	struct buf		 b;
	size_t			 n, i;
	char			*cause = NULL;

	if (stmt_want_decode(g->body, g->len, w, &n) == -1) {
		stmtd_drop(d, STMT_C_MALFORMED, "dropped a malformed want from "
		    "%s (%s)", inet_ntoa(g->from.sin_addr), g->host);
		return;
	}
	buf_init(&b);
	buf_add_u8(&b, 0);
	for (i = 0; i < n; i++) {
		st = NULL;
		if (w[i].kind != STMT_RECEIPT)
			continue;
		if (strcmp(w[i].issuer, d->conf.hostname) == 0) {
			if (stmtd_own(d, &st, &cause) == -1)
				break;
		} else if (peer_find(d, w[i].issuer) != NULL) {
			if (stmtd_host(d, w[i].issuer, &h, &cause) == -1)
				break;
			if (h->raw != NULL)
				st = &h->st;
		}
		if (st != NULL && stmt_after(st->epoch, st->seq, w[i].epoch,
		    w[i].seq))
			stmt_pack(&b, st);
	}
	if (cause != NULL) {
		log_warnx("statements: %s; a want of %s not answered", cause,
		    g->host);
		free(cause);
	} else if (b.data[0] > 0)
		net_send(d->net, &g->from, MSG_STMT, b.data, b.len);
	buf_free(&b);
	stmt_want_free(w, n);
}

/*
 * After an up: when what our receipt says of a wait changed, sign it
 * and send it to every peer.  Hellos carry no wait, so no peer would
 * ask for it; a later wave's waiting shows fleet-wide this way.
 * Returns 1 when the fresh receipt went to every peer (wavenews_own
 * need not send it again), else 0.
 */
int
stmtd_announce(struct isconfd *d)
{
	struct stmtd		*s = d->stmt;
	struct stmt_receipt	 was;
	const struct stmt	*st;
	struct buf		 b;
	char			*cause = NULL;
	int			 same;

	if (s == NULL || d->net == NULL)
		return 0;
	memset(&was, 0, sizeof was);
	if (s->own.len > 0) {
		was.waiting = s->own_rc.waiting;
		was.held = s->own_rc.held;
	}
	was.why = xstrdup(s->own.len > 0 && s->own_rc.why != NULL ?
	    s->own_rc.why : "");
	if (stmtd_own(d, &st, &cause) == -1) {
		log_warnx("statements: %s; our receipt not sent", cause);
		free(cause);
		free(was.why);
		return 0;
	}
	same = same_wait(&was, &s->own_rc);
	free(was.why);
	if (same)
		return 0;
	buf_init(&b);
	buf_add_u8(&b, 0);
	stmt_pack(&b, st);
	mesh_send_all(d, MSG_STMT, &b);
	buf_free(&b);
	return 1;
}

void
stmtd_dgram(struct isconfd *d, const struct net_dgram *g)
{
	if (g->type == MSG_STMT)
		stmt_recv(d, g);
	else
		stmt_want_recv(d, g);
}

int
stmtd_want(struct isconfd *d, struct stmt_host *h,
    const struct sockaddr_in *to)
{
	struct stmt_want	 w;
	struct buf		 b;
	int64_t			 now = now_ns();

	if (now - h->want_ns < STMT_WANT_NS)
		return 0;
	h->want_ns = now;
	memset(&w, 0, sizeof w);
	w.issuer = h->issuer;
	w.kind = STMT_RECEIPT;
	if (h->raw != NULL) {
		w.epoch = h->st.epoch;
		w.seq = h->st.seq;
	}
	buf_init(&b);
	stmt_want_encode(&w, 1, &b);
	net_send(d->net, to, MSG_STMT_WANT, b.data, b.len);
	buf_free(&b);
	return 1;
}

void
stmtd_hello(struct isconfd *d, const struct peer *p)
{
	struct stmt_host	*h;
	struct stmt_receipt	 said;
	char			*cause = NULL;

	if (stmtd_host(d, p->host, &h, &cause) == -1) {
		log_warnx("statements: %s", cause);
		free(cause);
		return;
	}
	memset(&said, 0, sizeof said);
	said.branch = p->branch;
	said.applied = p->applied;
	memcpy(said.applied_id, p->applied_id, sizeof said.applied_id);
	said.failed_seq = p->failed_seq;
	said.failed_status = p->failed_status;
	said.skipped = p->skipped;
	/* A peer met anew may have missed a hold. */
	if (h->raw == NULL || h->ask) {
		holds_greet(d, &p->addr);
		keepers_greet(d, &p->addr);
	}
	if (h->raw == NULL || h->ask || !same_position(&said, &h->rc))
		h->ask = !stmtd_want(d, h, &p->addr);
}

/* Its session is new to us, but ours may be new to it too: a want sent
 * now would be dropped until it confirms us, so its next hello asks. */
void
stmtd_fresh(struct isconfd *d, const char *host)
{
	struct stmt_host	*h;
	char			*cause = NULL;

	if (peer_find(d, host) == NULL)
		return;		/* its first hello will ask */
	if (stmtd_host(d, host, &h, &cause) == -1) {
		log_warnx("statements: %s", cause);
		free(cause);
		return;
	}
	h->ask = 1;
}

int
stmtd_unpin(struct isconfd *d, const char *issuer, char **cause)
{
	struct stmt_host	*h;
	int			 had;

	if (stmtd_host(d, issuer, &h, cause) == -1)
		return -1;
	had = h->pinned || h->raw != NULL;
	host_clear(h);
	h->refused = 0;
	h->want_ns = 0;
	if (host_store(d, h, cause) == -1 || pins_forget(d, h, cause) == -1)
		return -1;
	return had;
}

#ifdef ISCONF_CRASH_HOOKS
/* Test builds (fleet_inject.c): take raw (allocated, now ours) as its
 * issuer's receipt, as if a peer had sent it, verified: 0 or -1. */
int
stmtd_inject(struct isconfd *d, uint8_t *raw, size_t len, char **cause)
{
	struct stmt_host	*h;
	struct stmt		 st;

	int			 r;

	if (stmt_decode(raw, len, &st) == -1) {
		free(raw);
		return set_cause(cause, "an injected receipt does not decode");
	}
	r = stmtd_host(d, st.issuer, &h, cause);
	stmt_free(&st);
	if (r == -1 || host_set(h, raw, len) == -1) {
		free(raw);
		return r == -1 ? -1 : set_cause(cause, "an injected receipt "
		    "is not one");
	}
	d->stmt->counts[STMT_C_ACCEPTED]++;
	return 0;
}
#endif

void
stmtd_metrics(struct isconfd *d, struct buf *b)
{
	size_t	i;

	buf_printf(b, "# HELP isconf_statements_total Host-signed statements: "
	    "signed here, verified, accepted, or dropped by reason.\n"
	    "# TYPE isconf_statements_total counter\n");
	for (i = 0; i < STMT_NCOUNTS; i++)
		buf_printf(b, "isconf_statements_total{result=\"%s\"} %llu\n",
		    stmt_count_names[i], (unsigned long long)stmtd_count(d, i));
	buf_printf(b, "# HELP isconf_statement_epoch This daemon's statement "
	    "epoch.\n# TYPE isconf_statement_epoch gauge\n"
	    "isconf_statement_epoch %llu\n", (unsigned long long)
	    (d->stmt != NULL ? d->stmt->epoch : 0));
	lockstmt_metrics(d, b);
}
