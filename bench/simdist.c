/*
 * bench/simdist: a file's chunks distributed to thousands of hosts in
 * one process, on a virtual clock, each host running the daemon's own
 * fetch decisions (daemon/rules.c rules_fetch_*: which peers, the chunk
 * order, which chunk on which connection, FETCH_WINDOW in flight, the
 * rest after a NOCHUNK, what a closed connection gives back, when a
 * fetch is over).  What fetch.c and serve.c do with sockets is modelled
 * here (doc/design.md, "The distribution model", says what is left out):
 *
 *   - every host has a full-duplex link of GBPS and a one-way latency
 *     to the switch of 50-150 us (so 100-300 us host to host);
 *   - a host's uplink sends one chunk at a time, in the order the
 *     requests came (serve.c answers a GET_CHUNK at once, from any
 *     connection); its downlink receives one at a time, in the order
 *     the senders finished: a chunk of L bytes takes L / GBPS on each;
 *   - chunks have the chunker's sizes: 64 KiB plus a geometric length
 *     of mean 128 KiB (a cut where 17 bits of the gear hash are zero),
 *     at most 1 MiB: 192 KiB on average, 5,600 for 1 GiB;
 *   - the ci reaches host h after 0-15 ms (bench/sim prop: 99.9% of
 *     10,000 hosts in 14 ms) and it starts its prefetch then, to the
 *     peers it knows: each host has 8 random nets entries and hears
 *     from those that have it in theirs (~16 peers, as sim prop finds),
 *     in a random order; a connection is ready after 3 round trips
 *     (TCP, the ISCT hello, the stream headers); a server holds at most
 *     256 connections (NET_MAX_CONNS) and refuses the next;
 *   - host 0 is the origin, holding the file; KEEPERS hosts (issue
 *     23's cache keepers) are in every host's nets, first in each
 *     host's peer list (keepers_rank: a fetch connects to them first),
 *     and prefetch like any host; with SIMDIST_KEEPERS_HOLD set they
 *     hold the file from the start (one they fetched earlier);
 *   - LEAVE percent of the hosts (never the origin) stop at LEAVE_AT
 *     ms: their connections close, the peers see it after one latency.
 *
 *   simdist N MIB GBPS [KEEPERS [LEAVE [LEAVE_AT [SEED]]]]
 * prints one line of JSON.  SIMDIST_COARSEN=K makes every chunk K
 * times as long (K times fewer chunks and events; it changes the
 * dynamics, bench/README says how: make bench no longer uses it).
 * Without announcements most events are requests for chunks a peer
 * lacks: one is asked that lacks it when asked becomes one event at its
 * answer (on_lack), not two; that halved the run time.
 *
 * Peers announce what they hold, as the daemon's do (fetch.c calling
 * rules_have_next, daemon/rules.h): a server sends a connection its
 * bitfield (HAVE_FRAME bytes and a bit per chunk of the file) once it
 * is ready, and a HAVE frame (HAVE_FRAME bytes) for every chunk it
 * completes while the connection is open; each goes out on its uplink
 * ahead of the chunks queued there (its bytes delay them) and takes
 * one latency on the way, and the bitfield says what the server holds
 * when it arrives.  The client asks each connection for the rarest chunk its
 * peer holds (rules_have_next).  A HAVE for a chunk the client already
 * has costs its bytes and no event.  SIMDIST_HAVE=0: the rule before
 * announcements (rules_fetch_next, NOCHUNK when the peer lacks it), to
 * compare.  SIMDIST_HAVE=2: the same as 1, each announcement behind
 * every chunk already queued on the server's uplink (a FIFO per host,
 * pessimistic).  SIMDIST_HAVE=3: as 1, and the origin seeds: its
 * bitfield lists only the chunks it has not sent yet, it takes a chunk
 * back (a frame to every connection) when it first sends it, and once
 * it has sent every chunk it sends each connection its whole bitfield.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rules.h"
#include "simheap.h"

#define CONNECT_RTTS	3
#define NET_MAX_CONNS	256	/* net/net_int.h */
#define HEAD_SPREAD_NS	15000000LL
#define NETS		8
#define HAVE_FRAME	16	/* length, type, a chunk's index; padded */
#define NOPOS		UINT32_MAX

