/*
 * The mesh's decisions (rules.h).  Nothing here does I/O or reads a
 * clock: callers pass the time and the random source.
 */
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "rules.h"

size_t
rules_fanout(enum announce why, size_t npeers)
{
	size_t	k;

	switch (why) {
	case ANNOUNCE_CHANGE:
		return npeers;
	case ANNOUNCE_NEWS:
		k = GOSSIP_FANOUT_NEWS;
		break;
	default:
		k = GOSSIP_FANOUT_TICK;
		break;
	}
	return k < npeers ? k : npeers;
}

void
rules_choose(size_t n, size_t k, size_t *out, rules_rand rnd)
{
	size_t	i, j, m, got = 0;

	/* Floyd: for j = n-k .. n-1 pick t in [0, j]; take t unless
	 * taken, else j.  k is small (a fan-out): a linear check is
	 * cheaper than a set. */
	for (j = n - k; j < n; j++) {
		size_t t = rnd((uint32_t)(j + 1));
		for (m = 0, i = 0; i < got; i++)
			if (out[i] == t)
				m = 1;
		out[got++] = m ? j : t;
	}
}

void
rules_choose_behind(size_t n, size_t k, const uint8_t *behind, size_t *out,
    rules_rand rnd)
{
	size_t	*idx[2], cnt[2] = { 0, 0 }, i, j, take;

	idx[0] = xcalloc(n ? n : 1, sizeof *idx[0]);	/* behind */
	idx[1] = xcalloc(n ? n : 1, sizeof *idx[1]);	/* the others */
	for (i = 0; i < n; i++) {
		j = behind[i] ? 0 : 1;
		idx[j][cnt[j]++] = i;
	}
	take = k < cnt[0] ? k : cnt[0];
	rules_choose(cnt[0], take, out, rnd);
	for (i = 0; i < take; i++)
		out[i] = idx[0][out[i]];
	if (k > take) {
		rules_choose(cnt[1], k - take, out + take, rnd);
		for (i = take; i < k; i++)
			out[i] = idx[1][out[i]];
	}
	free(idx[0]);
	free(idx[1]);
}

int64_t
rules_tick_ms(int64_t gossip_ms, rules_rand rnd)
{
	/* Jitter keeps a fleet started together from ticking together. */
	return gossip_ms + rnd(GOSSIP_JITTER_MS);
}

int
rules_alive(int64_t now_ms, int64_t last_seen_ms, int64_t gossip_ms)
{
	return now_ms - last_seen_ms < GOSSIP_ALIVE_INTERVALS * gossip_ms;
}

int
rules_forget(int64_t now_ms, int64_t last_seen_ms, int64_t forget_ms)
{
	return now_ms - last_seen_ms > forget_ms;
}

int
rules_statics_due(uint64_t tick, size_t nreachable)
{
	return nreachable < 2 * GOSSIP_FANOUT_TICK ||
	    tick % GOSSIP_STATIC_EVERY == 0;
}

int
rules_claim_before(uint64_t c1, const char *h1, uint64_t c2, const char *h2)
{
	return c1 < c2 || (c1 == c2 && strcmp(h1, h2) < 0);
}

enum claim_answer
rules_claim_answer(const struct claim_view *v)
{
	if (v->holder_known)
		return v->holder_is_claimant ? CLAIM_GRANT : CLAIM_DENY_HELD;
	if (v->head_seq > v->base_seq)
		return CLAIM_DENY_AHEAD;
	if (v->own_claim && rules_claim_before(v->own_clock, v->own_host,
	    v->clock, v->host))
		return CLAIM_DENY_EARLIER;
	if (v->quorum && v->rival_granted)
		return CLAIM_DENY_RIVAL;
	return CLAIM_GRANT;
}

int
rules_claim_yields(const struct claim_view *v)
{
	return v->own_claim && rules_claim_answer(v) == CLAIM_GRANT &&
	    !v->holder_known &&
	    rules_claim_before(v->clock, v->host, v->own_clock, v->own_host);
}

int
rules_claim_deny_ends(int busy, int quorum)
{
	/* Outside strict mode a peer never answers busy. */
	return !(busy && quorum);
}

