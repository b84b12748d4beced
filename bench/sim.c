/*
 * bench/sim: thousands of isconf hosts in one process, on a virtual
 * clock and a simulated network, running the daemon's own mesh rules
 * (daemon/rules.c: fan-out, peer choice, tick and jitter, reachability,
 * lock grant/deny and claim outcome).  What the daemon does with
 * sockets, timers and SQLite is modelled here, step for step with
 * peers.c, sync.c and lockd.c:
 *
 *   - a datagram takes 150-250 us one way and is lost with probability
 *     LOSS; a hello is HELLO_BYTES on the wire (doc/protocol.md);
 *   - a pull of entries is a TCP exchange of 3 round trips plus an
 *     fsync'd store (1 ms); a lost segment costs a retransmission
 *     timeout (1 s for the SYN, 200 ms otherwise), as Linux does;
 *   - hosts boot at random in the first 5 s, each with K random nets
 *     entries, and learn peers from the hellos they receive.
 *
 * Three experiments: the time for a ci's new head to reach 99.9% and
 * 100% of N hosts (and the idle traffic before it); a lock contest
 * between M origins that claim within 10 ms of each other, with a
 * fraction DOWN of the other hosts down, each host knowing either the
 * peers it learned from hellos or (VIEW 1) every host of the fleet, as
 * membership spread gives it: outcome, time, messages, the most any
 * one host received, and when every live host knew the lock; and a
 * partition that cuts 30% of the hosts (one origin among them) away for
 * 10 s while both origins claim the lock and the winner checks in:
 * who won, who had the head when the partition healed, and how long
 * anti-entropy took to bring the rest.
 *
 *   sim prop N LOSS [K [SEED]]
 *   sim lock N LOSS M [QUORUM [SEED [DOWN [VIEW]]]]
 *   sim part N LOSS [QUORUM [SEED]]
 *   sim members N LOSS [NETS [SEED]]	(sim_members.c)
 *   sim waves N cron|cron-sync|arrival MIN [good|bad|one [LOSS [SEED]]]
 *	(sim_waves.c)
 * Each prints one line of JSON.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"
#include "sim.h"
#include "simheap.h"

#define HELLO_BYTES	207	/* header, domain, host, body, HMAC, UDP/IP */
#define LOCK_BYTES	180
#define STORE_US	1000
#define T_CI		(60LL * 1000000)	/* after boot and discovery */
#define T_END		(T_CI + 300LL * 1000000)

enum { E_TICK, E_HELLO, E_PULLED, E_CLAIM, E_GRANT, E_DENY, E_BUSY,
    E_LOCKED, E_RELEASE, E_RETRY, E_DEADLINE, E_START_CLAIM, E_BOOT };

struct host {
	uint64_t	 head;
	int64_t		 informed;	/* when head reached the ci */
	uint32_t	*peers;
	int64_t		*seen;		/* ms, parallel to peers */
	uint64_t	*phead;		/* head each peer last announced */
	uint32_t	 npeers, cap;
	uint32_t	*statics;
	uint32_t	 nstatics;
	uint64_t	 ticks;
	uint32_t	 pulling[8];
	uint32_t	 npulling;
	int		 up;
	/* lock */
	uint64_t	 lclock;
	int64_t		 holder;	/* -1: none */
	int		 claiming;
	uint64_t	 clock;
	uint32_t	*asked;
	uint8_t		*answer;	/* 0 none, 1 granted, 2 busy */
	uint32_t	 nasked;
	int64_t		 started;	/* the claim's first send */
	int64_t		 slowest;	/* its slowest answer, us after it */
	unsigned	 sent;		/* times sent to the silent */
	int		 outcome;	/* 1 won, 2 lost */
	int64_t		 decided;
	int64_t		 rival;		/* strict mode: granted to, or -1 */
	uint32_t	 lock_recv;	/* lock datagrams received */
	int64_t		 lock_at;	/* when it learned of the lock */
};

static struct host	*H;
static uint32_t		 N;
static double		 LOSS;
SIMHEAP_DEFINE(struct ev)
static int64_t		 now;
static char		 (*names)[12];
static int		 quorum;
static int		 full;		/* every host knows every host */
static uint32_t		 lock_known, nup;	/* hosts that know the lock */
static int64_t		 lock_known_all = -1;
static uint64_t		 lock_forwards;	/* hellos sent on lock news */
/* Counters. */
static uint64_t		 dgrams, dgram_bytes, lost, pulls, idle_bytes;
static uint64_t		 lock_msgs;
static size_t		 news_override;
static uint32_t		 informed;	/* hosts that have the ci */
static uint8_t		*side;		/* partition: which side a host is */
static int64_t		 part_from = -1, part_until = -1;	/* SIM_FANOUT_NEWS: tuning runs */