enum { E_START, E_REQ, E_SENT, E_ARRIVE, E_NOCHUNK, E_CLOSE, E_TICK,
    E_LEAVE, E_LACK, E_BITS, E_HAVE, E_UNHAVE };

struct client {			/* a connection fetching from a host */
	uint32_t	h;
	uint8_t		c, gen;
};

struct ev {
	int64_t		t;
	uint32_t	h;
	uint32_t	i;	/* chunk, in h's plan */
	uint8_t		c;	/* h's connection */
	uint8_t		type;
	uint8_t		gen;	/* h's fetch */
};

struct shost {
	/* What every event and every HAVE sent to the host reads, in the
	 * first cache line (at 10,000 hosts nearly every event misses
	 * it).  SIMDIST_HAVE: chunk -> plan index (NOPOS: held before the
	 * fetch), a bit per plan index for each connection (its peer
	 * holds it), how many connections hold each. */
	uint8_t			*have;		/* bit per chunk */
	uint32_t		*pos;
	uint64_t		 openmask;	/* plan.conn[c].open */
	uint8_t			 gen;
	uint8_t			 fetching, gone, keeper;
	uint8_t			*holds;
	uint16_t		*avail;
	size_t			 stride;
	struct rules_fetch	 plan;		/* state in the second */
	uint32_t		*got_us;	/* when, per chunk */
	size_t			 nhave;
	uint32_t		*order;		/* plan index -> chunk */
	uint32_t		 speer[FETCH_MAX_PEERS];
	int64_t			 ready[FETCH_MAX_PEERS];
	uint8_t			 refused[FETCH_MAX_PEERS];
	uint32_t		*peers;
	uint32_t		 npeers, cap;
	int			 nin;		/* connections served */
	int64_t			 lat;		/* ns to the switch */
	int64_t			 upfree, downfree;
	int64_t			 done_at;
	uint64_t		 sent;
	uint32_t		 fetches;
	/* The connections this host tells of the chunks it completes. */
	struct client		*cl;
	uint32_t		 ncl, capcl;
} __attribute__((aligned(64)));

static struct shost	*H;
static uint32_t		 N, C, coarsen;
static uint32_t		*clen;		/* chunk lengths */
static double		 ns_per_byte;
static int64_t		 now;
static uint8_t		*injected;	/* sent by the origin once */
static uint32_t		*holders;
static int64_t		*first_at;	/* the origin sent it first */
static int64_t		*spread;	/* then half the hosts had it */
static int64_t		 injected_at;	/* the last of them */
static uint64_t		 nevents, nochunks, refusals, ended_short;
static int		 have_mode = 1;
static uint64_t		 have_bytes;
static uint32_t		 ninjected;

SIMRADIX_DEFINE(struct ev)

static uint64_t	rng = 0x9e3779b97f4a7c15ULL;

/*
 * Nothing is scheduled less than MIN_DELAY_NS after the event that
 * schedules it (one latency at least: 2 x 50 us), so the events of the
 * next BATCH_NS are known before the first of them runs: main pops
 * them together and asks for the memory each will touch before it runs
 * the first (at 10,000 hosts nearly every event misses the cache; the
 * same events in the same order, only sooner in memory).  push checks.
 */
#define MIN_DELAY_NS	100000
#define BATCH_NS	50000
#define BATCH		32
_Static_assert(BATCH_NS <= MIN_DELAY_NS, "a batch within the least delay");
static int64_t	 batch_end;

static uint32_t
rnd(uint32_t upper)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return upper ? (uint32_t)(rng % upper) : 0;
}

static void
push(int64_t t, uint8_t type, uint32_t h, uint8_t c, uint32_t i)
{
	struct ev	e = { t, h, i, c, type, H[h].gen };

	if (t < batch_end)
		abort();	/* under MIN_DELAY_NS: not in batches */
	simheap_push(&e);
}

static int64_t
oneway(uint32_t a, uint32_t b)
{
	return H[a].lat + H[b].lat;
}

static int
has(uint32_t h, uint32_t k)
{
	return H[h].have[k >> 3] & (1 << (k & 7));
}

