/*
 * The mesh's decisions, free of I/O and clocks: whom to tell and when,
 * when a peer counts as reachable, whether to grant a lock claim and
 * when a claim is won.  peers.c and lockd.c act on them with real
 * sockets and timers; bench/sim runs the same functions for thousands
 * of simulated hosts on a virtual clock (doc/protocol.md has what the
 * simulation measured and why the numbers below are what they are).
 * Depends on lib/ only.
 */
#ifndef RULES_H
#define RULES_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* A uniform random number below upper (randombytes_uniform, or the
 * simulation's seeded generator). */
typedef uint32_t (*rules_rand)(uint32_t upper);

/* Why a hello goes out, and so to how many peers. */
enum announce {
	ANNOUNCE_CHANGE,	/* our own ci, unlock, fork, lock: everyone */
	ANNOUNCE_NEWS,		/* entries learned from a peer: pass on */
	ANNOUNCE_TICK		/* anti-entropy */
};

#define GOSSIP_FANOUT_TICK	4
#define GOSSIP_FANOUT_NEWS	8
#define GOSSIP_JITTER_MS	200
#define GOSSIP_ALIVE_INTERVALS	3
/* nets addresses that no known peer answers from (a broadcast address
 * never does) get a hello every this many ticks once we know enough
 * peers, not every tick: that would be a storm in a large LAN. */
#define GOSSIP_STATIC_EVERY	12

size_t	rules_fanout(enum announce, size_t npeers);
/* Choose k distinct indices below n into out (k <= n); Floyd's
 * algorithm, so every k-subset is as likely. */
void	rules_choose(size_t n, size_t k, size_t *out, rules_rand);
/* Choose k of n like rules_choose, those with behind[i] set first: a
 * hello to a peer whose last announced head is behind ours is one that
 * can make it pull.  After a partition heals, each host's first ticks
 * go across it.  out must have room for k. */
void	rules_choose_behind(size_t n, size_t k, const uint8_t *behind,
	    size_t *out, rules_rand);
int64_t	rules_tick_ms(int64_t gossip_ms, rules_rand);
int	rules_alive(int64_t now_ms, int64_t last_seen_ms, int64_t gossip_ms);
/* A peer unheard of for forget_ms (IS_PEER_FORGET_S, default a day) is
 * forgotten: a lock claim asks every known peer and waits
 * IS_LOCK_WAIT_MS for a silent one, so a host that was retired must not
 * cost every lock that wait (and LOCK_SENDS datagrams) for ever.  A day
 * is far past any partition or maintenance window worth waiting out. */
#define GOSSIP_FORGET_MS	(24LL * 3600 * 1000)
int	rules_forget(int64_t now_ms, int64_t last_seen_ms, int64_t forget_ms);
int	rules_statics_due(uint64_t tick, size_t nreachable);

/* What a peer answers to a lock claim. */
enum claim_answer {
	CLAIM_GRANT,
	CLAIM_DENY_HELD,	/* we know a holder (not the claimant) */
	CLAIM_DENY_AHEAD,	/* our head is past the claim's base */
	CLAIM_DENY_EARLIER,	/* our own claim comes first */
	CLAIM_DENY_RIVAL	/* strict mode: we granted another claim */
};

struct claim_view {
	int		 holder_known;
	int		 holder_is_claimant;
	uint64_t	 head_seq;		/* ours, of the branch */
	uint64_t	 base_seq;		/* the claim's */
	int		 own_claim;		/* we claim the branch too */
	uint64_t	 own_clock;
	const char	*own_host;
	uint64_t	 clock;			/* the claim's */
	const char	*host;
	int		 quorum;		/* IS_LOCK_QUORUM */
	int		 rival_granted;
};

enum claim_answer rules_claim_answer(const struct claim_view *);
/* 1 when we grant an earlier claim while claiming ourselves: we then
 * withdraw ours (Ricart-Agrawala), so two claimants of which only one
 * counts the other as reachable still cannot both win. */
int	rules_claim_yields(const struct claim_view *);
/* (clock, host) order: 1 if the first claim comes before the second. */
int	rules_claim_before(uint64_t, const char *, uint64_t, const char *);

/*
 * Strict mode: a peer that granted a rival answers busy (a DENY naming
 * the rival's claim, CLAIM_DENY_RIVAL), and the claimant does not give
 * up: it counts the busy peer as not (yet) granted and asks it again
 * with its resends to the silent (rules_claim_resend_ms).  The later
 * of two claimants yields on the earlier's claim and sends RELEASE, so
 * its voters are free when the earlier claim asks again, and the
 * earliest claim (rules_claim_before) collects the majority.  Before,
 * a busy DENY ended the claim: with 10,000 voters, claims started
 * within microseconds split the votes and every claimant failed.  1
 * when a DENY (busy: a busy one) ends the claim, 0 when the claimant
 * asks that peer again.
 */
int	rules_claim_deny_ends(int busy, int quorum);