static uint64_t	rng = 0x9e3779b97f4a7c15ULL;

static uint32_t
rnd(uint32_t upper)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return upper ? (uint32_t)(rng % upper) : 0;
}

uint32_t
sim_rand(uint32_t upper)
{
	return rnd(upper);
}

static double
rnd01(void)
{
	return (double)rnd(1u << 30) / (double)(1u << 30);
}

static void
push(int64_t t, uint8_t type, uint32_t to, uint32_t from, uint64_t a)
{
	struct ev	e = { t, to, from, a, type };

	simheap_push(&e);
}

static int64_t
oneway(void)
{
	return 150 + rnd(100);
}

int64_t
sim_oneway(void)
{
	return oneway();
}

void
sim_push(int64_t t, uint8_t type, uint32_t to, uint32_t from, uint64_t a)
{
	push(t, type, to, from, a);
}

int
sim_next(int64_t until, struct ev *e)
{
	if (simheap_size() == 0 || simheap_peek()->t > until)
		return 0;
	*e = simheap_pop();
	return 1;
}

static void
send_dgram(uint32_t from, uint32_t to, uint8_t type, uint64_t a)
{
	size_t	bytes = type == E_HELLO ? HELLO_BYTES : LOCK_BYTES;

	dgrams++;
	dgram_bytes += bytes;
	if (now >= T_CI - 30LL * 1000000 && now < T_CI)
		idle_bytes += bytes;
	if (type != E_HELLO)
		lock_msgs++;
	if (rnd01() < LOSS || (side != NULL && now >= part_from &&
	    now < part_until && side[from] != side[to])) {
		lost++;
		return;
	}
	push(now + oneway(), type, to, from, a);
}

/* A host's known peers: its table, or (full view) every other host. */
static uint32_t
npeers_of(const struct host *h)
{
	return full ? N - 1 : h->npeers;
}

static uint32_t
peer_at(uint32_t id, uint32_t i)
{
	return full ? (i < id ? i : i + 1) : H[id].peers[i];
}

static int
peer_index(struct host *h, uint32_t id)
{
	uint32_t	i;

	if (full)
		return (int)(id < (uint32_t)(h - H) ? id : id - 1);
	for (i = 0; i < h->npeers; i++)
		if (h->peers[i] == id)
			return (int)i;
	return -1;
}

static void
peer_add(struct host *h, uint32_t id)
{
	if (h->npeers == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 16;
		h->peers = realloc(h->peers, h->cap * sizeof *h->peers);
		h->seen = realloc(h->seen, h->cap * sizeof *h->seen);
		h->phead = realloc(h->phead, h->cap * sizeof *h->phead);
		if (h->peers == NULL || h->seen == NULL || h->phead == NULL)
			abort();
	}
	h->phead[h->npeers] = 0;
	h->peers[h->npeers] = id;
	h->seen[h->npeers++] = now / 1000;
}

/* A hello's a: the head, and the lock the sender knows of (+1; 0 none)
 * above bit 32, as a hello lists it. */
static uint64_t
hello_a(const struct host *h)
{
	return h->head | (uint64_t)(h->holder + 1) << 32;
}

static size_t
reachable(struct host *h)
{
	size_t		n = 0;
	uint32_t	i;

	for (i = 0; i < h->npeers; i++)
		n += rules_alive(now / 1000, h->seen[i], GOSSIP_MS);
	return n;
}