static void
peer_add(uint32_t h, uint32_t p)
{
	struct shost	*s = &H[h];
	uint32_t	 i;

	if (h == p)
		return;
	for (i = 0; i < s->npeers; i++)
		if (s->peers[i] == p)
			return;
	if (s->npeers == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 32;
		if ((s->peers = realloc(s->peers, s->cap *
		    sizeof *s->peers)) == NULL)
			abort();
	}
	s->peers[s->npeers++] = p;
}

static void
pump(uint32_t h, int c)
{
	struct shost	*s = &H[h];
	ssize_t		 i;
	int64_t		 at;

	while ((i = have_mode ? rules_have_next(&s->plan, c, s->holds +
	    (size_t)c * s->stride, s->avail, now) :
	    rules_fetch_next(&s->plan, c, now)) != -1) {
		/* Queued before the handshake, as net_conn_send does. */
		at = now > s->ready[c] ? now : s->ready[c];
		at += oneway(h, s->speer[c]);
		/* A peer that lacks the chunk now probably still does
		 * when the request comes: one event, at the answer
		 * (on_lack checks), not two.  Most requests are these. */
		if (has(s->speer[c], s->order[i]))
			push(at, E_REQ, h, (uint8_t)c, (uint32_t)i);
		else
			push(at + oneway(s->speer[c], h), E_LACK, h,
			    (uint8_t)c, (uint32_t)i);
	}
}

static void
pump_all(uint32_t h)
{
	int	c;

	for (c = 0; c < H[h].plan.nconns; c++)
		pump(h, c);
}

static void
check(uint32_t h)
{
	struct shost	*s = &H[h];
	int		 c;

	if (!s->fetching || rules_fetch_check(&s->plan, now) != FETCH_END)
		return;
	s->fetching = 0;
	for (c = 0; c < s->plan.nconns; c++)	/* net_conn_finish */
		if (!s->refused[c])
			H[s->speer[c]].nin--;
	if (s->plan.remaining == 0)
		s->done_at = now;
	else
		ended_short++;
	rules_fetch_free(&s->plan);
	free(s->order);
	free(s->pos);
	free(s->holds);
	free(s->avail);
	s->order = NULL;
	s->pos = NULL;
	s->holds = NULL;
	s->avail = NULL;
}

static int	stale(const struct ev *);

/* An announcement of len bytes from p to h on p's uplink; returns when
 * it is at h. */
static int64_t
announce(uint32_t p, uint32_t h, size_t len)
{
	int64_t	d = (int64_t)(len * ns_per_byte), t;

	have_bytes += len;
	if (H[p].upfree < now)
		H[p].upfree = now;
	H[p].upfree += d;
	t = have_mode == 2 ? H[p].upfree : now + d;
	return t + oneway(p, h);
}

/* h's plan for SIMDIST_HAVE, once its connections are added: where
 * each chunk is in it, and the servers' bitfields on their way. */
static void
have_start(uint32_t h)
{
	struct shost	*s = &H[h];
	size_t		 i;
	int		 c;

	s->pos = malloc(C * sizeof *s->pos);
	for (i = 0; i < C; i++)
		s->pos[i] = NOPOS;
	for (i = 0; i < s->plan.n; i++)
		s->pos[s->order[i]] = (uint32_t)i;
	s->stride = (s->plan.n + 7) / 8 + 1;
	s->holds = calloc((size_t)s->plan.nconns * s->stride, 1);
	s->avail = calloc(s->plan.n ? s->plan.n : 1, sizeof *s->avail);
	for (c = 0; c < s->plan.nconns; c++)
		if (!s->refused[c])
			push(s->ready[c] - oneway(h, s->speer[c]), E_BITS, h,
			    (uint8_t)c, 0);
}

/* Connection c's server sends its bitfield and, from now on, a HAVE
 * for each chunk it completes. */
