/*
 * Canary waves: the gating decision (waves.h, doc/design.md "Canary
 * waves").  Per transaction, never between the entries of one: a host
 * that stopped inside one would be half-changed.
 */
#include <stdio.h>
#include <string.h>

#include "waves.h"

size_t
waves_index(const struct wave_txn *t, const char *name)
{
	size_t	i;

	if (name != NULL)
		for (i = 0; i < t->nwaves; i++)
			if (strcmp(t->waves[i], name) == 0)
				return i;
	return t->nwaves > 0 ? t->nwaves - 1 : 0;
}

size_t
waves_need(size_t total, int min, int pct)
{
	size_t	need;

	if (pct)
		need = (total * (size_t)min + 99) / 100;
	else
		need = min > 0 ? (size_t)min : 1;
	if (need > total)
		need = total;
	return need > 0 ? need : 1;
}

/* One earlier wave: 1 if it lets the transaction through. */
static int
wave_passes(const struct wave_txn *t, size_t w, const struct wave_host *h,
    size_t n, int min, int pct, struct wave_gate *g)
{
	size_t	i;

	memset(g, 0, sizeof *g);
	g->wave = w;
	for (i = 0; i < n; i++) {
		if (waves_index(t, h[i].wave) != w)
			continue;
		g->total++;
		if (h[i].applied >= t->last)
			g->applied++;
		else if (h[i].failed_seq >= t->first &&
		    h[i].failed_seq <= t->last && !h[i].failed_skipped &&
		    g->failed_host == NULL) {
			g->failed_host = h[i].host;
			g->failed_seq = h[i].failed_seq;
			g->failed_status = h[i].failed_status;
		}
	}
	g->need = waves_need(g->total, min, pct);
	return g->total > 0 && g->failed_host == NULL &&
	    g->applied >= g->need;
}

int
waves_gate(const struct wave_txn *t, const char *mine,
    const struct wave_host *h, size_t n, int min, int pct,
    struct wave_gate *g)
{
	size_t	w, k;

	memset(g, 0, sizeof *g);
	g->go = 1;
	if (t->nwaves == 0)
		return 1;
	k = waves_index(t, mine);
	for (w = 0; w < k; w++)
		if (!wave_passes(t, w, h, n, min, pct, g))
			return 0;
	memset(g, 0, sizeof *g);
	g->go = 1;
	return 1;
}

int
waves_covers(const struct wave_txn *t, const struct wave_host *h)
{
	return h->applied >= t->last ||
	    (h->failed_seq >= t->first && h->failed_seq <= t->last);
}

int
waves_to_ask(const struct wave_txn *t, const char *mine,
    const struct wave_host *h)
{
	return t->nwaves > 0 &&
	    waves_index(t, h->wave) < waves_index(t, mine) &&
	    !waves_covers(t, h);
}

int
waves_settled(const struct wave_gate *g)
{
	return !g->go && g->failed_host != NULL;
}

void
waves_why(const struct wave_txn *t, const struct wave_gate *g, char *out,
    size_t len)
{
	const char	*name = t->waves[g->wave];
	int		 n;

	if (g->total == 0) {
		snprintf(out, len, "waiting for wave %s: no host of it is "
		    "known here yet (transaction at %llu)", name,
		    (unsigned long long)t->first);
		return;
	}
	n = snprintf(out, len, "waiting for wave %s: %zu of %zu hosts "
	    "applied the transaction at %llu", name, g->applied, g->total,
	    (unsigned long long)t->first);
	if (n < 0 || (size_t)n >= len)
		return;
	if (g->failed_host != NULL)
		snprintf(out + n, len - (size_t)n, "; %s failed on entry %llu "
		    "with status %u", g->failed_host,
		    (unsigned long long)g->failed_seq, g->failed_status);
	else
		snprintf(out + n, len - (size_t)n, "; %zu needed (IS_WAVE_MIN)",
		    g->need);
}