/* peers.c mesh_announce */
static void
announce(uint32_t id, enum announce why)
{
	struct host	*h = &H[id];
	size_t		 np = npeers_of(h), k = rules_fanout(why, np), pick[64], i;
	uint8_t		 behind[4096];

	if (why == ANNOUNCE_NEWS && news_override)
		k = news_override < np ? news_override : np;
	if (k == np)
		for (i = 0; i < k; i++)
			send_dgram(id, peer_at(id, i), E_HELLO, hello_a(h));
	else {
		if (k > 64)
			k = 64;
		for (i = 0; !full && i < np && i < sizeof behind; i++)
			behind[i] = h->phead[i] < h->head;
		if (!full && np <= sizeof behind)
			rules_choose_behind(np, k, behind, pick, rnd);
		else
			rules_choose(np, k, pick, rnd);
		for (i = 0; i < k; i++)
			send_dgram(id, peer_at(id, pick[i]), E_HELLO,
			    hello_a(h));
	}
	if (why == ANNOUNCE_TICK && !rules_statics_due(h->ticks, reachable(h)))
		return;
	for (i = 0; i < h->nstatics; i++)
		if (peer_index(h, h->statics[i]) == -1)
			send_dgram(id, h->statics[i], E_HELLO, hello_a(h));
}

/* lockd.c lockd_locked: a new lock recorded is passed on. */
static void
lock_learned(uint32_t id, int64_t holder)
{
	struct host	*h = &H[id];

	if (h->holder != -1 || holder == (int64_t)id)
		return;
	h->holder = holder;
	h->lock_at = now;
	h->rival = -1;
	if (++lock_known == nup && lock_known_all == -1)
		lock_known_all = now;
	lock_forwards += rules_fanout(ANNOUNCE_NEWS, npeers_of(h));
	announce(id, ANNOUNCE_NEWS);
}

/* The whole TCP exchange: 6 segments, each may be lost. */
static int64_t
pull_time(void)
{
	int64_t	t = STORE_US;
	int	i;

	for (i = 0; i < 6; i++) {
		t += oneway();
		if (rnd01() < LOSS)
			t += i == 0 ? 1000000 : 200000;
	}
	return t;
}

static void
on_hello(struct ev *e)
{
	struct host	*h = &H[e->to];
	int		 i = peer_index(h, e->from);
	uint32_t	 j;
	uint64_t	 head = e->a & 0xffffffffu;

	if (!h->up)
		return;
	if (e->a >> 32)
		lock_learned(e->to, (int64_t)(e->a >> 32) - 1);
	if (full)
		;
	else if (i == -1) {
		peer_add(h, e->from);
		i = (int)h->npeers - 1;
		/* hello back */
		send_dgram(e->to, e->from, E_HELLO, hello_a(h));
	} else
		h->seen[i] = now / 1000;
	if (!full)
		h->phead[i] = head;
	if (head <= h->head)
		return;
	for (j = 0; j < h->npulling; j++)	/* sync.c run_find */
		if (h->pulling[j] == e->from)
			return;
	if (h->npulling == 8)
		return;
	h->pulling[h->npulling++] = e->from;
	pulls++;
	push(now + pull_time(), E_PULLED, e->to, e->from, head);
}

static void
on_pulled(struct ev *e)
{
	struct host	*h = &H[e->to];
	uint32_t	 j;

	for (j = 0; j < h->npulling; j++)
		if (h->pulling[j] == e->from) {
			h->pulling[j] = h->pulling[--h->npulling];
			break;
		}
	if (e->a <= h->head)
		return;		/* another peer's pull came first */
	if (h->head == 0)
		informed++;
	h->head = e->a;
	h->informed = now;
	announce(e->to, ANNOUNCE_NEWS);
}

static void
on_tick(struct ev *e)
{
	struct host	*h = &H[e->to];

	announce(e->to, ANNOUNCE_TICK);
	h->ticks++;
	push(now + rules_tick_ms(GOSSIP_MS, rnd) * 1000, E_TICK, e->to, 0, 0);
}

static void
on_boot(struct ev *e)
{
	struct host	*h = &H[e->to];
	uint32_t	 i;

	h->up = 1;
	for (i = 0; i < h->nstatics; i++)	/* hello to every nets entry */
		send_dgram(e->to, h->statics[i], E_HELLO, hello_a(h));
	push(now + rules_tick_ms(GOSSIP_MS, rnd) * 1000, E_TICK, e->to, 0, 0);
}

/* lockd.c: a claimant's outcome. */
static void
claim_decide(uint32_t id, int expired)
{
	struct host	*h = &H[id];
	size_t		 g = 0;
	uint32_t	 i;

	if (!h->claiming)
		return;
	for (i = 0; i < h->nasked; i++)
		g += h->answer[i] == 1;
	switch (rules_claim_state(g, h->nasked, npeers_of(h), quorum,
	    expired)) {
	case CLAIM_WAIT:
		return;
	case CLAIM_NO_QUORUM:
		h->outcome = 2;
		break;
	case CLAIM_WON:
		h->outcome = 1;
		h->holder = id;
		h->lock_at = now;
		if (++lock_known == nup && lock_known_all == -1)
			lock_known_all = now;
		for (i = 0; i < npeers_of(h); i++)
			send_dgram(id, peer_at(id, i), E_LOCKED, id);
		break;
	}
	h->claiming = 0;
	h->decided = now;
}