static void
on_bits(const struct ev *e)
{
	struct shost	*s = &H[e->h];
	struct shost	*ps;

	if (stale(e) || H[s->speer[e->c]].gone)
		return;
	ps = &H[s->speer[e->c]];
	push(announce(s->speer[e->c], e->h, HAVE_FRAME + (C + 7) / 8),
	    E_HAVE, e->h, e->c, NOPOS);
	if (ps->ncl == ps->capcl) {
		ps->capcl = ps->capcl ? ps->capcl * 2 : 16;
		if ((ps->cl = realloc(ps->cl, ps->capcl * sizeof *ps->cl)) ==
		    NULL)
			abort();
	}
	ps->cl[ps->ncl++] = (struct client){ e->h, e->c, s->gen };
}

static void
have_set(struct shost *s, int c, uint32_t i)
{
	uint8_t	*b = s->holds + (size_t)c * s->stride;

	if (i == NOPOS || (b[i >> 3] & (1 << (i & 7))))
		return;
	b[i >> 3] |= 1 << (i & 7);
	s->avail[i]++;
	rules_fetch_held(&s->plan, c, i);	/* as fetch_said */
}

/* A HAVE (e->i, a plan index) or the bitfield (NOPOS) arrives. */
static void
on_have(const struct ev *e)
{
	struct shost	*s = &H[e->h];
	uint32_t	 p = s->speer[e->c], k;

	if (stale(e))
		return;
	if (e->i != NOPOS) {
		have_set(s, e->c, e->i);
		/* Done or in flight: nothing new to ask for (the same
		 * answer as a pump, without its scan). */
		if (s->plan.state[e->i] != FETCH_PENDING)
			return;
	} else
		for (k = 0; k < C; k++)
			if (has(p, k) && (have_mode != 3 || p != 0 ||
			    ninjected == C || !injected[k]))
				have_set(s, e->c, s->pos[k]);
	pump(e->h, e->c);
}

/* Connection c's seed sent chunk e->i to another: not to be asked. */
static void
on_unhave(const struct ev *e)
{
	struct shost	*s = &H[e->h];
	uint8_t		*b;

	if (stale(e))
		return;
	b = s->holds + (size_t)e->c * s->stride;
	if (b[e->i >> 3] & (1 << (e->i & 7))) {
		b[e->i >> 3] &= ~(1 << (e->i & 7));
		s->avail[e->i]--;
	}
}

/* h completed chunk k: a HAVE to every connection fetching from it.
 * SIMDIST_HAVE=3, h the origin, k sent for the first time: a take-back
 * (seed, k == NOPOS: after the last, the whole bitfield). */
static void
have_tell(uint32_t h, uint32_t k)
{
	struct shost	*s = &H[h], *x;
	struct client	*cl;
	uint32_t	 j;

	/* At 10,000 hosts each client's host, its bit for k and its plan
	 * index of k are misses: ask for them all at once, not one after
	 * the other (this loop was a third of a run). */
	for (j = 0; j < s->ncl; j++)
		__builtin_prefetch(&H[s->cl[j].h]);
	for (j = 0; k != NOPOS && j < s->ncl; j++) {
		x = &H[s->cl[j].h];
		__builtin_prefetch(&x->have[k >> 3]);
		if (x->pos != NULL)
			__builtin_prefetch(&x->pos[k]);
	}
	for (j = 0; j < s->ncl; j++) {
		cl = &s->cl[j];
		x = &H[cl->h];
		if (x->gone || !x->fetching || x->gen != cl->gen ||
		    !(x->openmask & (1ULL << cl->c))) {
			s->cl[j--] = s->cl[--s->ncl];	/* closed */
			continue;
		}
		if (have_mode == 3 && h == 0 && k == NOPOS)
			push(announce(h, cl->h, HAVE_FRAME + (C + 7) / 8),
			    E_HAVE, cl->h, cl->c, NOPOS);
		else if (!has(cl->h, k))	/* not done there */
			push(announce(h, cl->h, HAVE_FRAME), have_mode == 3 &&
			    h == 0 ? E_UNHAVE : E_HAVE, cl->h, cl->c,
			    x->pos[k]);
		else	/* it changes nothing there: no event */
			(void)announce(h, cl->h, HAVE_FRAME);
	}
}

