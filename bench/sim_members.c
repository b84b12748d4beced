/*
 * sim members N LOSS [NETS [SEED]]: how long until every one of N hosts
 * knows every other (as a peer it hears directly, or as a record
 * learned from one), and what that costs each host, under the daemon's
 * own membership rules (daemon/rules.c, as members.c applies them).
 *
 * Rounds of one gossip interval (a datagram takes well under a
 * millisecond, an interval 5 s, so each round's deliveries land within
 * it).  Each round every host, in members.c's order:
 *   - sends hellos to GOSSIP_FANOUT_TICK random peers (they hear it);
 *   - sends one random peer a window of the peers it heard directly
 *     within IS_PEER_FORGET_S (rules_members_window, rules_member_
 *     advertise, ages rounded up to seconds); the receiver keeps the
 *     records it takes (rules_member_take);
 *   - probes up to MEMBERS_PROBES learned hosts that are due
 *     (rules_member_probe_due), one per address: a probe that arrives
 *     and whose challenge, echo and hellos arrive makes the two peers,
 *     and each sends the other a window (peers.c on a new peer).
 * Hosts start knowing their NETS random nets entries as peers.  Each
 * datagram is lost with probability LOSS.  Bytes are counted as they
 * would be on the wire (header, names, HMAC, UDP/IP).
 *
 * Prints one line of JSON: rounds and seconds until 99% and all hosts
 * know everyone, and bytes per host per minute of membership traffic
 * (windows, probes and the exchanges that make probed hosts peers) and
 * of all gossip.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"
#include "sim.h"

#define HDR_BYTES	(3 + 1 + 1 + 4 + 24 + 4 + 12 + 4 + 6 + 4 + 32 + 28)
#define HELLO_BYTES	207
#define REC_BYTES	(1 + 6 + 4 + 2 + 4)	/* "h01234" */
#define PROBE_BYTES	(HDR_BYTES + 4 + 1)
/* The exchange that makes a probed host a peer: challenge and echo
 * each way, a hello each way. */
#define MEET_BYTES	(2 * (HDR_BYTES + 12) + 2 * (HDR_BYTES + 24) + \
			    2 * HELLO_BYTES)
#define GOSSIP_S	5
#define FORGET_S	(24 * 3600)
#define MAX_ROUNDS	20000

enum { UNKNOWN = 0, LEARNED = 1, DIRECT = 2 };

struct mhost {
	uint32_t	*direct;	/* peers heard directly */
	uint32_t	 ndirect, cap;
	uint32_t	*queue;		/* learned, to probe: a ring */
	uint32_t	 qhead, qlen, qcap;
	size_t		 cursor;	/* the window */
	uint32_t	 known;		/* hosts known, itself not counted */
	uint64_t	 bytes, all_bytes;
};

static struct mhost	*M;
static uint8_t		*state;		/* N x N: UNKNOWN, LEARNED, DIRECT */
/* N x N: when last heard (s): directly for a peer, by the freshest
 * record for a learned host. */
static int32_t		*heard;
static uint8_t		*tries;		/* N x N */
static int32_t		*probed;	/* N x N */
static uint32_t		 NH, complete;
static double		 loss;
static int32_t		 now_s;

#define AT(h, x)	((size_t)(h) * NH + (x))

static int
lost(void)
{
	return sim_rand(1u << 30) < loss * (1u << 30);
}

static void *
grow(void *p, uint32_t *cap, uint32_t need, size_t size)
{
	if (need <= *cap)
		return p;
	*cap = *cap ? *cap * 2 : 16;
	if ((p = realloc(p, *cap * size)) == NULL)
		abort();
	return p;
}

/* The line of learned hosts to probe: a ring, grown in order. */
static void
ring_grow(struct mhost *m)
{
	uint32_t	*q, i, cap = m->qcap ? m->qcap * 2 : 16;

	if (m->qlen < m->qcap)
		return;
	if ((q = malloc(cap * sizeof *q)) == NULL)
		abort();
	for (i = 0; i < m->qlen; i++)
		q[i] = m->queue[(m->qhead + i) % m->qcap];
	free(m->queue);
	m->queue = q;
	m->qhead = 0;
	m->qcap = cap;
}

