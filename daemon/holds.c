/*
 * Fleet-wide holds (issue 25, doc/design.md "Holds"): isconf hold
 * [MESSAGE] and isconf release sign a STMT_HOLDS statement for this
 * host's branch; no journal entry, so a partition cannot fork a branch
 * over it and a host stuck behind its branch can still hold.  Each
 * issuer's latest statement per branch is kept (memory and the
 * journal's state, "holds"); of those, the one with the latest time
 * decides whether the branch is held.  A new statement is passed on to
 * every peer at once, and every held one to a peer met anew (its first
 * hello, or one after a restart), so a host that was down learns it.
 * up stops before its next transaction while its branch is held.
 */
#include <stdlib.h>
#include <string.h>

#include "isconfd.h"
#include "stmtd.h"

#define HOLDS_MAX	256	/* statements kept: issuers x branches */

struct hold {
	struct hold		*next;
	uint8_t			*raw;
	struct stmt		 st;	/* raw, decoded */
	struct stmt_hold	 h;
};

static void	verb_hold(struct client *);

const struct verb_entry verb_hold_entry = {
	.name = "hold",
	.exec = verb_hold,
};
const struct verb_entry verb_release_entry = {
	.name = "release",
	.exec = verb_hold,
};

static void
hold_free(struct hold *h)
{
	stmt_free(&h->st);
	stmt_hold_free(&h->h);
	free(h->raw);
	free(h);
}

/* A statement (raw, len) as a hold: NULL if it does not decode as one. */
static struct hold *
hold_new(const uint8_t *raw, size_t len)
{
	struct hold	*h = xcalloc(1, sizeof *h);

	h->raw = xmalloc(len ? len : 1);
	memcpy(h->raw, raw, len);
	if (stmt_decode(h->raw, len, &h->st) == -1) {
		free(h->raw);
		free(h);
		return NULL;
	}
	if (h->st.kind != STMT_HOLDS ||
	    stmt_hold_decode(h->st.body, h->st.blen, &h->h) == -1) {
		hold_free(h);
		return NULL;
	}
	return h;
}

/* Keep h, in place of its issuer's older one for the branch: 1, or 0
 * (h freed) if the one kept is not older. */
static int
hold_put(struct isconfd *d, struct hold *h)
{
	struct hold	**pp, *o;
	size_t		  n = 0;

	for (pp = &d->holds; (o = *pp) != NULL; pp = &o->next, n++) {
		if (strcmp(o->st.issuer, h->st.issuer) != 0 ||
		    strcmp(o->h.branch, h->h.branch) != 0)
			continue;
		if (!stmt_after(h->st.epoch, h->st.seq, o->st.epoch,
		    o->st.seq) && memcmp(o->st.pk, h->st.pk, STMT_PK_LEN) == 0) {
			hold_free(h);
			return 0;
		}
		h->next = o->next;
		*pp = h;
		hold_free(o);
		return 1;
	}
	if (n >= HOLDS_MAX) {
		log_warnx("holds: more than %d kept; a hold of %s ignored",
		    HOLDS_MAX, h->st.issuer);
		hold_free(h);
		return 0;
	}
	h->next = d->holds;
	d->holds = h;
	return 1;
}

static void
holds_load(struct isconfd *d)
{
	struct hold	*h;
	struct rd	 r;
	const uint8_t	*p;
	uint8_t		*raw;
	char		*v, *cause = NULL;
	size_t		 len, n;

	if (d->holds_loaded)
		return;
	d->holds_loaded = 1;
	if (journal_state_get(d->journal, "holds", &v, &cause) != 1) {
		if (cause != NULL) {
			log_warnx("holds: %s", cause);
			free(cause);
		}
		return;
	}
	n = strlen(v) / 2;
	raw = xmalloc(n ? n : 1);
	if (hex_decode(raw, n, v) == 0) {
		rd_init(&r, raw, n);
		while (r.off < r.len && (p = rd_blob(&r, &len, STMT_MAX)) !=
		    NULL && (h = hold_new(p, len)) != NULL)
			hold_put(d, h);
	}
	free(raw);
	free(v);
}

