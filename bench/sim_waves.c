/*
 * sim waves N cron|cron-sync|arrival MIN [good|bad|one [LOSS [SEED]]]:
 * how long one transaction takes through three canary waves (issue 25;
 * doc/design.md "Canary waves"), each host's up deciding with the
 * daemon's own gate (daemon/waves.c waves_gate, the function upwaves.c
 * calls; t/unit/test_waves checks that both call it).
 *
 * The fleet: N hosts, 1% in wave canary, 10% in early, the rest in
 * rest; MIN is IS_WAVE_MIN, a count ("1", the default) or a percentage
 * ("50%").  Membership has converged (every host is a peer of every
 * other: sim members, bench/README) and every host holds every other's
 * receipt as it was before the transaction.  At t = 0 a transaction
 * (lock 2, one entry 3, ci 4) is checked in; it reaches each host at a
 * random moment within 15 ms (sim prop: 10,000 hosts at 1% loss, all
 * in 15 ms).  Applying it takes 30 to 90 s a host (uniform).
 *
 * Receipts travel as the daemon sends them (stmtd.c, upwaves.c): a
 * host whose position changed tells GOSSIP_FANOUT_TICK random peers a
 * tick (rules_tick_ms, rules_choose over all N - 1), each of which
 * asks it for its receipt (hello, want, answer: three datagrams of
 * sim.c's latency, each lost with LOSS, default 1%); up does not
 * announce.  Before it starts the transaction, up asks up to
 * WAVES_ASK_MAX hosts of the earlier waves whose receipts held do not
 * cover it (waves_to_ask; in its own peer-table order: a random
 * rotation per host), decides again WAVES_ASK_MS later and, held back,
 * ends (status 223).  A failure is news (wavenews.c): the failing host
 * sends its receipt to all N - 1 hosts at once, and a host hearing a
 * failure new to it passes it on to rules_fanout(ANNOUNCE_NEWS) random
 * hosts, at most WAVES_NEWS_PER_S a second (one datagram each, lost
 * with LOSS).  A host of the last wave gates nobody: its receipts are
 * not simulated.
 *
 * up runs from cron every 30 minutes (each host at a uniform random
 * phase, or all at the same moment as dist/isconf.cron's line has
 * them: cron-sync), or on arrival: when the transaction reaches the
 * host and again whenever a receipt says a host of an earlier wave
 * applied it (the only news that can let it through).
 * A bad transaction fails on every host that applies it; one fails on
 * one canary (chosen at random) and succeeds on every other host.
 * Either run lasts FAIL_HORIZON and counts the hosts of each wave that
 * applied it (for bad, any past the canaries make the exit status 1).
 *
 * Left out: a fleet whose membership has not converged (a host that
 * knows no host of an earlier wave waits until it does), the fetch of
 * the transaction's files (part of the apply time here), the cost of
 * signing and verifying, the want's once-a-second bound per host for
 * tick-driven asks, hosts down or partitioned, an up still running
 * when cron fires again, and the daemon's CPU under a burst of wants
 * (most_wants_to_one_host shows the burst).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"
#include "sim.h"
#include "waves.h"

#define CI_SPREAD_US	15000LL
#define APPLY_MIN_US	(30 * 1000000LL)
#define APPLY_SPAN_US	(60 * 1000000LL)
#define CRON_US		(1800 * 1000000LL)
#define GOOD_HORIZON	(24 * 3600 * 1000000LL)
#define FAIL_HORIZON	(2 * 3600 * 1000000LL)
#define NWAVES		3

enum { W_ARRIVE = SIM_EV_OWN, W_CRON, W_AGAIN, W_DONE, W_TICK, W_WANT,
    W_STMT };
/* A receipt's position for this transaction. */
enum { POS_OLD, POS_APPLIED, POS_FAILED };