static void
known_more(uint32_t h)
{
	if (++M[h].known == NH - 1)
		complete++;
}

static void
direct_add(uint32_t h, uint32_t x)
{
	struct mhost	*m = &M[h];

	if (state[AT(h, x)] == DIRECT)
		return;
	if (state[AT(h, x)] == UNKNOWN)
		known_more(h);
	state[AT(h, x)] = DIRECT;
	m->direct = grow(m->direct, &m->cap, m->ndirect + 1,
	    sizeof *m->direct);
	m->direct[m->ndirect++] = x;
	heard[AT(h, x)] = now_s;
}

/* A hello from x: heard, for a direct peer, holds when. */
static void
hear(uint32_t h, uint32_t x)
{
	if (state[AT(h, x)] == DIRECT)
		heard[AT(h, x)] = now_s;
}

/* members.c member_learn */
static void
learn(uint32_t h, uint32_t x, int64_t age_s)
{
	struct mhost	*m = &M[h];
	size_t		 at = AT(h, x);
	int		 have = state[at] == LEARNED;

	if (x == h || state[at] == DIRECT)
		return;
	if (!rules_member_take(now_s * 1000LL, age_s * 1000, have,
	    heard[at] * 1000LL, FORGET_S * 1000LL))
		return;
	heard[at] = now_s - (int32_t)age_s;
	if (have)
		return;
	state[at] = LEARNED;
	tries[at] = 0;
	known_more(h);
	/* A new one goes first (members.c: to the head of the line). */
	ring_grow(m);
	m->qhead = (m->qhead + m->qcap - 1) % m->qcap;
	m->queue[m->qhead] = x;
	m->qlen++;
}

/*
 * members.c members_send.  The daemon filters its peers with
 * rules_member_advertise before taking the window; here the window is
 * taken over all of them and the rule applied to the records in it,
 * which is the same while no peer is older than IS_PEER_FORGET_S (a
 * day: longer than any run) and keeps a window O(window), not
 * O(peers).
 */
static void
window(uint32_t h, uint32_t to)
{
	struct mhost	*m = &M[h];
	size_t		 out[MEMBERS_PER_DGRAM], k, i, sent = 0;
	uint32_t	 x;

	k = rules_members_window(m->ndirect, &m->cursor, MEMBERS_PER_DGRAM,
	    out);
	for (i = 0; i < k; i++) {
		x = m->direct[out[i]];
		if (x == to || !rules_member_advertise(now_s * 1000LL,
		    heard[AT(h, x)] * 1000LL, FORGET_S * 1000LL))
			out[i] = SIZE_MAX;
		else
			sent++;
	}
	if (sent == 0)
		return;
	m->bytes += HDR_BYTES + 4 + 1 + sent * REC_BYTES;
	m->all_bytes += HDR_BYTES + 4 + 1 + sent * REC_BYTES;
	if (lost())
		return;
	for (i = 0; i < k; i++)
		if (out[i] != SIZE_MAX) {
			x = m->direct[out[i]];
			learn(to, x, now_s - heard[AT(h, x)]);
		}
}

static void
meet(uint32_t h, uint32_t x)
{
	M[h].bytes += MEET_BYTES / 2;
	M[x].bytes += MEET_BYTES / 2;
	M[h].all_bytes += MEET_BYTES / 2;
	M[x].all_bytes += MEET_BYTES / 2;
	direct_add(h, x);
	direct_add(x, h);
	window(x, h);
	window(h, x);
}

