/*
 * A failure is news (issue 25, doc/design.md "Canary waves"): receipts
 * otherwise travel only when asked for, so a canary's failure would
 * reach a later host only at one of the failing host's gossip ticks,
 * after that host may already have started the transaction on another
 * canary's success.  So the host whose up just failed in a transaction
 * checked in with waves sends its receipt to every peer at once, and a
 * host taking a receipt whose failure is new to it passes it on, once,
 * to rules_fanout(ANNOUNCE_NEWS) random peers (an epidemic: a datagram
 * lost, or a host the failing one does not know, is still reached),
 * at most WAVES_NEWS_PER_S a second.  The statement goes as its issuer
 * signed it; a receiver takes it as any other (stmtd.c: verified,
 * newer than the one held), so a copy seen before is dropped there and
 * not passed on again.
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "isconfd.h"
#include "rules.h"
#include "stmtd.h"
#include "waves.h"

/* A MSG_STMT of st alone. */
static void
news_body(struct buf *b, const uint8_t *raw, size_t len)
{
	buf_init(b);
	buf_add_u8(b, 1);
	buf_add_blob(b, raw, len);
}

/*
 * told: stmtd_announce has just sent this very receipt to every peer
 * (its wait changed too), so it is only recorded as sent.
 */
void
wavenews_own(struct isconfd *d, int told)
{
	struct wavenews		*n = &d->news;
	const struct stmt	*st;
	struct last_up		 u;
	struct buf		 b;
	char			*cause = NULL;
	int			 r;

	if (d->stmt == NULL || d->net == NULL ||
	    (r = report_last_up(d, &u, &cause)) == 0)
		return;
	if (r == -1)
		goto fail;
	free(u.output);
	if (strcmp(u.result, "failed") != 0 || u.seq == 0 ||
	    (n->sent && u.seq == n->seq && u.status == n->status))
		return;
	if ((r = upwaves_waved(d, d->branch, u.seq, &cause)) == 0)
		return;
	if (r == -1 || stmtd_own(d, &st, &cause) == -1)
		goto fail;
	n->sent = 1;
	n->seq = u.seq;
	n->status = u.status;
	if (!told) {
		news_body(&b, st->raw, st->rawlen);
		mesh_send_all(d, MSG_STMT, &b);
		buf_free(&b);
	}
	log_info("waves: up failed on entry %llu; told all %zu peers",
	    u.seq, d->npeers);
	return;
fail:
	log_warnx("waves: a failure not sent as news: %s", cause);
	free(cause);
}

/* The rate limit: 1 if one more may be passed on this second. */
static int
news_room(struct wavenews *n)
{
	int64_t	s = now_ns() / 1000000000LL;

	if (s != n->second) {
		n->second = s;
		n->n = 0;
	}
	if (n->n >= WAVES_NEWS_PER_S)
		return 0;
	n->n++;
	return 1;
}

void
wavenews_heard(struct isconfd *d, const struct stmt_host *h,
    uint64_t old_seq, uint32_t old_status, const char *from)
{
	struct peer	*p;
	struct buf	 b;
	size_t		 k, i, at = 0, *pick, sent = 0;
	uint8_t		*chosen;
	char		*cause = NULL;
	int		 r;

	if (h->raw == NULL || h->rc.failed_seq == 0 || h->rc.branch == NULL ||
	    (h->rc.failed_seq == old_seq && h->rc.failed_status == old_status))
		return;
	if ((r = upwaves_waved(d, h->rc.branch, h->rc.failed_seq,
	    &cause)) != 1) {
		if (r == -1) {
			log_warnx("waves: news of %s not passed on: %s",
			    h->issuer, cause);
			free(cause);
		}
		return;
	}
	if (d->net == NULL || d->npeers == 0 || !news_room(&d->news))
		return;
	k = rules_fanout(ANNOUNCE_NEWS, d->npeers);
	pick = xcalloc(k ? k : 1, sizeof *pick);
	chosen = xcalloc(d->npeers, 1);
	rules_choose(d->npeers, k, pick, randombytes_uniform);
	for (i = 0; i < k; i++)
		chosen[pick[i]] = 1;
	news_body(&b, h->raw, h->st.rawlen);
	TAILQ_FOREACH(p, &d->peers, entry) {
		if (!chosen[at++] || strcmp(p->host, h->issuer) == 0 ||
		    strcmp(p->host, from) == 0)
			continue;
		net_send(d->net, &p->addr, MSG_STMT, b.data, b.len);
		sent++;
	}
	buf_free(&b);
	free(chosen);
	free(pick);
	log_info("waves: %s failed on entry %llu (heard from %s); passed on "
	    "to %zu peers", h->issuer, (unsigned long long)h->rc.failed_seq,
	    from, sent);
}