struct whost {
	uint8_t		 wave;
	uint8_t		 pos;		/* its own receipt */
	uint8_t		 arrived;
	uint8_t		 asking;	/* an up waits for answers */
	uint8_t		 started;	/* applying, or applied */
	int64_t		 start, done;
	uint32_t	 rotation;	/* its peer table's order */
	uint32_t	 wants_in;
	int64_t		 news_sec;	/* news passed on: this second's */
	uint32_t	 news_n;
};

static const char *const wave_names[NWAVES] = { "canary", "early", "rest" };
static const struct wave_txn txn = { wave_names, NWAVES, 2, 4 };

static struct whost	*W;
static uint32_t		 N, G;		/* hosts; those of earlier waves */
static uint32_t		 bound[NWAVES + 1];	/* wave w: bound[w].. */
static uint8_t		*held;		/* N x G: receipts held */
static struct wave_host	*gate_in;	/* G */
static char		 (*names)[12];
static int64_t		 now;
static double		 loss;
static int		 arrival, wave_min, wave_pct;
static int64_t		 cron_phase = -1;	/* cron-sync: every host's */
/* The transaction is good, fails on every host, or on one canary. */
enum { FAIL_NONE, FAIL_ALL, FAIL_ONE };
static int		 fail;
static uint32_t		 failing = UINT32_MAX, done_n;
static uint64_t		 ups, waits, wants, asks, news, dgrams;
static char		 why[256];
static int		 why_failed;

static int
lost(void)
{
	return sim_rand(1u << 30) < loss * (1u << 30);
}

/* Three datagrams' worth of sending: 1 if all arrived, *t their sum. */
static int
exchange(int ndgrams, int64_t *t)
{
	int	i;

	*t = 0;
	for (i = 0; i < ndgrams; i++) {
		dgrams++;
		if (lost())
			return 0;
		*t += sim_oneway();
	}
	return 1;
}

/* The receipt of host i that pos says, into gate_in[i]. */
static const struct wave_host *
held_host(uint32_t i, uint8_t pos)
{
	gate_in[i].applied = pos == POS_APPLIED ? txn.last :
	    pos == POS_FAILED ? txn.first : txn.first - 1;
	gate_in[i].failed_seq = pos == POS_FAILED ? 3 : 0;
	gate_in[i].failed_status = pos == POS_FAILED ? 1 : 0;
	return &gate_in[i];
}

/* What host h's gate sees: the receipts it holds of the hosts of the
 * waves before its own; waves_gate ignores the others, so they are
 * left out (a host of rest would otherwise pass N of them). */
static int
gate(uint32_t h, struct wave_gate *g)
{
	uint32_t	 i, n = bound[W[h].wave];
	const uint8_t	*row = held + (size_t)h * G;

	for (i = 0; i < n; i++)
		held_host(i, row[i]);
	return waves_gate(&txn, wave_names[W[h].wave], gate_in, n, wave_min,
	    wave_pct, g);
}

/* upwaves.c txn_ask: the hosts of earlier waves whose receipts do not
 * cover the transaction, in h's peer order, at most WAVES_ASK_MAX. */
static size_t
ask(uint32_t h)
{
	uint32_t	 n = bound[W[h].wave], i, j;
	const uint8_t	*row = held + (size_t)h * G;
	size_t		 asked = 0;
	int64_t		 t;

	for (i = 0; i < n && asked < WAVES_ASK_MAX; i++) {
		j = (W[h].rotation + i) % n;
		if (!waves_to_ask(&txn, wave_names[W[h].wave],
		    held_host(j, row[j])))
			continue;
		asked++;
		asks++;
		wants++;
		if (exchange(1, &t))
			sim_push(now + t, W_WANT, j, h, 0);
	}
	return asked;
}

static void
apply(uint32_t h)
{
	W[h].started = 1;
	W[h].start = now;
	sim_push(now + APPLY_MIN_US + sim_rand((uint32_t)(APPLY_SPAN_US /
	    1000)) * 1000LL, W_DONE, h, 0, 0);
}

