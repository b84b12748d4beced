/*
 * bench/simheap.h: the event queues of bench/sim and bench/simdist.
 * SIMHEAP_DEFINE(type) and SIMRADIX_DEFINE(type) define, for a struct
 * type with an int64_t t, a queue whose pops come in order of t:
 *
 *	void		 simheap_push(const type *);
 *	type		*simheap_peek(void);	(NULL when empty)
 *	type		 simheap_pop(void);	(never when empty)
 *	size_t		 simheap_size(void);
 *
 * SIMHEAP is a binary heap.  bench/sim's figures depend on the order in
 * which it pops events of the same time (its lock timings moved by
 * milliseconds with the radix heap), so it keeps it.  SIMRADIX is a
 * radix heap (Ahuja, Mehlhorn, Orlin, Tarjan 1990): an event goes to
 * the bucket of the highest bit in which its time differs from the last
 * popped, and a pop sorts only the lowest non-empty bucket, in
 * sequential passes.  simdist at 10,000 hosts queues over a million
 * events: the binary heap's sift-down missed the cache at every level
 * and took most of the run.  One scheduled before the last popped goes
 * to the lowest bucket and comes before every later one there.
 */
#ifndef SIMHEAP_H
#define SIMHEAP_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#define SIMHEAP_DEFINE(type)						\
static type	*simheap_v;						\
static size_t	 simheap_n, simheap_cap;				\
									\
static void								\
simheap_push(const type *e)						\
{									\
	size_t	i;							\
									\
	if (simheap_n == simheap_cap) {					\
		simheap_cap = simheap_cap ? simheap_cap * 2 : 1024;	\
		if ((simheap_v = realloc(simheap_v, simheap_cap *	\
		    sizeof *e)) == NULL)				\
			abort();					\
	}								\
	i = simheap_n++;						\
	while (i > 0 && simheap_v[(i - 1) / 2].t > e->t) {		\
		simheap_v[i] = simheap_v[(i - 1) / 2];			\
		i = (i - 1) / 2;					\
	}								\
	simheap_v[i] = *e;						\
}									\
									\
static __attribute__((unused)) type *					\
simheap_peek(void)							\
{									\
	return simheap_n > 0 ? &simheap_v[0] : NULL;			\
}									\
									\
static type								\
simheap_pop(void)							\
{									\
	type	top = simheap_v[0], last = simheap_v[--simheap_n];	\
	size_t	i = 0, c;						\
									\
	while ((c = 2 * i + 1) < simheap_n) {				\
		if (c + 1 < simheap_n &&				\
		    simheap_v[c + 1].t < simheap_v[c].t)		\
			c++;						\
		if (simheap_v[c].t >= last.t)				\
			break;						\
		simheap_v[i] = simheap_v[c];				\
		i = c;							\
	}								\
	simheap_v[i] = last;						\
	return top;							\
}									\
									\
static size_t								\
simheap_size(void)							\
{									\
	return simheap_n;						\
}

#define SIMRADIX_DEFINE(type)						\
static struct {								\
	type	*v;							\
	size_t	 n, cap;						\
} simheap_b[65];							\
static int64_t	simheap_last;						\
static size_t	simheap_n;						\
									\
static void								\
simheap_push(const type *e)						\
{									\
	uint64_t	x = (uint64_t)e->t ^ (uint64_t)simheap_last;	\
	size_t		i;						\
	int		b;						\
									\
	b = e->t < simheap_last || x == 0 ? 0 : 64 - __builtin_clzll(x); \
	if (simheap_b[b].n == simheap_b[b].cap) {			\
		simheap_b[b].cap = simheap_b[b].cap ?			\
		    simheap_b[b].cap * 2 : 1024;			\
		if ((simheap_b[b].v = realloc(simheap_b[b].v,		\
		    simheap_b[b].cap * sizeof *e)) == NULL)		\
			abort();					\
	}								\
	/* Bucket 0 pops from its end: kept in order of t, latest	\
	 * first, so that several scheduled before the last popped	\
	 * come in order too (simdist's batches peek past them). */	\
	i = simheap_b[b].n++;						\
	while (b == 0 && i > 0 && simheap_b[0].v[i - 1].t < e->t) {	\
		simheap_b[0].v[i] = simheap_b[0].v[i - 1];		\
		i--;							\
	}								\
	simheap_b[b].v[i] = *e;						\
	simheap_n++;							\
}									\
									\
static type *								\
simheap_peek(void)							\
{									\
	size_t	i, k, n;						\
	int	b;							\
									\
	if (simheap_n == 0)						\
		return NULL;						\
	if (simheap_b[0].n == 0) {					\
		for (b = 1; simheap_b[b].n == 0; b++)			\
			;						\
		for (k = 0, i = 1; i < simheap_b[b].n; i++)		\
			if (simheap_b[b].v[i].t < simheap_b[b].v[k].t)	\
				k = i;					\
		/* The others go to lower buckets, never to b. */	\
		simheap_last = simheap_b[b].v[k].t;			\
		n = simheap_b[b].n;					\
		simheap_b[b].n = 0;					\
		simheap_n -= n;						\
		for (i = 0; i < n; i++)					\
			simheap_push(&simheap_b[b].v[i]);		\
	}								\
	return &simheap_b[0].v[simheap_b[0].n - 1];			\
}									\
									\
static type								\
simheap_pop(void)							\
{									\
	type	e = *simheap_peek();					\
									\
	simheap_b[0].n--;						\
	simheap_n--;							\
	return e;							\
}									\
									\
static size_t								\
simheap_size(void)							\
{									\
	return simheap_n;						\
}

#endif
