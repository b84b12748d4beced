/*
 * up's canary waves (issue 25, doc/design.md "Canary waves"): before a
 * transaction, the ci that closes it says the origin's IS_WAVES; the
 * receipts held of the other hosts say their waves and positions;
 * waves.c decides.  Before it starts one, up asks the hosts of earlier
 * waves whose receipts held do not cover it yet for newer ones (stmtd's
 * want), and decides on what they said: a host that already holds one
 * canary's success must still hear of another's failure.
 */
#include <stdlib.h>
#include <string.h>

#include "isconfd.h"
#include "stmtd.h"
#include "waves.h"

#if UPWAVES_ASK_MS != WAVES_ASK_MS
#error "up.c's wait for answers is not the one waves.h (and bench/sim) say"
#endif

const char *
upwaves_mine(struct isconfd *d)
{
	if (d->conf.wave != NULL)
		return d->conf.wave;
	if (d->conf.nwaves > 0)
		return d->conf.waves[d->conf.nwaves - 1];
	return "";
}

void
upwaves_status(struct isconfd *d, struct buf *b, int json)
{
	size_t	i;

	if (json) {
		buf_printf(b, "\"wave\":");
		if (d->conf.nwaves == 0 && d->conf.wave == NULL)
			buf_printf(b, "null,");
		else {
			buf_add_json(b, upwaves_mine(d));
			buf_printf(b, ",");
		}
		return;
	}
	if (d->conf.nwaves == 0 && d->conf.wave == NULL)
		return;
	buf_printf(b, "wave:     %s (IS_WAVES:", upwaves_mine(d));
	for (i = 0; i < d->conf.nwaves; i++)
		buf_printf(b, " %s", d->conf.waves[i]);
	buf_printf(b, ")\n");
}

/* The ci closing the transaction entry from is in, and its waves:
 * 1, 0 if it has none (or no ci closes it here), -1. */
static int
txn_waves(struct isconfd *d, const char *branch, uint64_t from,
    struct ci_waves *w, uint64_t *last, char **cause)
{
	struct entry	e;
	uint64_t	seq;
	int		r, kind;

	memset(w, 0, sizeof *w);
	for (seq = from;; seq++) {
		if ((r = journal_get(d->journal, branch, seq, &e, cause)) != 1)
			return r;
		kind = e.kind;
		if (kind == ENTRY_CI) {
			r = ci_waves_decode(&e.payload, w);
			*last = seq;
		}
		entry_free(&e);
		if (kind == ENTRY_CI)
			return r == 1 ? 1 : 0;
		if (kind == ENTRY_LOCK || entry_signed_kind(kind))
			return 0;
	}
}

int
upwaves_waved(struct isconfd *d, const char *branch, uint64_t seq,
    char **cause)
{
	struct ci_waves	w;
	uint64_t	last;
	int		r;

	if (seq == 0)
		return 0;
	r = txn_waves(d, branch, seq, &w, &last, cause);
	if (r == 1)
		r = w.n > 0;
	ci_waves_free(&w);
	return r;
}

/* Whether a checked-in skip skips entry seq of branch: 1, 0, -1. */
static int
txn_skipped(struct isconfd *d, const char *branch, const struct skips *s,
    uint64_t seq, char **cause)
{
	struct entry	e;
	uint64_t	by;
	int		r;

	if ((r = journal_get(d->journal, branch, seq, &e, cause)) != 1)
		return r;
	r = skips_find(s, &e, &by);
	entry_free(&e);
	return r;
}

/* The other hosts as their receipts held here say, on branch. */
static int
txn_hosts(struct isconfd *d, const char *branch, uint64_t first,
    uint64_t last, struct wave_host **out, size_t *n, char **cause)
{
	struct peer		*p;
	struct stmt_host	*sh;
	struct skips		 s;
	struct wave_host	*h;
	int			 r;

	*n = 0;
	*out = h = xcalloc(d->npeers + 1, sizeof *h);
	memset(&s, 0, sizeof s);
	if (skips_load(d, branch, first - 1, &s, cause) == -1)
		return -1;
	TAILQ_FOREACH(p, &d->peers, entry) {
		if (*n >= d->npeers)
			break;
		if (stmtd_host(d, p->host, &sh, cause) == -1)
			goto fail;
		if (sh->raw == NULL || strcmp(sh->rc.branch, branch) != 0)
			continue;
		h[*n].host = sh->issuer;
		h[*n].wave = sh->rc.wave;
		h[*n].applied = sh->rc.applied;
		h[*n].failed_seq = sh->rc.failed_seq;
		h[*n].failed_status = sh->rc.failed_status;
		if (sh->rc.failed_seq >= first && sh->rc.failed_seq <= last) {
			if ((r = txn_skipped(d, branch, &s, sh->rc.failed_seq,
			    cause)) == -1)
				goto fail;
			h[*n].failed_skipped = r;
		}
		(*n)++;
	}
	skips_free(&s);
	return 0;
fail:
	skips_free(&s);
	return -1;
}