static void
on_start(uint32_t h)
{
	struct shost	*s = &H[h];
	size_t		*tmp, *pick, n, i;
	int		 c;

	if (s->gone || s->fetching || s->nhave == C)
		return;
	s->gen++;
	s->openmask = 0;
	s->fetches++;
	s->fetching = 1;
	/* The chunks it lacks, in its own order (fetch_collect,
	 * fetch_shuffle). */
	tmp = calloc(C, sizeof *tmp);
	s->order = calloc(C - s->nhave, sizeof *s->order);
	rules_fetch_order(C - s->nhave, tmp, rnd);
	{
		uint32_t *lack = calloc(C - s->nhave, sizeof *lack), k, m = 0;
		for (k = 0; k < C; k++)
			if (!has(h, k))
				lack[m++] = k;
		for (i = 0; i < m; i++)
			s->order[i] = lack[tmp[i]];
		free(lack);
	}
	rules_fetch_init(&s->plan, C - s->nhave, now);
	pick = calloc(s->npeers + 1, sizeof *pick);
	n = rules_fetch_peers(s->npeers, pick, rnd);
	for (i = 0; i < n; i++) {
		uint32_t p = s->peers[pick[i]];
		if ((c = rules_fetch_conn_add(&s->plan)) == -1)
			break;
		s->speer[c] = p;
		s->openmask |= 1ULL << c;
		s->refused[c] = 0;
		s->ready[c] = now + CONNECT_RTTS * 2 * oneway(h, p);
		if (H[p].gone || H[p].nin >= NET_MAX_CONNS) {
			s->refused[c] = 1;
			refusals += !H[p].gone;
			push(s->ready[c], E_CLOSE, h, (uint8_t)c, 0);
		} else
			H[p].nin++;
	}
	free(pick);
	free(tmp);
	if (have_mode)
		have_start(h);
	pump_all(h);
	push(now + FETCH_TICK_MS * 1000000LL, E_TICK, h, 0, 0);
	check(h);
}

static int
stale(const struct ev *e)
{
	struct shost	*s = &H[e->h];

	return s->gone || !s->fetching || e->gen != s->gen ||
	    !(s->openmask & (1ULL << e->c));
}

static void
on_req(const struct ev *e)
{
	struct shost	*s = &H[e->h];
	uint32_t	 p, k;
	int64_t		 t;

	if (stale(e) || H[p = s->speer[e->c]].gone)
		return;
	k = s->order[e->i];
	if (!has(p, k)) {
		nochunks++;
		push(now + oneway(p, e->h), E_NOCHUNK, e->h, e->c, e->i);
		return;
	}
	t = (H[p].upfree > now ? H[p].upfree : now) +
	    (int64_t)(clen[k] * ns_per_byte);
	H[p].upfree = t;
	H[p].sent += clen[k];
	if (p == 0 && !injected[k]) {
		first_at[k] = t;
		injected[k] = 1;
		injected_at = t;
		if (have_mode == 3) {
			have_tell(0, k);
			if (++ninjected == C)
				have_tell(0, NOPOS);
		}
	}
	push(t, E_SENT, e->h, e->c, e->i);
}

static void	on_arrive(const struct ev *);

/* The answer to a request for a chunk its peer lacked when asked: a
 * NOCHUNK, unless the peer got it before the request came (it is then
 * served from now: one latency late, and rare). */
static void
on_lack(const struct ev *e)
{
	struct shost	*s = &H[e->h];
	uint32_t	 p = s->speer[e->c], k = s->order[e->i];
	int64_t		 asked = now - oneway(p, e->h);

	if (stale(e) || H[p].gone)
		return;
	if (has(p, k) && H[p].got_us[k] <= asked / 1000) {
		on_req(e);
		return;
	}
	nochunks++;
	on_arrive(e);
}

static void
on_sent(const struct ev *e)
{
	struct shost	*s = &H[e->h];
	uint32_t	 p = s->speer[e->c];
	int64_t		 t, d;

	if (stale(e) || H[p].gone)
		return;
	d = (int64_t)(clen[s->order[e->i]] * ns_per_byte);
	t = now + oneway(p, e->h);
	if (s->downfree + d > t)
		t = s->downfree + d;
	s->downfree = t;
	push(t, E_ARRIVE, e->h, e->c, e->i);
}