enum claim_state { CLAIM_WAIT, CLAIM_WON, CLAIM_NO_QUORUM };
/* granted of asked peers said yes; known: hosts known (not us);
 * expired: the wait for silent peers is over.  Strict mode wins as soon
 * as a majority granted (a peer grants one claim at a time, so no
 * other claim can hold one), and waits for the busy ones otherwise. */
enum claim_state rules_claim_state(size_t granted, size_t asked,
	    size_t known, int quorum, int expired);

/*
 * Membership (doc/protocol.md, "Membership"): every host tells a peer
 * or two per tick a window of the peers it hears directly, each with
 * its age (how long since this host heard it), in a MEMBERS datagram;
 * the window moves on through the table each time, so every direct
 * peer is told about in turn.  A receiver keeps what it learns as a
 * candidate (never re-advertised: only hosts that answered this host's
 * own challenge are), probes candidates a few per tick with growing
 * intervals, and forgets a record once its age passes forget_ms: ages
 * only grow as records travel, so a dead host is forgotten everywhere
 * and no gossip brings it back.
 */
#define MEMBERS_PER_DGRAM	40	/* records at most in one datagram */
#define MEMBERS_BODY_MAX	1100	/* bytes of records at most */
#define MEMBERS_FANOUT		1	/* peers told a window per tick */
#define MEMBERS_PROBES		4	/* candidates probed per tick */
#define MEMBERS_BACKOFF_MAX	6	/* a probe at most every 64 ticks */
#define MEMBERS_SAVE_MAX	1024	/* peers kept across a restart */

/* 1 if a direct peer last heard at last_seen_ms is advertised (heard
 * within forget_ms). */
int	rules_member_advertise(int64_t now_ms, int64_t last_seen_ms,
	    int64_t forget_ms);
/* 1 if a record of age age_ms is news: not stale, and fresher than the
 * record held (have: one is held, last heard at heard_ms). */
int	rules_member_take(int64_t now_ms, int64_t age_ms, int have,
	    int64_t heard_ms, int64_t forget_ms);
/* The next window of a table of n: up to k positions from *cursor on,
 * wrapping, into out; *cursor moves past them.  The count. */
size_t	rules_members_window(size_t n, size_t *cursor, size_t k,
	    size_t *out);
/* 1 if a candidate probed tries times, last at probed_ms, is due
 * another probe: every tick at first, then every 2^tries ticks up to
 * 2^MEMBERS_BACKOFF_MAX (a host back after a long partition is still
 * found; an address that never answers costs little). */
int	rules_member_probe_due(int64_t now_ms, int64_t probed_ms,
	    unsigned tries, int64_t gossip_ms);

/*
 * Who a claim asks, and how long it waits.  A claim goes once to every
 * known peer (a rival claimant can be any of them, and only claimants
 * that ask each other are sure to find each other), and its answer is
 * the liveness probe: a peer that answers is up, whatever its hellos
 * say.  Peers that have not answered are asked again at W/10, 3W/10
 * and 7W/10 (W: IS_LOCK_WAIT_MS, default LOCK_WAIT_MS), LOCK_SENDS
 * datagrams in all, and at W a peer still silent is taken as down and
 * named to the operator.  So a claim costs each live host one CLAIM
 * and one answer (plus the LOCKED), a down one LOCK_SENDS claims, and
 * nobody a datagram every retry interval for seconds.  W is stretched
 * to twice the slowest answer seen, so that a mesh across slow links
 * does not take its far half for dead.
 */
#define LOCK_WAIT_MS		400
#define LOCK_SENDS		4
/* When (ms after the first) the claim goes out again to the silent
 * peers once it went out sent times; -1: no more. */
int64_t	rules_claim_resend_ms(unsigned sent, int64_t wait_ms);
/* When (ms after the first send) silent peers count as down, given the
 * slowest answer so far (ms after the first send). */
int64_t	rules_claim_deadline_ms(int64_t wait_ms, int64_t slowest_ms);

/*
 * Fetching chunks (fetch.c; bench/simdist runs the same): which peers a
 * fetch connects to, the order in which a host asks for chunks, which
 * chunk goes to which connection and how many are in flight on one,
 * how long a connection rests after its peer lacked a chunk, what a
 * closed connection or a refused chunk gives back, and when the fetch
 * is over.  The caller does the I/O and holds the hashes; chunks and
 * connections are indices here.
 */
#define FETCH_WINDOW		8
#define FETCH_MAX_PEERS		64	/* connections per fetch (tried bits) */
#define FETCH_TICK_MS		20
#define FETCH_STALL_MS		5000
/* A connection whose peer lacked a chunk rests FETCH_REST_MS; one
 * whose peer lacked every chunk still missing rests as long, and then
 * asks for them all again (its peer is probably fetching the same file
 * and has others by then).  Was: 10 ms doubling to 320 ms, and a peer
 * asked again only once every peer lacked every chunk; bench/README has
 * the figures before and after (issue 24). */
#define FETCH_REST_MS		5