/* members.c members_probe */
static void
probe(uint32_t h)
{
	struct mhost	*m = &M[h];
	uint32_t	 done = 0, scanned = 0, len = m->qlen, x;
	size_t		 at;

	while (scanned++ < len && done < MEMBERS_PROBES) {
		x = m->queue[m->qhead];
		m->qhead = (m->qhead + 1) % m->qcap;
		m->qlen--;
		at = AT(h, x);
		if (state[at] != LEARNED)
			continue;		/* a peer now: off the line */
		if (rules_forget(now_s * 1000LL, heard[at] * 1000LL,
		    FORGET_S * 1000LL)) {
			state[at] = UNKNOWN;
			m->known--;
			continue;
		}
		/* back of the line, whether probed now or not */
		m->queue[(m->qhead + m->qlen) % m->qcap] = x;
		m->qlen++;
		if (!rules_member_probe_due(now_s * 1000LL, probed[at] *
		    1000LL, tries[at], GOSSIP_S * 1000))
			continue;
		probed[at] = now_s;
		if (tries[at] < 255)
			tries[at]++;
		done++;
		m->bytes += PROBE_BYTES;
		m->all_bytes += PROBE_BYTES;
		/* The probe, the challenge, the echo and a hello. */
		if (!lost() && !lost() && !lost() && !lost())
			meet(h, x);
	}
}

static void
round_host(uint32_t h)
{
	struct mhost	*m = &M[h];
	size_t		 pick[GOSSIP_FANOUT_TICK], k, i;

	k = rules_fanout(ANNOUNCE_TICK, m->ndirect);
	rules_choose(m->ndirect, k, pick, sim_rand);
	for (i = 0; i < k; i++) {
		m->all_bytes += HELLO_BYTES;
		if (!lost())
			hear(m->direct[pick[i]], h);
	}
	if (m->ndirect > 0) {
		rules_choose(m->ndirect, MEMBERS_FANOUT, pick, sim_rand);
		window(h, m->direct[pick[0]]);
	}
	probe(h);
}

int
sim_members(uint32_t n, double lossp, uint32_t nets)
{
	uint32_t	 h, j, r, at99 = 0, at100 = 0;
	uint64_t	 bytes = 0, all = 0;
	size_t		 avg_direct = 0;

	NH = n;
	loss = lossp;
	M = calloc(n, sizeof *M);
	state = calloc((size_t)n * n, 1);
	tries = calloc((size_t)n * n, 1);
	heard = calloc((size_t)n * n, sizeof *heard);
	probed = calloc((size_t)n * n, sizeof *probed);
	if (M == NULL || state == NULL || tries == NULL || heard == NULL ||
	    probed == NULL)
		abort();
	for (h = 0; h < n; h++)
		for (j = 0; j < nets; j++) {
			uint32_t x = sim_rand(n);
			if (x != h)
				meet(h, x);
		}
	for (r = 1; r <= MAX_ROUNDS && complete < n; r++) {
		now_s = (int32_t)r * GOSSIP_S;
		for (h = 0; h < n; h++)
			round_host(h);
		if (at99 == 0 && complete >= n - n / 100)
			at99 = r;
	}
	at100 = complete == n ? r - 1 : 0;
	for (h = 0; h < n; h++) {
		bytes += M[h].bytes;
		all += M[h].all_bytes;
		avg_direct += M[h].ndirect;
	}
	printf("{\"experiment\": \"members\", \"hosts\": %u, \"loss\": %.2f, "
	    "\"nets_per_host\": %u, \"rounds_99\": %u, \"s_99\": %u, "
	    "\"rounds_all\": %u, \"s_all\": %u, \"avg_peers_direct\": %.1f, "
	    "\"member_bytes_per_host_min\": %.0f, "
	    "\"gossip_bytes_per_host_min\": %.0f, \"window\": %d, "
	    "\"probes_per_tick\": %d, \"gossip_ms\": %d}\n", n, lossp, nets,
	    at99, at99 * GOSSIP_S, at100, at100 * GOSSIP_S,
	    (double)avg_direct / n, r > 1 ? (double)bytes / n /
	    ((r - 1) * GOSSIP_S / 60.0) : 0, r > 1 ? (double)all / n /
	    ((r - 1) * GOSSIP_S / 60.0) : 0, MEMBERS_PER_DGRAM,
	    MEMBERS_PROBES, GOSSIP_S * 1000);
	return complete == n ? 0 : 1;
}