static void
on_arrive(const struct ev *e)
{
	struct shost	*s = &H[e->h];
	uint32_t	 k;

	if (stale(e))
		return;
	if (e->type == E_ARRIVE) {
		k = s->order[e->i];
		if (!has(e->h, k)) {
			s->have[k >> 3] |= 1 << (k & 7);
			if (s->got_us != NULL)
				s->got_us[k] = (uint32_t)(now / 1000);
			s->nhave++;
			if (++holders[k] == N / 2)
				spread[k] = now - first_at[k];
			if (have_mode)
				have_tell(e->h, k);
		}
		rules_fetch_got(&s->plan, e->c, e->i, now);
	} else
		rules_fetch_lacked(&s->plan, e->c, e->i, now);
	pump(e->h, e->c);
	check(e->h);
}

static void
on_close(const struct ev *e)
{
	struct shost	*s = &H[e->h];

	size_t		 i;

	if (s->gone || !s->fetching || e->gen != s->gen)
		return;
	if (have_mode && s->plan.conn[e->c].open)	/* holds no more */
		for (i = 0; i < s->plan.n; i++)
			if (s->holds[(size_t)e->c * s->stride + (i >> 3)] &
			    (1 << (i & 7)))
				s->avail[i]--;
	rules_fetch_closed(&s->plan, e->c);
	s->openmask &= ~(1ULL << e->c);
	pump_all(e->h);
	check(e->h);
}

static void
on_tick(const struct ev *e)
{
	struct shost	*s = &H[e->h];

	if (s->gone || !s->fetching || e->gen != s->gen)
		return;
	check(e->h);
	if (!s->fetching)
		return;
	pump_all(e->h);
	push(now + FETCH_TICK_MS * 1000000LL, E_TICK, e->h, 0, 0);
}

static void
on_leave(uint32_t pct)
{
	uint32_t	h, c, left = 0, want = (uint32_t)((uint64_t)N * pct / 100);

	while (left < want) {
		h = 1 + rnd(N - 1);
		if (H[h].gone)
			continue;
		H[h].gone = 1;
		left++;
	}
	for (h = 0; h < N; h++) {
		struct shost *s = &H[h];
		if (s->gone || !s->fetching)
			continue;
		for (c = 0; c < (uint32_t)s->plan.nconns; c++)
			if (H[s->speer[c]].gone && s->plan.conn[c].open)
				push(now + oneway(h, s->speer[c]), E_CLOSE, h,
				    (uint8_t)c, 0);
	}
}

static uint32_t
chunk_len(void)
{
	double	u = (rnd(1u << 30) + 1.0) / (1u << 30);
	double	len = 64 * 1024 - log(u) * (1 << 17);

	/* A cut where 17 bits are zero: geometric, mean 128 KiB. */
	return len > 1024 * 1024 ? 1024 * 1024 : (uint32_t)len;
}

static void
run(const struct ev *e, uint32_t leave)
{
	now = e->t;
	nevents++;
	switch (e->type) {
	case E_START: on_start(e->h); break;
	case E_REQ: on_req(e); break;
	case E_SENT: on_sent(e); break;
	case E_ARRIVE:
	case E_NOCHUNK: on_arrive(e); break;
	case E_LACK: on_lack(e); break;
	case E_CLOSE: on_close(e); break;
	case E_TICK: on_tick(e); break;
	case E_LEAVE: on_leave(leave); break;
	case E_BITS: on_bits(e); break;
	case E_HAVE: on_have(e); break;
	case E_UNHAVE: on_unhave(e); break;
	}
}

/* The next events, all within BATCH_NS of the first; their hosts' hot
 * lines asked for, then what a HAVE will touch. */
static size_t
batch_take(struct ev *b)
{
	struct ev	*p;
	struct shost	*x;
	size_t		 n = 0, j;

	b[n++] = simheap_pop();
	batch_end = b[0].t + BATCH_NS;
	while (n < BATCH && (p = simheap_peek()) != NULL && p->t < batch_end)
		b[n++] = simheap_pop();
	for (j = 0; j < n; j++) {
		__builtin_prefetch(&H[b[j].h]);
		__builtin_prefetch((char *)&H[b[j].h] + 64);
	}
	for (j = 0; j < n; j++) {
		x = &H[b[j].h];
		if (b[j].type != E_HAVE || b[j].i == NOPOS ||
		    x->holds == NULL || b[j].c >= x->plan.nconns)
			continue;
		__builtin_prefetch(x->holds + (size_t)b[j].c * x->stride +
		    (b[j].i >> 3));
		__builtin_prefetch(&x->avail[b[j].i]);
		__builtin_prefetch(&x->plan.state[b[j].i]);
	}
	return n;
}