/* up.c up_gate: first is a new decision, else the one after asking. */
static void
up(uint32_t h, int first)
{
	struct wave_gate	g;

	W[h].asking = 0;
	if (W[h].started || !W[h].arrived)
		return;
	if (first)
		ups++;
	if (waves_index(&txn, wave_names[W[h].wave]) == 0) {
		apply(h);
		return;
	}
	/* Go or wait, the first look asks, unless a failure held settles
	 * it (upwaves_check). */
	gate(h, &g);
	if (first && !waves_settled(&g) && ask(h) > 0) {
		W[h].asking = 1;
		sim_push(now + WAVES_ASK_MS * 1000LL, W_AGAIN, h, 0, 0);
		return;
	}
	if (g.go) {
		apply(h);
		return;
	}
	waits++;
	/* The first wait's reason, or the first that names a failure. */
	if (why[0] == '\0' || (g.failed_host != NULL && !why_failed)) {
		waves_why(&txn, &g, why, sizeof why);
		why_failed = g.failed_host != NULL;
	}
}

/* Send host from's receipt (pos) to host to: one datagram. */
static void
news_to(uint32_t to, uint32_t from, uint8_t pos)
{
	int64_t	t;

	news++;
	if (exchange(1, &t))
		sim_push(now + t, W_STMT, to, from, pos);
}

/* rules_choose of a's fanout among h's N - 1 peers, as host numbers
 * into out[64]: how many. */
static size_t
choose(uint32_t h, enum announce a, uint32_t *out)
{
	size_t	k = rules_fanout(a, N - 1), pick[64], i;

	if (k > 64)
		k = 64;
	rules_choose(N - 1, k, pick, sim_rand);
	for (i = 0; i < k; i++)
		out[i] = (uint32_t)pick[i] < h ? (uint32_t)pick[i] :
		    (uint32_t)pick[i] + 1;
	return k;
}

/* wavenews_heard: h took a failure of from new to it; pass it on. */
static void
news_pass(uint32_t h, uint32_t from)
{
	uint32_t	p[64];
	size_t		k, i;

	if (now / 1000000 != W[h].news_sec) {
		W[h].news_sec = now / 1000000;
		W[h].news_n = 0;
	}
	if (W[h].news_n >= WAVES_NEWS_PER_S)
		return;
	W[h].news_n++;
	k = choose(h, ANNOUNCE_NEWS, p);
	for (i = 0; i < k; i++)
		if (p[i] != from)
			news_to(p[i], from, POS_FAILED);
}

static void
on_done(uint32_t h)
{
	uint32_t	p;

	W[h].pos = fail == FAIL_ALL || h == failing ? POS_FAILED :
	    POS_APPLIED;
	W[h].done = now;
	done_n++;
	/* wavenews_own: a failure goes to every peer at once. */
	for (p = 0; W[h].pos == POS_FAILED && p < N; p++)
		if (p != h)
			news_to(p, h, POS_FAILED);
	if (W[h].wave + 1 < NWAVES)	/* its next tick, at its phase */
		sim_push(now + sim_rand(GOSSIP_MS * 1000), W_TICK, h, 0, 0);
}

/* peers.c mesh_announce(ANNOUNCE_TICK); a peer whose held receipt
 * disagrees with the hello asks for it (stmtd_hello). */
static void
on_tick(uint32_t h)
{
	uint32_t	p[64];
	size_t		k = choose(h, ANNOUNCE_TICK, p), i;
	int64_t		t;

	for (i = 0; i < k; i++) {
		if (held[(size_t)p[i] * G + h] == W[h].pos)
			continue;	/* agrees: nothing asked */
		wants++;
		W[h].wants_in++;
		if (exchange(3, &t))
			sim_push(now + t, W_STMT, p[i], h, W[h].pos);
	}
	sim_push(now + rules_tick_ms(GOSSIP_MS, sim_rand) * 1000, W_TICK, h,
	    0, 0);
}

