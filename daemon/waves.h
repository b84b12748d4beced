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

/* A waiting up asks at most WAVES_ASK_MAX hosts for newer receipts and
 * decides again WAVES_ASK_MS later (upwaves.c, up.c; the simulator's
 * up does the same). */
#define WAVES_ASK_MAX	64
#define WAVES_ASK_MS	2000

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
/* The operator's line for a wait (waves_gate returned 0). */
void	 waves_why(const struct wave_txn *, const struct wave_gate *,
	    char *out, size_t len);

#endif