enum claim_state
rules_claim_state(size_t granted, size_t asked, size_t known, int quorum,
    int expired)
{
	if (quorum) {
		/* A majority of every host we know, ourselves included,
		 * whether or not we could ask them. */
		int majority = (granted + 1) * 2 > known + 1;
		if (majority)
			return CLAIM_WON;
		if (granted == asked || expired)
			return CLAIM_NO_QUORUM;
		return CLAIM_WAIT;
	}
	if (granted == asked || expired)
		return CLAIM_WON;
	return CLAIM_WAIT;
}

int
rules_member_advertise(int64_t now_ms, int64_t last_seen_ms,
    int64_t forget_ms)
{
	return !rules_forget(now_ms, last_seen_ms, forget_ms);
}

int
rules_member_take(int64_t now_ms, int64_t age_ms, int have,
    int64_t heard_ms, int64_t forget_ms)
{
	if (age_ms < 0 || age_ms >= forget_ms)
		return 0;
	return !have || now_ms - age_ms > heard_ms;
}

size_t
rules_members_window(size_t n, size_t *cursor, size_t k, size_t *out)
{
	size_t	i;

	if (k > n)
		k = n;
	for (i = 0; i < k; i++)
		out[i] = (*cursor + i) % n;
	*cursor = n ? (*cursor + k) % n : 0;
	return k;
}

int
rules_member_probe_due(int64_t now_ms, int64_t probed_ms, unsigned tries,
    int64_t gossip_ms)
{
	unsigned	shift = tries < MEMBERS_BACKOFF_MAX ? tries :
			    MEMBERS_BACKOFF_MAX;

	if (tries == 0)
		return 1;
	/* Half an interval of slack: ticks are jittered. */
	return now_ms - probed_ms >= (gossip_ms << shift) - gossip_ms / 2;
}

int64_t
rules_claim_resend_ms(unsigned sent, int64_t wait_ms)
{
	/* Backing off: 1/10, 3/10, 7/10 of the wait, then silence. */
	if (sent == 0 || sent >= LOCK_SENDS)
		return -1;
	return wait_ms * ((1LL << sent) - 1) / 10;
}

int64_t
rules_claim_deadline_ms(int64_t wait_ms, int64_t slowest_ms)
{
	return 2 * slowest_ms > wait_ms ? 2 * slowest_ms : wait_ms;
}

size_t
rules_fetch_peers(size_t n, size_t *out, rules_rand rnd)
{
	size_t	i, k = n < FETCH_MAX_PEERS ? n : FETCH_MAX_PEERS;

	(void)rnd;
	for (i = 0; i < k; i++)		/* the first, in mesh order */
		out[i] = i;
	return k;
}

void
rules_fetch_order(size_t n, size_t *order, rules_rand rnd)
{
	size_t	i, j, t;

	for (i = 0; i < n; i++)
		order[i] = i;
	for (i = n; i > 1; i--) {	/* Fisher-Yates */
		j = rnd((uint32_t)i);
		t = order[i - 1];
		order[i - 1] = order[j];
		order[j] = t;
	}
}

void
rules_fetch_init(struct rules_fetch *r, size_t n, int64_t now)
{
	memset(r, 0, sizeof *r);
	r->n = r->remaining = n;
	r->state = xcalloc(n ? n : 1, sizeof *r->state);
	r->owner = xcalloc(n ? n : 1, sizeof *r->owner);
	r->progress_at = now;
}

void
rules_fetch_free(struct rules_fetch *r)
{
	free(r->state);
	free(r->owner);
	free(r->tried);
	free(r->hx);
	r->state = r->owner = NULL;
	r->tried = NULL;
	r->hx = NULL;
}

int
rules_fetch_conn_add(struct rules_fetch *r)
{
	struct rules_fetch_conn	*fc;

	if (r->nconns == FETCH_MAX_PEERS)
		return -1;
	fc = &r->conn[r->nconns];
	memset(fc, 0, sizeof *fc);
	fc->open = 1;
	r->open++;
	return r->nconns++;
}

static void	have_note(struct rules_fetch *, size_t);

/* Past the chunks connection c cannot ask for now: in flight or done,
 * or lacked by its peer this round.  Only a chunk given back moves the
 * cursor back (fetch_back), so the scans of a fetch are O(n) in all. */
static size_t
fetch_skip(struct rules_fetch *r, int c)
{
	struct rules_fetch_conn	*fc = &r->conn[c];

	while (fc->cursor < r->n && (r->state[fc->cursor] != FETCH_PENDING ||
	    (r->tried != NULL && (r->tried[fc->cursor] & (1ULL << c)))))
		fc->cursor++;
	return fc->cursor;
}