static void
claim_lost(uint32_t id)
{
	struct host	*h = &H[id];
	uint32_t	 i;

	h->claiming = 0;
	h->outcome = 2;
	h->decided = now;
	for (i = 0; i < npeers_of(h); i++)	/* let granters forget */
		send_dgram(id, peer_at(id, i), E_RELEASE, id);
}

static void
on_start_claim(struct ev *e)
{
	struct host	*h = &H[e->to];
	uint32_t	 i;

	h->claiming = 1;
	h->clock = ++h->lclock;
	h->asked = calloc(npeers_of(h) + 1, sizeof *h->asked);
	h->answer = calloc(npeers_of(h) + 1, 1);
	h->nasked = 0;
	for (i = 0; i < npeers_of(h); i++)	/* lockd_claim: all known */
		h->asked[h->nasked++] = peer_at(e->to, i);
	if (h->nasked == 0) {
		claim_decide(e->to, 1);
		return;
	}
	for (i = 0; i < h->nasked; i++)
		send_dgram(e->to, h->asked[i], E_CLAIM, h->clock);
	h->started = now;
	h->slowest = 0;
	h->sent = 1;
	push(now + rules_claim_resend_ms(1, LOCK_WAIT_MS) * 1000, E_RETRY,
	    e->to, 0, h->clock);
	push(now + LOCK_WAIT_MS * 1000, E_DEADLINE, e->to, 0, h->clock);
}

/* lockd.c claim_deadline: over, unless a slow answer stretched it. */
static void
on_deadline(struct ev *e)
{
	struct host	*h = &H[e->to];
	int64_t		 at;

	if (!h->claiming || e->a != h->clock)
		return;
	at = h->started + 1000 * rules_claim_deadline_ms(LOCK_WAIT_MS,
	    h->slowest / 1000);
	if (now < at)
		push(at, E_DEADLINE, e->to, 0, h->clock);
	else
		claim_decide(e->to, 1);
}

static void
on_claim(struct ev *e)
{
	struct host		*h = &H[e->to];
	struct claim_view	 v;
	enum claim_answer	 a;

	if (e->a > h->lclock)
		h->lclock = e->a;
	memset(&v, 0, sizeof v);
	v.holder_known = h->holder != -1;
	v.holder_is_claimant = h->holder == (int64_t)e->from;
	v.head_seq = v.base_seq = 0;
	v.own_claim = h->claiming;
	v.own_clock = h->clock;
	v.own_host = names[e->to];
	v.clock = e->a;
	v.host = names[e->from];
	v.quorum = quorum;
	v.rival_granted = h->rival != -1 && h->rival != (int64_t)e->from;
	a = rules_claim_answer(&v);
	if (a == CLAIM_GRANT && !v.holder_known)
		h->rival = e->from;
	send_dgram(e->to, e->from, a == CLAIM_GRANT ? E_GRANT :
	    a == CLAIM_DENY_RIVAL ? E_BUSY : E_DENY, e->a);
	if (rules_claim_yields(&v))
		claim_lost(e->to);
}

static void
on_answer(struct ev *e)
{
	struct host	*h = &H[e->to];
	uint32_t	 i;

	if (!h->claiming || e->a != h->clock)
		return;
	if (now - h->started > h->slowest)
		h->slowest = now - h->started;
	if (e->type != E_GRANT && rules_claim_deny_ends(e->type == E_BUSY,
	    quorum)) {
		claim_lost(e->to);
		return;
	}
	if (full)	/* asked in peer order: the index is the peer's */
		i = peer_index(h, e->from);
	else
		for (i = 0; i < h->nasked; i++)
			if (h->asked[i] == e->from)
				break;
	if (i < h->nasked && e->type == E_GRANT)
		h->answer[i] = 1;
	else if (i < h->nasked && h->answer[i] == 0)
		h->answer[i] = 2;
	claim_decide(e->to, 0);
}