static void
on_stmt(uint32_t h, uint32_t from, uint8_t pos)
{
	uint8_t	*at = held + (size_t)h * G + from;

	if (pos == *at)
		return;
	*at = pos;
	if (pos == POS_FAILED)
		news_pass(h, from);
	/* On arrival: news that can let it through (a failure cannot). */
	if (arrival && pos == POS_APPLIED && !W[h].asking &&
	    W[from].wave < W[h].wave)
		up(h, 1);
}

static void
on_event(const struct ev *e)
{
	int64_t	t;

	switch (e->type) {
	case W_ARRIVE:
		W[e->to].arrived = 1;
		if (arrival)
			up(e->to, 1);
		break;
	case W_CRON:
		if (W[e->to].started)
			break;
		if (!W[e->to].asking)
			up(e->to, 1);
		sim_push(now + CRON_US, W_CRON, e->to, 0, 0);
		break;
	case W_AGAIN:
		up(e->to, 0);
		break;
	case W_DONE:
		on_done(e->to);
		break;
	case W_TICK:
		on_tick(e->to);
		break;
	case W_WANT:	/* stmtd: the answer carries the receipt now */
		W[e->to].wants_in++;
		if (exchange(1, &t))
			sim_push(now + t, W_STMT, e->from, e->to, W[e->to].pos);
		break;
	case W_STMT:
		on_stmt(e->to, e->from, (uint8_t)e->a);
		break;
	}
}

static void
setup(uint32_t n)
{
	uint32_t	h;
	uint8_t		w;

	N = n;
	bound[0] = 0;
	bound[1] = n / 100 > 0 ? n / 100 : 1;
	bound[2] = bound[1] + (n / 10 > 0 ? n / 10 : 1);
	bound[3] = n;
	G = bound[NWAVES - 1];
	W = calloc(n, sizeof *W);
	held = calloc((size_t)n * G, 1);
	gate_in = calloc(G, sizeof *gate_in);
	names = calloc(G, sizeof *names);
	if (W == NULL || held == NULL || gate_in == NULL || names == NULL)
		abort();
	for (h = 0, w = 0; h < n; h++) {
		while (h >= bound[w + 1])
			w++;
		W[h].wave = w;
		W[h].rotation = sim_rand(bound[w] > 0 ? bound[w] : 1);
		if (h < G) {
			snprintf(names[h], sizeof names[h], "h%05u", h);
			gate_in[h].host = names[h];
			gate_in[h].wave = wave_names[w];
		}
		sim_push(sim_rand(CI_SPREAD_US), W_ARRIVE, h, 0, 0);
		if (!arrival)
			sim_push(cron_phase >= 0 ? cron_phase :
			    sim_rand((uint32_t)(CRON_US / 1000)) * 1000LL,
			    W_CRON, h, 0, 0);
	}
}

static double
secs(int64_t t)
{
	return t < 0 ? -1.0 : (double)t / 1e6;
}