/* Chunk i is now in flight on connection c. */
static ssize_t
fetch_take(struct rules_fetch *r, int c, size_t i)
{
	r->state[i] = FETCH_INFLIGHT;
	have_note(r, i);
	r->owner[i] = (uint8_t)c;
	r->inflight++;
	r->conn[c].inflight++;
	return (ssize_t)i;
}

ssize_t
rules_fetch_next(struct rules_fetch *r, int c, int64_t now)
{
	struct rules_fetch_conn	*fc = &r->conn[c];
	size_t			 i;

	if (!fc->open || now < fc->rest_until || fc->inflight >= FETCH_WINDOW)
		return -1;
	/* The first chunk in this host's order that is free and that
	 * this peer has not lacked. */
	if ((i = fetch_skip(r, c)) == r->n) {
		/* Its peer lacked all we still miss: ask again later. */
		if (r->remaining == r->inflight)
			return -1;
		for (i = 0; r->tried != NULL && i < r->n; i++)
			r->tried[i] &= ~(1ULL << c);
		fc->cursor = 0;
		fc->rest_until = now + FETCH_REST_MS * 1000000LL;
		return -1;
	}
	return fetch_take(r, c, i);
}

/*
 * rules_have_next's index: the pending chunks, a bit each, so that a
 * call reads the peer's bitfield and this a word (64 chunks) at a time
 * and the counts only of the chunks that are both.  Built at the first
 * call from state[], then kept by the functions that change state[].
 * holds and avail are the caller's and change between calls without
 * telling us, so nothing is cached of them: the answer is the one the
 * plain scan over every chunk gives (t/unit/test_rules.c compares
 * them; in bench/simdist that scan was most of a run's time).
 */
struct rules_have_ix {
	size_t		nw;
	uint64_t	pend[];
};

static void
have_note(struct rules_fetch *r, size_t i)
{
	uint64_t	bit = 1ULL << (i & 63);

	if (r->hx == NULL)
		return;
	if (r->state[i] == FETCH_PENDING)
		r->hx->pend[i >> 6] |= bit;
	else
		r->hx->pend[i >> 6] &= ~bit;
}

static struct rules_have_ix *
have_index(struct rules_fetch *r)
{
	size_t	i, nw = (r->n + 63) / 64;

	if (r->hx != NULL)
		return r->hx;
	r->hx = xcalloc(1, sizeof *r->hx + (nw ? nw : 1) * sizeof (uint64_t));
	r->hx->nw = nw;
	for (i = 0; i < r->n; i++)
		have_note(r, i);
	return r->hx;
}

/* Bits w*64 .. w*64+63 of a bitfield of nbytes (bit i&7 of byte i>>3). */
static uint64_t
have_word(const uint8_t *b, size_t w, size_t nbytes)
{
	uint64_t	v = 0;
	size_t		j, o = w * 8, k = nbytes - o < 8 ? nbytes - o : 8;

	if (k == 8) {
		for (j = 0; j < 8; j++)	/* one load, where it can be */
			v |= (uint64_t)b[o + j] << (8 * j);
		return v;
	}
	for (j = 0; j < k; j++)
		v |= (uint64_t)b[o + j] << (8 * j);
	return v;
}

/* How many chunks a connection may have in flight (HAVE_INFLIGHT). */
static int
have_window(const struct rules_fetch *r)
{
	int	w = r->open > 0 ? HAVE_INFLIGHT / r->open : FETCH_WINDOW;

	if (w < 2)
		return 2;
	return w < FETCH_WINDOW ? w : FETCH_WINDOW;
}