static void
on_retry(struct ev *e)
{
	struct host	*h = &H[e->to];
	uint32_t	 i;
	int64_t		 at;

	if (!h->claiming || e->a != h->clock)
		return;

	for (i = 0; i < h->nasked; i++)	/* the silent and the busy */
		if (h->answer[i] != 1)
			send_dgram(e->to, h->asked[i], E_CLAIM, h->clock);
	at = rules_claim_resend_ms(++h->sent, LOCK_WAIT_MS);
	if (at >= 0)
		push(h->started + at * 1000, E_RETRY, e->to, 0, h->clock);
}

static void
run(int64_t until)
{
	struct ev	e;

	while (simheap_size() > 0 && simheap_peek()->t <= until) {
		e = simheap_pop();
		now = e.t;
		if (e.type != E_BOOT && !H[e.to].up)
			continue;	/* down: hears nothing, does nothing */
		if (e.type >= E_CLAIM && e.type <= E_RELEASE)
			H[e.to].lock_recv++;
		switch (e.type) {
		case E_BOOT: on_boot(&e); break;
		case E_TICK: on_tick(&e); break;
		case E_HELLO: on_hello(&e); break;
		case E_PULLED: on_pulled(&e); break;
		case E_START_CLAIM: on_start_claim(&e); break;
		case E_CLAIM: on_claim(&e); break;
		case E_GRANT:
		case E_DENY:
		case E_BUSY: on_answer(&e); break;
		case E_RETRY: on_retry(&e); break;
		case E_DEADLINE: on_deadline(&e); break;
		case E_LOCKED:
			if (H[e.to].claiming)	/* lost to this one */
				claim_lost(e.to);
			lock_learned(e.to, (int64_t)e.a);
			H[e.to].rival = -1;
			break;
		case E_RELEASE:
			if (H[e.to].rival == (int64_t)e.from)
				H[e.to].rival = -1;
			break;
		}
	}
	now = until;
}

static void
setup(uint32_t n, uint32_t k, uint32_t origins)
{
	uint32_t	i, j;

	N = n;
	H = calloc(n, sizeof *H);
	names = calloc(n, sizeof *names);
	for (i = 0; i < n; i++) {
		snprintf(names[i], sizeof names[i], "h%05u", i);
		H[i].holder = H[i].rival = -1;
		H[i].statics = calloc(k + origins, sizeof *H[i].statics);
		for (j = 0; j < k; j++) {
			uint32_t s = rnd(n);
			if (s != i)
				H[i].statics[H[i].nstatics++] = s;
		}
		/* The origins (admin hosts) are in each other's nets. */
		for (j = 0; i < origins && j < origins; j++)
			if (j != i)
				H[i].statics[H[i].nstatics++] = j;
		push(rnd(5000000), E_BOOT, i, 0, 0);
	}
}