static int
cmp64(const void *a, const void *b)
{
	int64_t	x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	uint32_t	 keepers, leave, h, j, done = 0, left = 0;
	uint64_t	 size, total = 0, peer_sent = 0, keeper_sent = 0;
	double		 gbps, bound_s, pipe_s, hops = 0;
	int64_t		 leave_at, *t, last = 0;
	int		 hold;
	struct ev	 b[BATCH];
	size_t		 nb;
	struct timespec	 w0, w1;

	if (argc < 4) {
		fprintf(stderr, "usage: simdist HOSTS MIB GBPS [KEEPERS "
		    "[LEAVE_PCT [LEAVE_AT_MS [SEED]]]]\n");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &w0);
	N = (uint32_t)atoi(argv[1]);
	size = (uint64_t)atoi(argv[2]) << 20;
	gbps = atof(argv[3]);
	keepers = argc > 4 ? (uint32_t)atoi(argv[4]) : 0;
	leave = argc > 5 ? (uint32_t)atoi(argv[5]) : 0;
	leave_at = (argc > 6 ? atoll(argv[6]) : 4000) * 1000000LL;
	if (argc > 7)
		rng ^= strtoull(argv[7], NULL, 10) * 0x2545F4914F6CDD1DULL;
	ns_per_byte = 8.0 / gbps;
	if (getenv("SIMDIST_HAVE") != NULL)
		have_mode = atoi(getenv("SIMDIST_HAVE"));
	if (getenv("SIMDIST_COARSEN") != NULL)
		coarsen = (uint32_t)atoi(getenv("SIMDIST_COARSEN"));
	/* The file's chunks. */
	for (C = 0; total < size; C++) {
		if ((C & (C - 1)) == 0 &&
		    (clen = realloc(clen, 2 * (C + 1) * sizeof *clen)) == NULL)
			abort();
		clen[C] = chunk_len() * (coarsen ? coarsen : 1);
		if (total + clen[C] > size)
			clen[C] = (uint32_t)(size - total);
		total += clen[C];
	}
	if (posix_memalign((void **)&H, 64, N * sizeof *H) != 0)
		abort();
	memset(H, 0, N * sizeof *H);
	injected = calloc(C, 1);
	holders = calloc(C, sizeof *holders);
	first_at = calloc(C, sizeof *first_at);
	spread = calloc(C, sizeof *spread);
	for (h = 0; h < N; h++) {
		H[h].have = calloc((C + 7) / 8, 1);
		/* Only on_lack reads it: with announcements, nobody is
		 * asked for a chunk it lacks. */
		if (!have_mode)
			H[h].got_us = calloc(C, sizeof *H[h].got_us);
		H[h].lat = 50000 + rnd(100000);
		H[h].keeper = h >= 1 && h <= keepers;
	}
	memset(H[0].have, 0xff, (C + 7) / 8);
	H[0].nhave = C;
	/* Peers: nets entries and those that have us in theirs, in the
	 * order heard; keepers in everyone's nets. */
	for (h = 0; h < N; h++) {
		for (j = 0; j < NETS; j++) {
			uint32_t p = rnd(N);
			if (p == h)
				continue;
			peer_add(h, p);
			peer_add(p, h);
		}
		for (j = 1; j <= keepers; j++) {
			peer_add(h, j);
			peer_add(j, h);
		}
	}
	for (h = 0; h < N; h++) {	/* heard in random order */
		uint32_t *p = H[h].peers, k, x;
		for (j = H[h].npeers; j > 1; j--) {
			k = rnd(j);
			x = p[j - 1];
			p[j - 1] = p[k];
			p[k] = x;
		}
		/* Keepers first (issue 23's keepers_rank): within the
		 * FETCH_MAX_PEERS a fetch connects to. */
		for (k = 0, j = 0; j < H[h].npeers; j++)
			if (H[p[j]].keeper) {
				x = p[j];
				memmove(p + k + 1, p + k, (j - k) * sizeof *p);
				p[k++] = x;
			}
	}
	if ((hold = getenv("SIMDIST_KEEPERS_HOLD") != NULL))
		for (h = 1; h <= keepers; h++) {
			memset(H[h].have, 0xff, (C + 7) / 8);
			H[h].nhave = C;
		}
	for (h = 1; h < N; h++)
		push(rnd((uint32_t)HEAD_SPREAD_NS), E_START, h, 0, 0);
	if (leave)
		push(leave_at, E_LEAVE, 0, 0, 0);
	while (simheap_size() > 0) {
		nb = batch_take(b);
		for (j = 0; j < nb; j++)
			run(&b[j], leave);
	}
	t = calloc(N, sizeof *t);
	for (h = 1; h < N; h++) {
		if (H[h].gone)
			continue;
		left++;
		if (H[h].nhave == C) {
			t[done++] = H[h].done_at;
			if (H[h].done_at > last)
				last = H[h].done_at;
		}
		if (H[h].keeper)
			keeper_sent += H[h].sent;
		else
			peer_sent += H[h].sent;
	}
	qsort(t, done, sizeof *t, cmp64);
	for (j = 1; j < N; j *= 2)
		hops++;
	/* The bound: the file over the link, plus the pipeline: the ci's
	 * spread, and a chunk's way down log2(N) hops of store and
	 * forward (its time on a link and one latency each). */
	pipe_s = HEAD_SPREAD_NS / 1e9 + hops * ((double)total / C *
	    ns_per_byte + 200000) / 1e9;
	bound_s = total * ns_per_byte / 1e9 + pipe_s;
	clock_gettime(CLOCK_MONOTONIC, &w1);
	/* Where the time goes: a chunk's way from the origin's first
	 * send to half the hosts. */
	qsort(spread, C, sizeof *spread, cmp64);
	printf("{\"experiment\": \"distribution\", \"hosts\": %u, "
	    "\"mib\": %llu, \"gbps\": %.1f, \"keepers\": %u, "
	    "\"keepers_hold\": %d, \"leave_pct\": %u, \"coarsen\": %u, "
	    "\"have\": %d, \"have_bytes_x\": %.4f, "
	    "\"chunks\": %u, \"avg_chunk\": %llu, ",
	    N, (unsigned long long)(size >> 20), gbps, keepers, hold, leave,
	    coarsen ? coarsen : 1, have_mode,
	    (double)have_bytes / N / total,
	    C, (unsigned long long)(total / C));
	printf("\"bound_s\": %.3f, \"pipeline_s\": %.3f, \"p1_s\": %.3f, "
	    "\"p50_s\": %.3f, \"all_s\": %.3f, \"vs_bound\": %.2f, "
	    "\"injected_s\": %.3f, \"spread_half_ms\": %.0f, ",
	    bound_s, pipe_s, done ? t[done / 100] / 1e9 : -1.0,
	    done ? t[done / 2] / 1e9 : -1.0,
	    done == left ? last / 1e9 : -1.0,
	    done == left ? last / 1e9 / bound_s : -1.0, injected_at / 1e9,
	    spread[C / 2] / 1e6);
	printf("\"remaining_hosts\": %u, \"completed\": %u, "
	    "\"origin_sent_x\": %.2f, \"keepers_sent_x\": %.2f, "
	    "\"peers_sent_x\": %.1f, \"nochunks_per_host\": %.0f, "
	    "\"refused_conns\": %llu, \"fetches_ended_short\": %llu, "
	    "\"events\": %llu, \"wall_s\": %.1f}\n",
	    left, done, (double)H[0].sent / total,
	    (double)keeper_sent / total, (double)peer_sent / total,
	    (double)nochunks / N, (unsigned long long)refusals,
	    (unsigned long long)ended_short, (unsigned long long)nevents,
	    (w1.tv_sec - w0.tv_sec) + (w1.tv_nsec - w0.tv_nsec) / 1e9);
	return done == left ? 0 : 1;
}
