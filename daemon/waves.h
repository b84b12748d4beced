/*
 * Canary waves (issue 25): whether a host may start a transaction,
 * from what the hosts of the earlier waves said in their receipts.
 * Pure (no daemon state, no I/O): up.c feeds it the receipts held,
 * t/unit/test_waves.c and bench/sim_waves.c run the very same code.
 */
#ifndef WAVES_H
#define WAVES_H

#include <stddef.h>
#include <stdint.h>

/* Before a gated transaction, up asks at most WAVES_ASK_MAX hosts of
 * the earlier waves whose receipts held do not cover it for newer ones
 * and decides again WAVES_ASK_MS later (upwaves.c, up.c; the
 * simulator's up does the same).  A new failure is news: its issuer
 * sends it to every peer, and a host hearing it first passes it on to
 * rules_fanout(ANNOUNCE_NEWS) peers, at most WAVES_NEWS_PER_S a second
 * (wavenews.c; the simulator too). */
#define WAVES_ASK_MAX		64
#define WAVES_ASK_MS		2000
#define WAVES_NEWS_PER_S	16

/* One other host, as its latest verified receipt says. */
struct wave_host {
	const char	*host;
	const char	*wave;		/* "" or unknown: the last wave */
	uint64_t	 applied;
	uint64_t	 failed_seq;	/* its last up failed there, or 0 */
	uint32_t	 failed_status;
	int		 failed_skipped; /* a skip checked in skips it */
};

/* The transaction first..last (its lock to its ci), the ci's waves. */
struct wave_txn {
	const char *const *waves;
	size_t		   nwaves;
	uint64_t	   first;
	uint64_t	   last;
};

/* The verdict: go, or the earliest wave that holds this host back. */
struct wave_gate {
	int		 go;
	size_t		 wave;		/* index of the wave waited for */
	size_t		 applied;	/* its hosts past the transaction */
	size_t		 total;		/* its hosts known */
	size_t		 need;
	const char	*failed_host;	/* one that failed in it, or NULL */
	uint64_t	 failed_seq;
	uint32_t	 failed_status;
};

/* The index of wave name in the list; the last for NULL, "" or a name
 * not in it (a host declares no wave: it goes last). */
size_t	 waves_index(const struct wave_txn *, const char *name);
/* How many of total hosts min (a count, or a percentage if pct) asks
 * for: at least 1, at most total. */
size_t	 waves_need(size_t total, int min, int pct);
/*
 * Whether a host of wave mine may start the transaction: for every
 * earlier wave, at least need of its hosts applied it whole (applied
 * past last; an entry a checked-in skip skips counts as passed) and
 * none failed in it (failed_seq within first..last, not skipped).
 * A wave none of whose hosts is known holds the later ones back.
 * 1 go, 0 wait (g says why).
 */
int	 waves_gate(const struct wave_txn *, const char *mine,
	    const struct wave_host *, size_t nhosts, int min, int pct,
	    struct wave_gate *g);
/* Whether a receipt covers the transaction: its host applied it
 * whole, or failed in it.  1 or 0. */
int	 waves_covers(const struct wave_txn *, const struct wave_host *);
/* Whether up on a host of wave mine asks h for a newer receipt before
 * deciding: h is of an earlier wave and its receipt does not cover the
 * transaction yet (a failure there would stop this host).  1 or 0. */
int	 waves_to_ask(const struct wave_txn *, const char *mine,
	    const struct wave_host *h);
/* Whether a verdict of waves_gate stands without asking anyone: a
 * failure held in the transaction stops this host whatever else it
 * would hear (only a skip, checked in, lets it pass).  1 or 0. */
int	 waves_settled(const struct wave_gate *);
/* The operator's line for a wait (waves_gate returned 0). */
void	 waves_why(const struct wave_txn *, const struct wave_gate *,
	    char *out, size_t len);

#endif