static void
holds_store(struct isconfd *d)
{
	struct hold	*h;
	struct buf	 b;
	char		*v, *cause = NULL;

	buf_init(&b);
	for (h = d->holds; h != NULL; h = h->next)
		buf_add_blob(&b, h->raw, h->st.rawlen);
	v = xmalloc(2 * b.len + 1);
	hex_encode(v, b.data, b.len);
	if (journal_state_set(d->journal, "holds", v, &cause) == -1) {
		log_warnx("holds: %s", cause);
		free(cause);
	}
	free(v);
	buf_free(&b);
}

/* Send the held statements (or only one) to to, or to every peer. */
static void
holds_send(struct isconfd *d, const struct hold *only,
    const struct sockaddr_in *to)
{
	const struct hold	*h = only != NULL ? only : d->holds;
	struct peer		*p;
	struct buf		 b;

	if (d->net == NULL)
		return;
	while (h != NULL) {
		buf_init(&b);
		buf_add_u8(&b, 0);
		for (; h != NULL && b.data[0] < STMT_PER_DGRAM &&
		    b.len + 4 + h->st.rawlen < NET_MAX_DGRAM - 600;
		    h = only != NULL ? NULL : h->next) {
			buf_add_blob(&b, h->raw, h->st.rawlen);
			b.data[0]++;
		}
		if (to != NULL)
			net_send(d->net, to, MSG_STMT, b.data, b.len);
		else
			TAILQ_FOREACH(p, &d->peers, entry)
				net_send(d->net, &p->addr, MSG_STMT, b.data,
				    b.len);
		buf_free(&b);
	}
}

void
holds_greet(struct isconfd *d, const struct sockaddr_in *to)
{
	holds_load(d);
	if (d->holds != NULL)
		holds_send(d, NULL, to);
}

void
holds_take(struct isconfd *d, const struct stmt *st, const char *from)
{
	struct stmt_host	*sh;
	struct hold		*h;
	enum stmt_count		 why;
	char			*cause = NULL;

	holds_load(d);
	if (strcmp(st->issuer, d->conf.hostname) == 0)
		return;		/* ours, back */
	for (h = d->holds; h != NULL; h = h->next)
		if (h->st.rawlen == st->rawlen &&
		    memcmp(h->raw, st->raw, st->rawlen) == 0)
			return;	/* the one we hold */
	if (stmt_verify(st, d->conf.domain) == -1) {
		stmtd_drop(d, STMT_C_BAD_SIG, "dropped a hold of %s (from %s): "
		    "its signature does not verify", st->issuer, from);
		return;
	}
	if (stmtd_host(d, st->issuer, &sh, &cause) == -1) {
		log_warnx("holds: %s", cause);
		free(cause);
		return;
	}
	if (pins_check(d, sh, st->pk, &why) == -1) {
		stmtd_drop(d, why, "dropped a hold of %s (from %s): %s",
		    st->issuer, from, why == STMT_C_UNTRUSTED ? "its key is "
		    "not in trusted_keys" : "signed by another key than the "
		    "one pinned for that name");
		return;
	}
	if ((h = hold_new(st->raw, st->rawlen)) == NULL) {
		stmtd_drop(d, STMT_C_MALFORMED, "dropped a hold of %s (from "
		    "%s): its body does not decode", st->issuer, from);
		return;
	}
	if (hold_put(d, h) == 0) {
		stmtd_drop(d, STMT_C_STALE, "ignored a hold of %s (from %s) "
		    "older than the one held", st->issuer, from);
		return;
	}
	stmtd_accepted(d);
	log_info("%s %s by %s (%s@%s): %s", h->h.branch, h->h.held ?
	    "held" : "released", st->issuer, h->h.author, st->issuer,
	    h->h.message);
	holds_store(d);
	holds_send(d, h, NULL);		/* passed on, once: news */
}