static int
cmp64(const void *a, const void *b)
{
	int64_t	x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static int
prop(uint32_t n, double loss, uint32_t k)
{
	int64_t		*t = calloc(n, sizeof *t), at999, at100;
	uint64_t	 d0, b0, p0, d1, p1;
	uint32_t	 i, miss = 0;
	double		 avg_known = 0;

	LOSS = loss;
	setup(n, k, 0);
	run(T_CI);
	for (i = 0; i < n; i++)
		avg_known += H[i].npeers;
	d0 = dgrams;
	b0 = dgram_bytes;
	p0 = pulls;
	/* The ci: host 0's head moves; it tells every peer it knows. */
	H[0].head = 1;
	H[0].informed = now;
	informed = 1;
	announce(0, ANNOUNCE_CHANGE);
	while (simheap_size() > 0 && informed < n &&
	    simheap_peek()->t <= T_END) {
		run(simheap_peek()->t);
	}
	d1 = dgrams;
	p1 = pulls;
	run(T_END);
	for (i = 0; i < n; i++) {
		t[i] = H[i].head ? H[i].informed - T_CI : T_END;
		miss += H[i].head == 0;
	}
	qsort(t, n, sizeof *t, cmp64);
	at999 = t[(size_t)((n - 1) * 0.999)];
	at100 = t[n - 1];
	printf("{\"experiment\": \"propagation\", \"hosts\": %u, \"loss\": %.2f, "
	    "\"nets_per_host\": %u, \"avg_peers_known\": %.1f, "
	    "\"p50_ms\": %.1f, \"p999_ms\": %.1f, \"all_ms\": %.1f, "
	    "\"never\": %u, \"datagrams_per_host\": %.1f, "
	    "\"pulls_per_host\": %.2f, \"idle_bytes_per_host_s\": %.1f, "
	    "\"fanout_tick\": %d, \"fanout_news\": %d, \"gossip_ms\": %d}\n",
	    n, loss, k, avg_known / n, t[n / 2] / 1000.0, at999 / 1000.0,
	    at100 / 1000.0, miss, (double)(d1 - d0) / n,
	    (double)(p1 - p0) / n, (double)idle_bytes / n / 30.0,
	    GOSSIP_FANOUT_TICK, news_override ? (int)news_override :
	    GOSSIP_FANOUT_NEWS, GOSSIP_MS);
	(void)b0;
	return 0;
}

static int
lock(uint32_t n, double loss, uint32_t m, int strict, double down, int view)
{
	uint32_t	 i, winners = 0, decided = 0, ndown = 0, most = 0, k = 0;
	int64_t		 first = T_END, last = 0, *at = calloc(n, sizeof *at);
	uint64_t	 m0, d0;

	LOSS = loss;
	quorum = strict;
	full = view;
	setup(n, full ? 0 : 8, full ? 0 : m);
	run(T_CI - 1000000);
	/* Hosts go down after they were learned, as in a fleet: never an
	 * origin. */
	for (i = m; i < n; i++)
		if (rnd01() < down) {
			H[i].up = 0;
			ndown++;
		}
	nup = n - ndown;
	run(T_CI);
	m0 = lock_msgs;
	d0 = dgrams;
	for (i = 0; i < n; i++)
		H[i].lock_recv = 0;
	for (i = 0; i < m; i++)
		push(T_CI + rnd(10000), E_START_CLAIM, i, 0, 0);
	run(T_CI + 20LL * 1000000);
	for (i = 0; i < m; i++) {
		winners += H[i].outcome == 1;
		decided += H[i].outcome != 0;
		if (H[i].outcome == 1 && H[i].decided < first)
			first = H[i].decided;
		if (H[i].decided > last)
			last = H[i].decided;
	}
	for (i = m; i < n; i++)		/* the claimants get every answer */
		if (H[i].lock_recv > most)
			most = H[i].lock_recv;
	for (i = 0; i < n; i++)		/* from the lock taken to known */
		if (H[i].up)
			at[k++] = H[i].holder == -1 ? T_END : H[i].lock_at -
			    first;
	qsort(at, k, sizeof *at, cmp64);
	printf("{\"experiment\": \"lock\", \"hosts\": %u, \"loss\": %.2f, "
	    "\"origins\": %u, \"quorum\": %d, \"down\": %u, "
	    "\"full_view\": %d, \"winners\": %u, \"decided\": %u, "
	    "\"won_after_ms\": %.1f, \"all_decided_after_ms\": %.1f, "
	    "\"known_by_all_after_ms\": %.1f, \"known_p999_ms\": %.1f, "
	    "\"known_all_ms\": %.1f, \"messages\": %llu, "
	    "\"messages_per_host\": %.2f, \"most_to_a_bystander\": %u, "
	    "\"news_hellos\": %llu, \"datagrams_per_host\": %.2f}\n",
	    n, loss, m, strict, ndown, full, winners, decided,
	    first == T_END ? -1.0 : (first - T_CI) / 1000.0,
	    (last - T_CI) / 1000.0, lock_known_all == -1 ? -1.0 :
	    (lock_known_all - T_CI) / 1000.0,
	    first == T_END ? -1.0 : at[(size_t)((k - 1) * 0.999)] / 1000.0,
	    first == T_END ? -1.0 : at[k - 1] / 1000.0,
	    (unsigned long long)(lock_msgs - m0),
	    (double)(lock_msgs - m0) / n, most,
	    (unsigned long long)lock_forwards, (double)(dgrams - d0) / n);
	free(at);
	/* Exactly one winner; in strict mode none is allowed too. */
	return (winners == 1 || (strict && winners == 0)) && decided == m ?
	    0 : 1;
}

static int
part(uint32_t n, double loss, int strict)
{
	uint32_t	i, winners = 0, at_heal = 0, small = 0;
	int64_t		last = 0;

	LOSS = loss;
	quorum = strict;
	setup(n, 8, 2);
	side = calloc(n, 1);
	for (i = 2; i < n; i++)
		small += side[i] = rnd01() < 0.3;
	side[1] = 1;		/* origin 1 is cut off with the 30% */
	small++;
	run(T_CI);
	part_from = T_CI;
	part_until = T_CI + 10LL * 1000000;
	push(T_CI + rnd(10000), E_START_CLAIM, 0, 0, 0);
	push(T_CI + rnd(10000), E_START_CLAIM, 1, 0, 0);
	run(T_CI + 5LL * 1000000);
	winners = (H[0].outcome == 1) + (H[1].outcome == 1);
	if (H[0].outcome == 1) {	/* the majority side checks in */
		H[0].head = 1;
		H[0].informed = now;
		informed = 1;
		announce(0, ANNOUNCE_CHANGE);
	}
	run(part_until);
	for (i = 0; i < n; i++)
		at_heal += H[i].head != 0;
	while (simheap_size() > 0 && informed > 0 && informed < n &&
	    simheap_peek()->t <= T_END)
		run(simheap_peek()->t);
	for (i = 0; i < n; i++)
		if (H[i].head && H[i].informed > last)
			last = H[i].informed;
	printf("{\"experiment\": \"partition\", \"hosts\": %u, \"loss\": "
	    "%.2f, \"quorum\": %d, \"cut_off\": %u, \"winners\": %u, "
	    "\"majority_origin_won\": %d, \"had_head_at_heal\": %u, "
	    "\"all_after_heal_ms\": %.1f}\n", n, loss, strict, small,
	    winners, H[0].outcome == 1, at_heal, informed == n ?
	    (last - part_until) / 1000.0 : -1.0);
	/* Strict mode must never let both sides lock. */
	return strict ? winners > 1 : 0;
}

int
main(int argc, char **argv)
{
	if (getenv("SIM_FANOUT_NEWS") != NULL)
		news_override = (size_t)atoi(getenv("SIM_FANOUT_NEWS"));
	if (argc >= 4 && strcmp(argv[1], "prop") == 0) {
		if (argc > 5)
			rng ^= strtoull(argv[5], NULL, 10) * 0x2545F4914F6CDD1DULL;
		return prop((uint32_t)atoi(argv[2]), atof(argv[3]),
		    argc > 4 ? (uint32_t)atoi(argv[4]) : 8);
	}
	if (argc >= 5 && strcmp(argv[1], "lock") == 0) {
		if (argc > 6)
			rng ^= strtoull(argv[6], NULL, 10) * 0x2545F4914F6CDD1DULL;
		return lock((uint32_t)atoi(argv[2]), atof(argv[3]),
		    (uint32_t)atoi(argv[4]), argc > 5 && atoi(argv[5]),
		    argc > 7 ? atof(argv[7]) : 0, argc > 8 && atoi(argv[8]));
	}
	if (argc >= 4 && strcmp(argv[1], "part") == 0) {
		if (argc > 5)
			rng ^= strtoull(argv[5], NULL, 10) * 0x2545F4914F6CDD1DULL;
		return part((uint32_t)atoi(argv[2]), atof(argv[3]),
		    argc > 4 && atoi(argv[4]));
	}
	if (argc >= 4 && strcmp(argv[1], "members") == 0) {
		if (argc > 5)
			rng ^= strtoull(argv[5], NULL, 10) * 0x2545F4914F6CDD1DULL;
		return sim_members((uint32_t)atoi(argv[2]), atof(argv[3]),
		    argc > 4 ? (uint32_t)atoi(argv[4]) : 8);
	}
	if (argc >= 5 && strcmp(argv[1], "waves") == 0) {
		if (argc > 7)
			rng ^= strtoull(argv[7], NULL, 10) * 0x2545F4914F6CDD1DULL;
		return sim_waves(argc - 2, argv + 2);
	}
	fprintf(stderr, "usage: sim prop HOSTS LOSS [NETS [SEED]]\n"
	    "       sim lock HOSTS LOSS ORIGINS [QUORUM [SEED [DOWN [VIEW]]]]\n"
	    "       sim part HOSTS LOSS [QUORUM [SEED]]\n"
	    "       sim members HOSTS LOSS [NETS [SEED]]\n"
	    "       sim waves HOSTS cron|cron-sync|arrival MIN [good|bad|one\n"
	    "           [LOSS [SEED]]]\n");
	return 2;
}
