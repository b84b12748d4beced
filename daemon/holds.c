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
#include "stmtlist.h"

#define HOLDS_MAX	256	/* statements kept: issuers x branches */

struct hold {
	struct stmtlist_item	 it;	/* first */
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

static int
hold_decode(struct stmtlist_item *it)
{
	return stmt_hold_decode(it->st.body, it->st.blen,
	    &((struct hold *)it)->h);
}

static void
hold_free(struct stmtlist_item *it)
{
	stmt_hold_free(&((struct hold *)it)->h);
}

static const char *
hold_branch(const struct stmtlist_item *it)
{
	return ((const struct hold *)it)->h.branch;
}

/* Holds are rare and must reach every host soon: news goes to every
 * peer (fanout 0). */
static const struct stmtlist_ops holds_ops = {
	.name = "holds", .key = "holds", .what = "a hold",
	.kind = STMT_HOLDS, .size = sizeof(struct hold), .max = HOLDS_MAX,
	.fanout = 0, .decode = hold_decode, .free = hold_free,
	.branch = hold_branch,
};

static struct stmtlist *
holds_list(struct isconfd *d)
{
	if (d->holds == NULL) {
		d->holds = xcalloc(1, sizeof *d->holds);
		d->holds->ops = &holds_ops;
	}
	return d->holds;
}

void
holds_greet(struct isconfd *d, const struct sockaddr_in *to)
{
	stmtlist_greet(d, holds_list(d), to);
}

void
holds_take(struct isconfd *d, const struct stmt *st, const char *from)
{
	const struct hold	*h;

	h = (const struct hold *)stmtlist_take(d, holds_list(d), st, from);
	if (h != NULL)
		log_info("%s %s by %s (%s@%s): %s", h->h.branch, h->h.held ?
		    "held" : "released", st->issuer, h->h.author, st->issuer,
		    h->h.message);
}

/* The statement that decides branch: the latest (in the same second,
 * a release); NULL if none. */
static const struct hold *
holds_latest(struct isconfd *d, const char *branch)
{
	const struct stmtlist_item	*it;
	const struct hold		*h, *best = NULL;

	for (it = stmtlist_head(d, holds_list(d)); it != NULL;
	    it = it->next) {
		h = (const struct hold *)it;
		if (strcmp(h->h.branch, branch) == 0 && (best == NULL ||
		    h->h.time > best->h.time || (h->h.time == best->h.time &&
		    (h->h.held < best->h.held || (h->h.held == best->h.held &&
		    strcmp(h->it.st.issuer, best->it.st.issuer) > 0)))))
			best = h;
	}
	return best;
}

char *
holds_why(struct isconfd *d, const char *branch)
{
	const struct hold	*h = holds_latest(d, branch);
	const char		*unread;
	char			 when[64], *why;

	/* A hold we cannot read may be there: up waits, as for one. */
	if ((unread = stmtlist_unread(d, holds_list(d))) != NULL) {
		xasprintf(&why, "cannot tell whether %s is held: the holds "
		    "kept here cannot be read (%s)", branch, unread);
		return why;
	}
	if (h == NULL || !h->h.held)
		return NULL;
	fmt_time(when, sizeof when, h->h.time / 1000);
	xasprintf(&why, "%s is held by %s@%s since %s: %s", branch,
	    h->h.author, h->it.st.issuer, when, h->h.message);
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
		buf_add_json(b, h->it.st.issuer);
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
	    h->it.st.issuer, when);
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
	(void)stmtlist_own(d, holds_list(d), out.data, out.len);
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
	if (d->holds == NULL)
		return;
	stmtlist_clear(d->holds);
	free(d->holds);
	d->holds = NULL;
}