enum { FETCH_PENDING, FETCH_INFLIGHT, FETCH_DONE };
enum fetch_verdict { FETCH_GO_ON, FETCH_END };

struct rules_have_ix;

struct rules_fetch_conn {
	int		 open;
	int		 inflight;
	int64_t		 rest_until;	/* ns */
	size_t		 cursor;	/* chunks before it: not for us now */
};

struct rules_fetch {
	size_t			 n;
	size_t			 remaining;	/* not done */
	size_t			 inflight;
	uint8_t			*state;
	uint8_t			*owner;		/* connection asked */
	uint64_t		*tried;		/* connections that lacked it;
						 * NULL until one did */
	struct rules_fetch_conn	 conn[FETCH_MAX_PEERS];
	int			 nconns;
	int			 open;
	int64_t			 progress_at;	/* ns, the last chunk */
	int64_t			 lacked_at;	/* ns, the last NOCHUNK */
	struct rules_have_ix	*hx;		/* rules_have_next's index */
};

/* Which of n pull targets (mesh_targets' order) a fetch connects to:
 * indices into out, at most FETCH_MAX_PEERS; returns how many. */
size_t	rules_fetch_peers(size_t n, size_t *out, rules_rand);
/* The order in which this host asks for n chunks: a permutation of
 * 0..n-1 in order, its own for each host so that hosts fetching at
 * once hold different chunks and serve each other. */
void	rules_fetch_order(size_t n, size_t *order, rules_rand);
void	rules_fetch_init(struct rules_fetch *, size_t n, int64_t now);
void	rules_fetch_free(struct rules_fetch *);
/* A new connection's index, or -1 when FETCH_MAX_PEERS are there. */
int	rules_fetch_conn_add(struct rules_fetch *);
/* The next chunk to ask connection c for (now in flight on it), or -1:
 * its window is full, it rests, it is closed, or nothing is left for
 * it. */
ssize_t	rules_fetch_next(struct rules_fetch *, int c, int64_t now);
void	rules_fetch_got(struct rules_fetch *, int c, size_t i, int64_t now);
/* The peer said NOCHUNK: another connection gets the chunk, this one
 * rests. */
void	rules_fetch_lacked(struct rules_fetch *, int c, size_t i,
	    int64_t now);
/* Connection c's peer announced chunk i (after lacking it, perhaps):
 * rules_have_next may ask it again. */
void	rules_fetch_held(struct rules_fetch *, int c, size_t i);
void	rules_fetch_closed(struct rules_fetch *, int c);
/* FETCH_END when all is here, no connection is left, or nothing came
 * for FETCH_STALL_MS while nothing was in flight or peers said they
 * lacked what we asked; may start a new round (tried[] cleared): when
 * nothing is in flight and every peer lacked every chunk still
 * missing, or no NOCHUNK came for 2 * FETCH_TICK_MS (a tick offered
 * every connection a chunk and none took one: rules_have_next's
 * peers are asked only what they hold, so they may never lack the
 * rest). */
enum fetch_verdict rules_fetch_check(struct rules_fetch *, int64_t now);

/*
 * Rarest first (issue 24): peers tell each other which chunks they hold
 * (a F_BITFIELD answer when a fetching host asks, a F_HAVE per chunk
 * stored after; have.c, doc/protocol.md), and a host asks each
 * connection whose peer announced for the rarest chunk its peer holds
 * (fetch.c; bench/simdist runs the same: 1,000 hosts in 1.16x the bound
 * where rules_fetch_next took 1.88x).  The next chunk to ask connection
 * c for, given holds (a bit per chunk index of r: its peer has it) and
 * avail (per chunk, how many connected peers hold it): the pending one
 * with the least avail (0 counting as 1), ties in this host's order,
 * and not one c's peer lacked (NOCHUNK) since it last announced it
 * (rules_fetch_held) or since the last round of asking every peer
 * again; -1 as rules_fetch_next.  (A peer that did not know a chunk's
 * list is taken to hold it: asked again at once after its NOCHUNK, it
 * took the last chunk from the peers that hold it, tick after tick,
 * until the fetch stalled.)  holds and avail are the caller's and may
 * change as it likes between calls; a call costs a word per 64 chunks
 * plus the pending chunks the peer holds up to the first held by no
 * other peer (an index of the pending chunks in r, built at the first
 * call).
 */
/* A host asking by announcements keeps about HAVE_INFLIGHT chunks in
 * flight in all: HAVE_INFLIGHT over its open connections on each, at
 * least 2 and at most FETCH_WINDOW.  With FETCH_WINDOW on every
 * connection a host with 20 peers queued 160 requests on their
 * uplinks and one with 11 peers 88, so the latter got the smaller
 * share all along and finished last (bench/simdist, 1,000 hosts:
 * 1.31x the bound -> 1.16x; bench/README has the figures). */
#define HAVE_INFLIGHT		48
ssize_t	rules_have_next(struct rules_fetch *, int c, const uint8_t *holds,
	    const uint16_t *avail, int64_t now);

#endif