/* The statement that decides branch: the latest (in the same second,
 * a release); NULL if none. */
static const struct hold *
holds_latest(struct isconfd *d, const char *branch)
{
	const struct hold	*h, *best = NULL;

	holds_load(d);
	for (h = d->holds; h != NULL; h = h->next)
		if (strcmp(h->h.branch, branch) == 0 && (best == NULL ||
		    h->h.time > best->h.time || (h->h.time == best->h.time &&
		    (h->h.held < best->h.held || (h->h.held == best->h.held &&
		    strcmp(h->st.issuer, best->st.issuer) > 0)))))
			best = h;
	return best;
}

char *
holds_why(struct isconfd *d, const char *branch)
{
	const struct hold	*h = holds_latest(d, branch);
	char			 when[64], *why;

	if (h == NULL || !h->h.held)
		return NULL;
	fmt_time(when, sizeof when, h->h.time / 1000);
	xasprintf(&why, "%s is held by %s@%s since %s: %s", branch,
	    h->h.author, h->st.issuer, when, h->h.message);
	return why;
}

void
holds_status(struct isconfd *d, struct buf *b, int json)
{
	const struct hold	*h = holds_latest(d, d->branch);
	char			 when[64];

	if (json) {
		buf_printf(b, "\"hold\":");
		if (h == NULL || !h->h.held) {
			buf_printf(b, "null,");
			return;
		}
		buf_printf(b, "{\"host\":");
		buf_add_json(b, h->st.issuer);
		buf_printf(b, ",\"author\":");
		buf_add_json(b, h->h.author);
		buf_printf(b, ",\"message\":");
		buf_add_json(b, h->h.message);
		buf_printf(b, ",\"time\":%lld},", (long long)h->h.time / 1000);
		return;
	}
	if (h == NULL || !h->h.held)
		return;
	fmt_time(when, sizeof when, h->h.time / 1000);
	buf_printf(b, "hold:     HELD by %s@%s since %s: ", h->h.author,
	    h->st.issuer, when);
	buf_add_esc(b, h->h.message);
	buf_add_u8(b, '\n');
}

/* isconf hold [MESSAGE...] and isconf release. */
static void
verb_hold(struct client *c)
{
	struct isconfd		*d = c->d;
	struct stmt_hold	 sh;
	struct buf		 body, out;
	struct hold		*h;
	int			 hold = strcmp(c->req.argv[0], "hold") == 0;
	char			*msg = client_args(c, 1);

	if (pins_trust(d, d->pk) == -1) {
		client_err(c, "%s refused: this host's key is not in "
		    "trusted_keys; only trusted hosts can hold and release",
		    c->req.argv[0]);
		client_exit(c, 1);
		free(msg);
		return;
	}
	holds_load(d);
	memset(&sh, 0, sizeof sh);
	sh.branch = d->branch;
	sh.held = hold;
	sh.author = c->req.author;
	sh.message = str_trim(msg);
	sh.time = now_ns() / 1000000;	/* ms: two in a second are ordered */
	buf_init(&body);
	buf_init(&out);
	stmt_hold_encode(&sh, &body);
	stmtd_sign(d, STMT_HOLDS, body.data, body.len, &out);
	h = hold_new(out.data, out.len);
	if (h == NULL)
		fatalx("holds: our own hold does not decode");
	hold_put(d, h);
	holds_store(d);
	holds_send(d, h, NULL);
	log_info("%s %s by %s@%s: %s", d->branch, hold ? "held" : "released",
	    c->req.author, d->conf.hostname, sh.message);
	client_info(c, hold ? "%s held: every host's up stops before its "
	    "next transaction until 'isconf release'" : "%s released",
	    d->branch);
	client_exit(c, 0);
	buf_free(&body);
	buf_free(&out);
	free(msg);
}

void
holds_free(struct isconfd *d)
{
	struct hold	*h;

	while ((h = d->holds) != NULL) {
		d->holds = h->next;
		hold_free(h);
	}
}