static void
report(uint32_t n, const char *trigger, const char *min,
    const char *outcome, int64_t horizon)
{
	int64_t		first[NWAVES], last[NWAVES];
	uint32_t	h, bad[NWAVES] = { 0 }, knew = 0, later = 0, most = 0;
	uint32_t	after = 0;
	uint8_t		w, undone[NWAVES] = { 0 };

	for (w = 0; w < NWAVES; w++)
		first[w] = last[w] = -1;
	for (h = 0; h < n; h++) {
		w = W[h].wave;
		if (W[h].started && (first[w] < 0 || W[h].start < first[w]))
			first[w] = W[h].start;
		if (W[h].pos == POS_OLD)
			undone[w] = 1;
		else if (W[h].done > last[w])
			last[w] = W[h].done;
		bad[w] += W[h].started;
		/* Later hosts that started once the failure was done. */
		after += w > 0 && W[h].started && failing < n &&
		    W[failing].pos == POS_FAILED &&
		    W[h].start >= W[failing].done;
		if (fail != FAIL_NONE && w > 0 && !W[h].started) {
			later++;
			knew += memchr(held + (size_t)h * G, POS_FAILED,
			    bound[1]) != NULL;
		}
		if (W[h].wants_in > most)
			most = W[h].wants_in;
	}
	for (w = 0; w < NWAVES; w++)
		if (undone[w])
			last[w] = -1;
	printf("{\"experiment\": \"waves\", \"hosts\": %u, \"trigger\": "
	    "\"%s\", \"wave_min\": \"%s\", \"transaction\": \"%s\", "
	    "\"loss\": %.2f, \"wave_hosts\": [%u, %u, %u], ", n, trigger, min,
	    outcome, loss,
	    bound[1], bound[2] - bound[1], n - bound[2]);
	printf("\"first_start_s\": [%.1f, %.1f, %.1f], "
	    "\"all_done_s\": [%.1f, %.1f, %.1f], ", secs(first[0]),
	    secs(first[1]), secs(first[2]), secs(last[0]), secs(last[1]),
	    secs(last[2]));
	printf("\"ups_per_host\": %.2f, \"waits\": %llu, "
	    "\"wants_per_host\": %.2f, \"asks_per_host\": %.2f, "
	    "\"news_per_host\": %.2f, \"most_wants_to_one_host\": %u, "
	    "\"datagrams\": %llu", (double)ups / n, (unsigned long long)waits,
	    (double)wants / n, (double)asks / n, (double)news / n, most,
	    (unsigned long long)dgrams);
	if (fail != FAIL_NONE)
		printf(", \"horizon_s\": %.0f, \"applied_bad\": [%u, %u, %u], "
		    "\"later_started_after_failure\": %u, "
		    "\"later_hosts_stopped\": %u, \"of_them_hold_failure\": %u, "
		    "\"why\": \"%s\"", secs(horizon), bad[0], bad[1], bad[2],
		    after, later, knew, why);
	printf("}\n");
}

int
sim_waves(int argc, char **argv)
{
	static const char *const fails[] = { "good", "bad", "one" };
	struct ev	 e;
	uint32_t	 n = (uint32_t)atoi(argv[0]), h, stray = 0;
	const char	*trigger = argv[1], *min = argv[2];
	char		*end;
	int64_t		 horizon;

	for (fail = 0; argc > 3 && fail < 3; fail++)
		if (strcmp(argv[3], fails[fail]) == 0)
			break;
	if (argc <= 3)
		fail = FAIL_NONE;
	loss = argc > 4 ? atof(argv[4]) : 0.01;
	arrival = strcmp(trigger, "arrival") == 0;
	if (strcmp(trigger, "cron-sync") == 0)
		cron_phase = sim_rand((uint32_t)(CRON_US / 1000)) * 1000LL;
	wave_min = (int)strtol(min, &end, 10);
	wave_pct = *end == '%';
	if (n < 3 || (!arrival && cron_phase < 0 &&
	    strcmp(trigger, "cron") != 0) || wave_min < 1 ||
	    (*end != '\0' && strcmp(end, "%") != 0) || fail == 3) {
		fprintf(stderr, "sim waves: HOSTS >= 3; cron, cron-sync or "
		    "arrival; MIN a count or a percentage; good, bad or "
		    "one\n");
		return 2;
	}
	horizon = fail == FAIL_NONE ? GOOD_HORIZON : FAIL_HORIZON;
	setup(n);
	if (fail == FAIL_ONE)
		failing = sim_rand(bound[1]);
	while ((fail != FAIL_NONE || done_n < n) && sim_next(horizon, &e)) {
		now = e.t;
		on_event(&e);
	}
	report(n, trigger, min, fails[fail], horizon);
	for (h = bound[1]; fail == FAIL_ALL && h < n; h++)
		stray += W[h].started;
	return stray > 0;
}