/* Whether up asks p for a newer receipt in pass (0: the hosts of earlier
 * waves whose receipts do not cover the transaction; 1: peers of which
 * none is held, their wave unknown). */
static int
txn_asks(const struct wave_txn *t, const char *mine, const char *branch,
    const struct stmt_host *sh, int pass)
{
	struct wave_host	h;

	if (sh->raw == NULL)
		return pass == 1;
	if (pass != 0 || strcmp(sh->rc.branch, branch) != 0)
		return 0;
	memset(&h, 0, sizeof h);
	h.wave = sh->rc.wave;
	h.applied = sh->rc.applied;
	h.failed_seq = sh->rc.failed_seq;
	return waves_to_ask(t, mine, &h);
}

/* Ask the hosts whose receipts could change the verdict for newer
 * ones, at most WAVES_ASK_MAX, those known of an earlier wave first.
 * The number asked. */
static size_t
txn_ask(struct isconfd *d, const struct wave_txn *t, const char *mine,
    const char *branch)
{
	struct peer		*p;
	struct stmt_host	*sh;
	char			*cause = NULL;
	size_t			 asked = 0;
	int			 pass;

	for (pass = 0; pass < 2; pass++)
		TAILQ_FOREACH(p, &d->peers, entry) {
			if (asked >= WAVES_ASK_MAX)
				return asked;
			if (stmtd_host(d, p->host, &sh, &cause) == -1) {
				log_warnx("up: %s", cause);
				free(cause);
				return asked;
			}
			if (!txn_asks(t, mine, branch, sh, pass))
				continue;
			/* Past the once-a-second bound of hellos' asks: one
			 * up asks once per transaction it stops at. */
			sh->want_ns = 0;
			asked += stmtd_want(d, sh, &p->addr);
		}
	return asked;
}

int
upwaves_check(struct isconfd *d, const char *branch,
    const struct entry *lock, size_t *asked, char **why, char **cause)
{
	struct ci_waves		 w;
	struct wave_txn		 t;
	struct wave_gate	 g;
	struct wave_host	*h = NULL;
	size_t			 n;
	char			 line[512];
	int			 r;

	*why = NULL;
	memset(&t, 0, sizeof t);
	if ((r = txn_waves(d, branch, lock->seq + 1, &w, &t.last,
	    cause)) != 1)
		return r;
	t.waves = (const char *const *)w.names;
	t.nwaves = w.n;
	t.first = lock->seq;
	r = -1;
	if (waves_index(&t, upwaves_mine(d)) == 0) {
		r = 0;
		goto out;
	}
	if (txn_hosts(d, branch, t.first, t.last, &h, &n, cause) == -1)
		goto out;
	if (waves_gate(&t, upwaves_mine(d), h, n, d->conf.wave_min,
	    d->conf.wave_min_pct, &g) == 1)
		snprintf(line, sizeof line, "asking the earlier waves about "
		    "the transaction at %llu", (unsigned long long)t.first);
	else
		waves_why(&t, &g, line, sizeof line);
	/* Go or wait, the first look asks: what is held may predate a
	 * failure (a success held is no proof that none failed).  A
	 * failure held needs no more. */
	if (asked != NULL && !waves_settled(&g))
		*asked = txn_ask(d, &t, upwaves_mine(d), branch);
	if (g.go && (asked == NULL || *asked == 0)) {
		r = 0;
		goto out;
	}
	*why = xstrdup(line);
	r = 1;
out:
	free(h);
	ci_waves_free(&w);
	return r;
}