ssize_t
rules_have_next(struct rules_fetch *r, int c, const uint8_t *holds,
    const uint16_t *avail, int64_t now)
{
	struct rules_fetch_conn	*fc = &r->conn[c];
	struct rules_have_ix	*hx;
	size_t			 w, i, best = r->n, nbytes = (r->n + 7) / 8;
	unsigned		 key, bestkey = UINT16_MAX + 1;
	uint64_t		 m;

	if (!fc->open || now < fc->rest_until ||
	    fc->inflight >= have_window(r))
		return -1;
	hx = have_index(r);
	/* The first pending chunk its peer holds with the fewest holders,
	 * one holder or none counting as one: none is rarer. */
	for (w = 0; w < hx->nw; w++) {
		if ((m = hx->pend[w]) == 0 ||
		    (m &= have_word(holds, w, nbytes)) == 0)
			continue;
		do {
			i = w * 64 + (size_t)__builtin_ctzll(m);
			m &= m - 1;
			if (r->tried != NULL && (r->tried[i] & (1ULL << c)))
				continue;	/* it lacked it (NOCHUNK) */
			key = avail[i] > 1 ? avail[i] : 1;
			if (key < bestkey) {
				best = i;
				bestkey = key;
				if (key == 1)
					goto out;
			}
		} while (m != 0);
	}
out:
	if (best == r->n)
		return -1;
	return fetch_take(r, c, best);
}

/* Chunk i goes back in the pool, lacked by c if it is lacked.  tried[]
 * is allocated at the first NOCHUNK: a fetch from peers that announce
 * what they hold never has one.  A closed connection's bits are never
 * read (it asks no more, and its index is not reused). */
static void
fetch_back(struct rules_fetch *r, int c, size_t i, int lacked)
{
	int	j;

	r->state[i] = FETCH_PENDING;
	have_note(r, i);
	if (lacked) {
		if (r->tried == NULL)
			r->tried = xcalloc(r->n, sizeof *r->tried);
		r->tried[i] |= 1ULL << c;
	}
	r->inflight--;
	r->conn[c].inflight--;
	for (j = 0; j < r->nconns; j++)
		if ((r->tried == NULL || !(r->tried[i] & (1ULL << j))) &&
		    r->conn[j].cursor > i)
			r->conn[j].cursor = i;
}

void
rules_fetch_got(struct rules_fetch *r, int c, size_t i, int64_t now)
{
	r->state[i] = FETCH_DONE;
	have_note(r, i);
	r->remaining--;
	r->inflight--;
	r->conn[c].inflight--;
	r->conn[c].rest_until = 0;
	r->progress_at = now;
}

void
rules_fetch_lacked(struct rules_fetch *r, int c, size_t i, int64_t now)
{
	struct rules_fetch_conn	*fc = &r->conn[c];

	fetch_back(r, c, i, 1);
	/* It is probably fetching the same file: ask it again soon. */
	fc->rest_until = now + FETCH_REST_MS * 1000000LL;
	r->lacked_at = now;
}

void
rules_fetch_held(struct rules_fetch *r, int c, size_t i)
{
	if (r->tried != NULL)
		r->tried[i] &= ~(1ULL << c);
}

void
rules_fetch_closed(struct rules_fetch *r, int c)
{
	size_t	i;

	if (!r->conn[c].open)
		return;
	r->conn[c].open = 0;
	r->open--;
	for (i = 0; i < r->n && r->conn[c].inflight > 0; i++)
		if (r->state[i] == FETCH_INFLIGHT && r->owner[i] == c)
			fetch_back(r, c, i, 0);
}

enum fetch_verdict
rules_fetch_check(struct rules_fetch *r, int64_t now)
{
	size_t	i;
	int	c;

	if (r->remaining == 0 || r->open == 0)
		return FETCH_END;
	/* Nobody can give us the rest: peers keep saying they lack it. */
	if (now - r->progress_at > FETCH_STALL_MS * 1000000LL &&
	    (r->inflight == 0 || r->lacked_at > r->progress_at))
		return FETCH_END;
	if (r->inflight > 0)
		return FETCH_GO_ON;
	/* A peer that announced its holdings is asked only for those: it
	 * may never lack (nor be asked) a chunk it does not hold.  Once a
	 * tick has offered every connection a chunk since the last NOCHUNK
	 * and none took one, nobody is left to ask either. */
	for (c = 0; c < r->nconns; c++)
		if (r->conn[c].open && fetch_skip(r, c) < r->n &&
		    now - r->lacked_at < 2 * FETCH_TICK_MS * 1000000LL)
			return FETCH_GO_ON;	/* someone to ask yet */
	/* Every peer lacked every chunk still missing it may hold: a new
	 * round. */
	for (i = 0; r->tried != NULL && i < r->n; i++)
		r->tried[i] = 0;
	for (c = 0; c < r->nconns; c++)
		r->conn[c].cursor = 0;
	return FETCH_GO_ON;
}

