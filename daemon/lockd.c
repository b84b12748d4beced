/*
 * One lock per branch across the mesh.
 *
 * A claim carries the branch, the head it builds on, a Lamport clock and
 * the claimant.  A peer denies it when it knows a holder, when it is
 * further ahead on the branch, or when it has an earlier claim of its
 * own ((clock, host) order); otherwise it grants.  The claimant holds the
 * lock once every peer it could reach has granted.  The answer is the
 * liveness probe: silent peers are asked again with a backoff and taken
 * as down after IS_LOCK_WAIT_MS (rules_claim_resend_ms says when), and
 * the operator is told which.  With IS_LOCK_QUORUM set, a claimant
 * needs grants from a majority of all the hosts it knows, and a peer
 * grants only one claim at a time, so the two sides of a partition
 * cannot both lock; a peer busy with a rival's claim is asked again
 * rather than ending the claim, so the earliest claim still wins when
 * the votes split (rules_claim_deny_ends).  The holder then announces
 * LOCKED, and a host that learns of a new lock passes it on at once (a
 * hello to a few peers, as for new entries); ci and unlock announce
 * RELEASE, passed on the same way and carried in hellos for a while
 * (lockd_hello_releases), so a host that misses every RELEASE still
 * hears of it.  A holder whose lock another host broke remembers by
 * whom, to tell its next verb.
 */
#include <arpa/inet.h>

#include <stdlib.h>
#include <string.h>

#include "isconfd.h"
#include "stmtd.h"

#define GRANT_TTL_NS		(10LL * 1000000000LL)
/* Lock news that is not first-hand (a hello listing a lock) about a
 * lock released this recently is stale: believing it would bring the
 * released lock back, and forwarding would spread it. */
#define RELEASED_TTL_NS		(30LL * 1000000000LL)
/* Silent peers named on the terminal, at most. */
#define SILENT_NAMED		8

struct lock_claim {
	char			*branch;
	char			*host;
	char			*author;
	char			*message;
	uint64_t		 clock;
	uint64_t		 base_seq;
	int64_t			 time;
	/* ours */
	struct buf		 stmt;		/* our signed claim */
	struct client		*c;
	struct entry		*first;		/* after the lock entry */
	struct event		*retry;
	struct event		*deadline;
	char			**asked;
	int			*answer;	/* 0 none, 1 granted, 2 busy */
	size_t			 nasked;
	int64_t			 started;	/* ns, first send */
	int64_t			 wait_ms;	/* IS_LOCK_WAIT_MS */
	int64_t			 slowest_ms;	/* slowest answer */
	unsigned		 sent;		/* times sent to the silent */
	/* granted by us */
	int64_t			 granted_at;
	struct lock_claim	*next;
};

/* A lock we held that another host broke, or one released lately. */
struct lock_note {
	char			*branch;
	char			*host;		/* who broke it / the holder */
	int64_t			 lock_time;	/* released: the lock's time */
	struct buf		 stmt;		/* released: its statement */
	int64_t			 at;		/* ns */
	size_t			 discarded;	/* broken: wip entries */
	struct lock_note	*next;
};

static void
note_free(struct lock_note *n)
{
	free(n->branch);
	free(n->host);
	buf_free(&n->stmt);
	free(n);
}

/* Replace the note on branch in *list (NULL: just drop it). */
static void
note_set(struct lock_note **list, const char *branch, struct lock_note *n)
{
	struct lock_note	**pp = list, *o;

	while ((o = *pp) != NULL) {
		if (strcmp(o->branch, branch) == 0) {
			*pp = o->next;
			note_free(o);
		} else
			pp = &o->next;
	}
	if (n != NULL) {
		n->next = *list;
		*list = n;
	}
}

static struct lock_note *
note_find(struct lock_note *list, const char *branch)
{
	for (; list != NULL; list = list->next)
		if (strcmp(list->branch, branch) == 0)
			return list;
	return NULL;
}

static struct lock_note *
note_new(const char *branch, const char *host, int64_t lock_time)
{
	struct lock_note	*n = xcalloc(1, sizeof *n);

	n->branch = xstrdup(branch);
	n->host = xstrdup(host);
	n->lock_time = lock_time;
	buf_init(&n->stmt);
	n->at = now_ns();
	return n;
}

static void
lock_malformed(struct isconfd *d, const struct net_dgram *g)
{
	net_reject(d->net, NET_REJECT_BODY, "dropped a malformed lock "
	    "message (type %u) from %s (%s)", g->type,
	    inet_ntoa(g->from.sin_addr), g->host);
}

static void
claim_free(struct lock_claim *k)
{
	size_t	i;

	if (k->retry != NULL)
		event_free(k->retry);
	if (k->deadline != NULL)
		event_free(k->deadline);
	for (i = 0; i < k->nasked; i++)
		free(k->asked[i]);
	free(k->asked);
	free(k->answer);
	free(k->branch);
	free(k->host);
	free(k->author);
	free(k->message);
	buf_free(&k->stmt);
	if (k->first != NULL)
		entry_free(k->first);
	free(k->first);
	free(k);
}

/* What our claim k, or the lock it won, says in a statement (strings
 * borrowed). */
static void
claim_stmt(const struct lock_claim *k, struct stmt_lock *sl)
{
	memset(sl, 0, sizeof *sl);
	sl->branch = k->branch;
	sl->clock = k->clock;
	sl->base_seq = k->base_seq;
	sl->author = k->author;
	sl->message = k->message;
	sl->time = k->time;
}

/* A lock message: the statement as a blob. */
static void
stmt_msg(struct buf *b, const struct buf *raw)
{
	buf_init(b);
	buf_add_blob(b, raw->data, raw->len);
}

static void
send_to(struct isconfd *d, const char *host, uint8_t type,
    const struct buf *b)
{
	struct peer	*p = peer_find(d, host);

	if (p != NULL)
		net_send(d->net, &p->addr, type, b->data, b->len);
}

static void
announce_locked(struct isconfd *d, const struct buf *held)
{
	struct buf	b;

	stmt_msg(&b, held);
	mesh_send_all(d, MSG_LOCKED, &b);
	buf_free(&b);
}

/* Sign and send to all the release of holder's lock on branch, held
 * under the statement (e, q) (0: a claim withdrawn); into raw. */
static void
announce_release(struct isconfd *d, const char *branch, const char *holder,
    uint64_t clock, uint64_t e, uint64_t q, struct buf *raw)
{
	struct stmt_lock	l;
	struct buf		b;

	memset(&l, 0, sizeof l);
	l.branch = (char *)branch;
	l.clock = clock;
	l.holder = (char *)holder;
	l.held_epoch = e;
	l.held_seq = q;
	lockstmt_sign(d, STMT_LOCK_RELEASE, &l, raw);
	stmt_msg(&b, raw);
	mesh_send_all(d, MSG_RELEASE, &b);
	buf_free(&b);
}

/* A release we applied, passed on to the fan-out for news (rules.h):
 * the hosts that learned of the lock from us or from others the holder
 * does not know would not hear of its end otherwise (they believe a
 * hello without the lock only from the holder). */
static void
forward_release(struct isconfd *d, const struct buf *raw, const char *holder)
{
	struct peer	*p;
	struct buf	 b;
	size_t		 k = rules_fanout(ANNOUNCE_NEWS, d->npeers), i, at = 0;
	size_t		*pick;
	uint8_t		*chosen;

	if (d->net == NULL || k == 0)
		return;
	pick = xcalloc(k, sizeof *pick);
	chosen = xcalloc(d->npeers, 1);
	rules_choose(d->npeers, k, pick, randombytes_uniform);
	for (i = 0; i < k; i++)
		chosen[pick[i]] = 1;
	stmt_msg(&b, raw);
	/* Never to the holder: it knows its own lock, and may have taken
	 * a new one since, which this RELEASE would break. */
	TAILQ_FOREACH(p, &d->peers, entry)
		if (chosen[at++] && strcmp(p->host, holder) != 0)
			net_send(d->net, &p->addr, MSG_RELEASE, b.data, b.len);
	buf_free(&b);
	free(chosen);
	free(pick);
}

/* The transaction's first entry (lock --skip), or nothing.  If it
 * cannot be journaled, the lock is let go: a lock taken for a skip
 * must not stay without it. */
static int
lock_take_first(struct isconfd *d, struct lock_claim *k, char **cause)
{
	if (k->first == NULL ||
	    journal_wip_add(d->journal, k->branch, k->first, cause) == 0)
		return 0;
	journal_lock_clear(d->journal, k->branch, NULL);
	return -1;
}

/* We hold it: journal the lock entry, tell the client and everyone. */
static void
lock_take(struct client *c, struct lock_claim *k)
{
	struct isconfd		*d = c->d;
	struct jlock		 l;
	struct entry		 e;
	struct stmt_lock	 sl;
	struct buf		 held;
	char			*cause = NULL;

	l.host = k->host;
	l.author = k->author;
	l.message = k->message;
	l.time = k->time;
	l.base_seq = k->base_seq;
	memset(&e, 0, sizeof e);
	e.kind = ENTRY_LOCK;
	e.time = k->time;
	e.host = xstrdup(k->host);
	e.author = xstrdup(k->author);
	e.message = xstrdup(k->message);
	if (journal_lock_set(d->journal, k->branch, &l, &e, &cause) == -1 ||
	    lock_take_first(d, k, &cause) == -1) {
		client_err(c, "%s", cause);
		client_exit(c, 1);
	} else {
		/* What the hosts believe: the held statement, kept for our
		 * hellos. */
		claim_stmt(k, &sl);
		buf_init(&held);
		lockstmt_sign(d, STMT_LOCK_HELD, &sl, &held);
		lockstmt_put(d, k->branch, STMT_LOCK_HELD, held.data, held.len);
		note_set(&d->lock_broken, k->branch, NULL);
		/* Our hellos stop carrying the last release: it could
		 * clear this lock if taken within the same second. */
		note_set(&d->lock_released, k->branch, NULL);
		announce_locked(d, &held);
		buf_free(&held);
		client_info(c, "locked %s: %s", k->branch, k->message);
		log_info("%s@%s locked %s: %s", l.author, l.host, k->branch,
		    l.message);
		client_exit(c, 0);
	}
	entry_free(&e);
	free(cause);
}

static void
claim_end(struct isconfd *d)
{
	struct lock_claim	*k = d->claim;

	d->claim = NULL;
	claim_free(k);
}

static void
claim_fail(struct isconfd *d, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void
claim_fail(struct isconfd *d, int code, const char *fmt, ...)
{
	struct lock_claim	*k = d->claim;
	struct buf		 raw;
	va_list			 ap;
	char			*msg;

	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	client_err(k->c, "%s", msg);
	client_exit(k->c, code);
	/* Let those who granted forget it. */
	buf_init(&raw);
	announce_release(d, k->branch, k->host, k->clock, 0, 0, &raw);
	buf_free(&raw);
	free(msg);
	claim_end(d);
}

static void
claim_won(struct isconfd *d)
{
	lock_take(d->claim->c, d->claim);
	claim_end(d);
}

static size_t
claim_granted(const struct lock_claim *k)
{
	size_t	i, n = 0;

	for (i = 0; i < k->nasked; i++)
		n += k->answer[i] == 1;
	return n;
}

static void
claim_send(struct isconfd *d, int only_silent)
{
	struct lock_claim	*k = d->claim;
	struct buf		 b;
	size_t			 i;

	stmt_msg(&b, &k->stmt);
	/* The busy are asked again too: their rival may have yielded
	 * (rules_claim_deny_ends). */
	for (i = 0; i < k->nasked; i++)
		if (!only_silent || k->answer[i] != 1)
			send_to(d, k->asked[i], MSG_CLAIM, &b);
	buf_free(&b);
}

static int64_t
claim_elapsed_ms(const struct lock_claim *k)
{
	return (now_ns() - k->started) / 1000000;
}

static void
timer_at(struct event *ev, int64_t ms)
{
	struct timeval	tv;

	if (ms < 0)
		ms = 0;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(ev, &tv);
}

/* The next resend to the silent peers, if rules_claim_resend_ms has
 * one. */
static void
claim_schedule(struct lock_claim *k)
{
	int64_t	at = rules_claim_resend_ms(k->sent, k->wait_ms);

	if (at >= 0)
		timer_at(k->retry, at - claim_elapsed_ms(k));
}

static void
claim_retry(evutil_socket_t fd, short events, void *arg)
{
	struct isconfd	*d = arg;

	(void)fd;
	(void)events;
	claim_send(d, 1);
	d->claim->sent++;
	claim_schedule(d->claim);
}

/* Tell the claimant which peers never answered (at most SILENT_NAMED
 * by name), and the log all of them. */
static void
claim_name_silent(struct isconfd *d)
{
	struct lock_claim	*k = d->claim;
	struct buf		 b;
	size_t			 i, n = 0;

	buf_init(&b);
	for (i = 0; i < k->nasked; i++) {
		if (k->answer[i] != 0)
			continue;
		if (n < SILENT_NAMED)
			buf_printf(&b, "%s%s", n ? ", " : "", k->asked[i]);
		n++;
	}
	if (n > SILENT_NAMED)
		buf_printf(&b, " and %zu more", n - SILENT_NAMED);
	buf_add_u8(&b, 0);
	client_hint(k->c, "lock on %s: no answer from %s (%zu of %zu peers, "
	    "taken as down after %lld ms)", k->branch, (char *)b.data, n,
	    k->nasked, (long long)claim_elapsed_ms(k));
	log_warnx("lock on %s: no answer from %s (%zu of %zu peers); taken "
	    "as down", k->branch, (char *)b.data, n, k->nasked);
	buf_free(&b);
}

/* Decide a claim: won, lost for want of a quorum, or wait on. */
static void
claim_settle(struct isconfd *d, int expired)
{
	struct lock_claim	*k = d->claim;
	size_t			 granted = claim_granted(k);

	switch (rules_claim_state(granted, k->nasked, d->npeers, d->quorum,
	    expired)) {
	case CLAIM_WAIT:
		return;
	case CLAIM_NO_QUORUM:
		claim_fail(d, EXIT_LOCKED, "no quorum for the lock on %s: %zu "
		    "of %zu hosts agreed (IS_LOCK_QUORUM is set)", k->branch,
		    granted + 1, d->npeers + 1);
		return;
	case CLAIM_WON:
		if (granted < k->nasked)
			claim_name_silent(d);
		claim_won(d);
		return;
	}
}

/* The wait is over unless a slow answer stretched it
 * (rules_claim_deadline_ms). */
static void
claim_deadline(evutil_socket_t fd, short events, void *arg)
{
	struct isconfd		*d = arg;
	struct lock_claim	*k = d->claim;
	int64_t			 at;

	(void)fd;
	(void)events;
	at = rules_claim_deadline_ms(k->wait_ms, k->slowest_ms);
	if (claim_elapsed_ms(k) < at) {
		timer_at(k->deadline, at - claim_elapsed_ms(k));
		return;
	}
	claim_settle(d, 1);
}

void
lockd_claim(struct client *c, const char *msg, uint64_t base_seq)
{
	lockd_claim_first(c, msg, base_seq, NULL);
}

void
lockd_claim_first(struct client *c, const char *msg, uint64_t base_seq,
    const struct entry *first)
{
	struct isconfd		*d = c->d;
	struct lock_claim	*k = xcalloc(1, sizeof *k);
	struct stmt_lock	 sl;
	struct peer		*p;
	const char		*v;

	k->branch = xstrdup(d->branch);
	k->host = xstrdup(d->conf.hostname);
	k->author = xstrdup(c->req.author);
	k->message = xstrdup(msg);
	k->clock = ++d->lclock;
	k->base_seq = base_seq;
	k->time = now_ns() / 1000000000;
	k->c = c;
	/* Signed once: the resends are the same statement. */
	claim_stmt(k, &sl);
	buf_init(&k->stmt);
	lockstmt_sign(d, STMT_LOCK_CLAIM, &sl, &k->stmt);
	if (first != NULL) {
		k->first = xcalloc(1, sizeof *k->first);
		entry_copy(k->first, first);
	}
	/* Every known peer, not only those heard from lately: in a large
	 * mesh a live peer may not have gossiped to us for a while, and
	 * two claimants that do not ask each other could both win (the
	 * simulation showed it).  Whether a peer is up is what its
	 * answer says (rules.h). */
	TAILQ_FOREACH(p, &d->peers, entry) {
		k->asked = xreallocarray(k->asked, k->nasked + 1,
		    sizeof *k->asked);
		k->asked[k->nasked++] = xstrdup(p->host);
	}
	k->answer = xcalloc(k->nasked ? k->nasked : 1, sizeof *k->answer);
	d->claim = k;
	if (k->nasked == 0) {
		claim_settle(d, 1);
		return;
	}
	k->wait_ms = LOCK_WAIT_MS;
	if ((v = env_get(&d->conf.env, "IS_LOCK_WAIT_MS")) != NULL &&
	    atoi(v) > 0)
		k->wait_ms = atoi(v);
	k->started = now_ns();
	k->retry = evtimer_new(d->base, claim_retry, d);
	k->deadline = evtimer_new(d->base, claim_deadline, d);
	claim_send(d, 0);
	k->sent = 1;
	claim_schedule(k);
	timer_at(k->deadline, k->wait_ms);
}

static void
on_answer(struct isconfd *d, const struct net_dgram *g)
{
	struct lock_claim	*k = d->claim;
	struct wire_answer	 a;
	char			 when[64];
	size_t			 i;

	if (wire_answer_decode(g->type, g->body, g->len, &a) == -1) {
		lock_malformed(d, g);
		return;
	}
	if (k == NULL || strcmp(a.branch, k->branch) != 0 ||
	    a.clock != k->clock || strcmp(a.claimant, k->host) != 0)
		goto out;
	for (i = 0; i < k->nasked; i++)
		if (strcmp(k->asked[i], g->host) == 0)
			break;
	if (claim_elapsed_ms(k) > k->slowest_ms)
		k->slowest_ms = claim_elapsed_ms(k);
	if (g->type == MSG_GRANT) {
		if (i < k->nasked)
			k->answer[i] = 1;
		claim_settle(d, 0);
		goto out;
	}
	if (!rules_claim_deny_ends(a.busy, d->quorum)) {
		if (i < k->nasked && k->answer[i] == 0)
			k->answer[i] = 2;
		goto out;
	}
	fmt_time(when, sizeof when, a.holder.time);
	if (*a.reason != '\0')
		claim_fail(d, EXIT_LOCKED, "lock on %s refused by %s: %s",
		    a.branch, g->host, a.reason);
	else
		claim_fail(d, EXIT_LOCKED, "branch %s is locked by %s@%s since "
		    "%s: %s", a.branch, a.holder.author, a.holder.host, when,
		    a.holder.message);
out:
	wire_answer_free(&a);
}

static void
send_answer(struct isconfd *d, const struct net_dgram *g,
    const struct lock_claim *k, const struct jlock *l, const char *reason)
{
	struct buf	b;

	buf_init(&b);
	buf_add_str(&b, k->branch);
	buf_add_u64(&b, k->clock);
	buf_add_str(&b, g->host);
	if (l != NULL || reason != NULL) {
		buf_add_str(&b, l ? l->host : "");
		buf_add_str(&b, l ? l->author : "");
		buf_add_str(&b, l ? l->message : "");
		buf_add_u64(&b, l ? (uint64_t)l->time : 0);
		buf_add_str(&b, reason ? reason : "");
	}
	net_send(d->net, &g->from, l || reason ? MSG_DENY : MSG_GRANT,
	    b.data, b.len);
	buf_free(&b);
}

/* Forget grants that expired or that this claim replaces. */
static void
grants_prune(struct isconfd *d, const char *branch, const char *host)
{
	struct lock_claim	**pp = &d->granted, *k;
	int64_t			  now = now_ns();

	while ((k = *pp) != NULL) {
		if (now - k->granted_at > GRANT_TTL_NS ||
		    (strcmp(k->branch, branch) == 0 && (host == NULL ||
		    strcmp(k->host, host) == 0))) {
			*pp = k->next;
			claim_free(k);
		} else
			pp = &k->next;
	}
}

/* A rival we granted to, in strict mode; NULL if none. */
static struct lock_claim *
grant_rival(struct isconfd *d, const char *branch, const char *host)
{
	struct lock_claim	*k;

	for (k = d->granted; k != NULL; k = k->next)
		if (strcmp(k->branch, branch) == 0 &&
		    strcmp(k->host, host) != 0)
			return k;
	return NULL;
}

static void
on_claim(struct isconfd *d, const struct net_dgram *g)
{
	struct lock_claim	*k, *mine = d->claim, *rival;
	struct wire_lockstmt	 wc;
	struct jlock		 l, own;
	struct jhead		 h;
	struct claim_view	 v;
	char			 why[128], when[64], *cause = NULL;
	int			 held;

	if (wire_lockstmt_decode(STMT_LOCK_CLAIM, g->body, g->len,
	    &wc) == -1) {
		lock_malformed(d, g);
		return;
	}
	/* Only the claimant's own claim: a claim is never relayed. */
	if (!lockstmt_check(d, &wc, g->host, g->host)) {
		wire_lockstmt_free(&wc);
		return;
	}
	k = xcalloc(1, sizeof *k);
	k->branch = wc.l.branch;
	k->clock = wc.l.clock;
	k->base_seq = wc.l.base_seq;
	k->author = wc.l.author;
	k->message = wc.l.message;
	k->time = wc.l.time;
	k->host = xstrdup(wc.st.issuer);
	memset(&wc.l, 0, sizeof wc.l);
	wire_lockstmt_free(&wc);
	if (k->clock > d->lclock)
		d->lclock = k->clock;
	grants_prune(d, "", NULL);
	/* Unreadable: no answer at all rather than a grant on a guess. */
	if (journal_head(d->journal, k->branch, &h, &cause) == -1 ||
	    (held = journal_lock_get(d->journal, k->branch, &l,
	    &cause)) == -1) {
		log_warnx("claim of %s by %s not answered: %s", k->branch,
		    k->host, cause);
		free(cause);
		claim_free(k);
		return;
	}
	memset(&v, 0, sizeof v);
	if (held) {
		v.holder_known = 1;
		v.holder_is_claimant = strcmp(l.host, k->host) == 0;
	}
	v.head_seq = h.seq;
	v.base_seq = k->base_seq;
	if (mine != NULL && strcmp(mine->branch, k->branch) == 0) {
		v.own_claim = 1;
		v.own_clock = mine->clock;
		v.own_host = mine->host;
	}
	v.clock = k->clock;
	v.host = k->host;
	v.quorum = d->quorum;
	v.rival_granted = grant_rival(d, k->branch, k->host) != NULL;
	switch (rules_claim_answer(&v)) {
	case CLAIM_DENY_HELD:
		send_answer(d, g, k, &l, NULL);
		break;
	case CLAIM_DENY_AHEAD:
		snprintf(why, sizeof why, "%s is at entry %llu, the claim "
		    "builds on %llu (isconf up first)", k->branch,
		    (unsigned long long)h.seq,
		    (unsigned long long)k->base_seq);
		send_answer(d, g, k, NULL, why);
		break;
	case CLAIM_DENY_EARLIER:
		own.host = mine->host;
		own.author = mine->author;
		own.message = mine->message;
		own.time = mine->time;
		send_answer(d, g, k, &own, NULL);
		break;
	case CLAIM_DENY_RIVAL:
		/* Busy: the rival named, and a reason (wire.h). */
		rival = grant_rival(d, k->branch, k->host);
		own.host = rival->host;
		own.author = rival->author;
		own.message = rival->message;
		own.time = rival->time;
		snprintf(why, sizeof why, "granted to %s's claim already",
		    rival->host);
		send_answer(d, g, k, &own, why);
		break;
	case CLAIM_GRANT:
		send_answer(d, g, k, NULL, NULL);
		if (rules_claim_yields(&v)) {
			fmt_time(when, sizeof when, k->time);
			claim_fail(d, EXIT_LOCKED, "branch %s is locked by "
			    "%s@%s since %s: %s (its claim came first)",
			    k->branch, k->author, k->host, when, k->message);
		}
		if (!v.holder_known) {
			grants_prune(d, k->branch, k->host);
			k->granted_at = now_ns();
			k->next = d->granted;
			d->granted = k;
			k = NULL;
		}
		break;
	}
	if (v.holder_known)
		jlock_free(&l);
	if (k != NULL)
		claim_free(k);
}

/* 1 when lock news not from the holder itself is about a lock this
 * host saw released lately (RELEASED_TTL_NS). */
static int
locked_stale(struct isconfd *d, const char *branch, const struct jlock *l)
{
	struct lock_note	*n = note_find(d->lock_released, branch);

	if (n == NULL)
		return 0;
	if (now_ns() - n->at > RELEASED_TTL_NS) {
		note_set(&d->lock_released, branch, NULL);
		return 0;
	}
	return strcmp(n->host, l->host) == 0 && l->time <= n->lock_time;
}

/* The lock held under the statement w, believed (lockstmt_check):
 * recorded unless this host knows better.  from is the host that sent
 * it, first-hand when it is the holder; NULL for a hello's. */
static void
locked_take(struct isconfd *d, const struct wire_lockstmt *w,
    const char *from)
{
	const char	*branch = w->l.branch;
	struct jlock	 cur, l;
	char		*cause = NULL, when[64];
	int		 held;

	memset(&l, 0, sizeof l);
	l.host = w->st.issuer;
	l.author = w->l.author;
	l.message = w->l.message;
	l.time = w->l.time;
	if ((from == NULL || strcmp(from, l.host) != 0) &&
	    locked_stale(d, branch, &l))
		return;

	if ((held = journal_lock_get(d->journal, branch, &cur,
	    &cause)) == -1) {
		log_warnx("lock news on %s skipped: %s", branch, cause);
		free(cause);
		return;
	}
	if (held) {
		int same = strcmp(cur.host, l.host) == 0;
		int mine = strcmp(cur.host, d->conf.hostname) == 0;
		jlock_free(&cur);
		if (same)
			return;
		if (mine) {
			log_warnx("%s also claims the lock on %s that this "
			    "host holds (a partition?)", l.host, branch);
			return;
		}
	}
	if (strcmp(l.host, d->conf.hostname) == 0)
		return;		/* an echo of a lock we no longer hold */
	if (journal_lock_put(d->journal, branch, &l, &cause) == -1) {
		log_warnx("recording the lock on %s: %s", branch, cause);
		free(cause);
		return;
	}
	lockstmt_put(d, branch, STMT_LOCK_HELD, w->st.raw, w->st.rawlen);
	note_set(&d->lock_released, branch, NULL);
	grants_prune(d, branch, NULL);
	/* A claim still waiting for busy peers lost to this one. */
	if (d->claim != NULL && strcmp(d->claim->branch, branch) == 0) {
		fmt_time(when, sizeof when, l.time);
		claim_fail(d, EXIT_LOCKED, "branch %s is locked by %s@%s since "
		    "%s: %s", branch, l.author, l.host, when, l.message);
	}
	/* Pass the news on as new entries are: the holder may not know
	 * every host, and a LOCKED can be lost.  Our hello lists only the
	 * lock on our own branch. */
	if (strcmp(branch, d->branch) == 0)
		mesh_announce(d, ANNOUNCE_NEWS);
}

/* 1 if the release w (holder, held statement) is of the lock cur on
 * branch, held under (e, q): the same holder, and not a newer lock. */
static int
release_covers(const struct wire_lockstmt *w, const char *holder,
    uint64_t e, uint64_t q)
{
	return strcmp(w->l.holder, holder) == 0 &&
	    !stmt_after(e, q, w->l.held_epoch, w->l.held_seq);
}

/* Our lock was broken by host from: count the work thrown away and
 * remember it for the next snap, exec or ci (lockd_broken). */
static void
release_broken(struct isconfd *d, const char *branch, const char *from)
{
	struct lock_note	*n = note_new(branch, from, 0);
	struct entry		*wip;
	size_t			 nwip, i;
	char			*cause = NULL;

	if (journal_wip_list(d->journal, branch, &wip, &nwip, &cause) == 0) {
		for (i = 0; i < nwip; i++)
			n->discarded += wip[i].kind != ENTRY_LOCK;
		journal_entries_free(wip, nwip);
	} else {
		log_warnx("%s", cause);
		free(cause);
	}
	log_warnx("the lock this host held on %s was broken by %s; its "
	    "%zu uncommitted entries are discarded", branch, from,
	    n->discarded);
	note_set(&d->lock_broken, branch, n);
}

/* A release, believed (lockstmt_check), sent or relayed by from: it
 * clears the lock it names on its branch, and is passed on. */
static void
release_take(struct isconfd *d, const struct wire_lockstmt *w,
    const char *from)
{
	const char	*branch = w->l.branch, *holder = w->l.holder;
	struct jlock	 cur;
	struct buf	 raw;
	uint64_t	 e, q;
	char		*cause = NULL;

	(void)from;
	grants_prune(d, branch, holder);
	switch (journal_lock_get(d->journal, branch, &cur, &cause)) {
	case -1:
		log_warnx("release of %s skipped: %s", branch, cause);
		free(cause);
		return;
	case 0:
		return;
	}
	buf_init(&raw);
	/* Unread, the held statement is not "none": any release of the
	 * holder would cover it.  Skipped; hellos carry it again. */
	if (lockstmt_held(d, branch, &cur, &raw, &e, &q, &cause) == -1) {
		log_warnx("release of %s skipped: %s", branch, cause);
		free(cause);
	} else if (strcmp(cur.host, holder) == 0 && release_covers(w, holder,
	    e, q)) {
		/* Broken by whoever signed the release, not by the host
		 * that passed it on. */
		if (strcmp(holder, d->conf.hostname) == 0)
			release_broken(d, branch, w->st.issuer);
		if (journal_lock_clear(d->journal, branch, &cause) == -1) {
			log_warnx("%s", cause);
			free(cause);
		} else {
			lockstmt_cleared(d, holder, e, q);
			lockstmt_put(d, branch, STMT_LOCK_RELEASE, w->st.raw,
			    w->st.rawlen);
			note_set(&d->lock_released, branch,
			    note_new(branch, holder, cur.time));
			buf_add(&d->lock_released->stmt, w->st.raw,
			    w->st.rawlen);
			buf_reset(&raw);
			buf_add(&raw, w->st.raw, w->st.rawlen);
			forward_release(d, &raw, holder);
		}
	}
	buf_free(&raw);
	jlock_free(&cur);
}

int
lockd_broken(struct isconfd *d, const char *branch, char **msg)
{
	struct lock_note	*n = note_find(d->lock_broken, branch);
	char			 when[64];

	if (n == NULL)
		return 0;
	fmt_time(when, sizeof when, n->at / 1000000000);
	xasprintf(msg, "your lock on %s was broken by %s at %s; %zu "
	    "uncommitted %s discarded", branch, n->host, when, n->discarded,
	    n->discarded == 1 ? "entry" : "entries");
	return 1;
}

/* A LOCKED or RELEASE: its statement, believed, taken. */
static void
on_news(struct isconfd *d, const struct net_dgram *g)
{
	struct wire_lockstmt	w;
	uint8_t			kind = g->type == MSG_LOCKED ?
				    STMT_LOCK_HELD : STMT_LOCK_RELEASE;

#ifdef ISCONF_CRASH_HOOKS
	/* Tests: a host every RELEASE misses. */
	if (g->type == MSG_RELEASE && fault_point("release-recv", NULL))
		return;
#endif
	if (wire_lockstmt_decode(kind, g->body, g->len, &w) == -1) {
		lock_malformed(d, g);
		return;
	}
	if (lockstmt_check(d, &w, NULL, g->host)) {
		if (kind == STMT_LOCK_HELD)
			locked_take(d, &w, g->host);
		else
			release_take(d, &w, g->host);
	}
	wire_lockstmt_free(&w);
}

void
lockd_dgram(struct isconfd *d, const struct net_dgram *g)
{
	switch (g->type) {
	case MSG_CLAIM:
		on_claim(d, g);
		break;
	case MSG_GRANT:
	case MSG_DENY:
		on_answer(d, g);
		break;
	case MSG_LOCKED:
	case MSG_RELEASE:
		on_news(d, g);
		break;
	}
}

/* Read before the lock is cleared: a read that fails refuses ci and
 * unlock, the lock kept (isconfd.h). */
int
lockd_release_prepare(struct isconfd *d, const char *branch,
    const struct jlock *l, uint64_t *e, uint64_t *q, char **cause)
{
	struct buf	raw;
	int		r;

	buf_init(&raw);
	r = lockstmt_held(d, branch, l, &raw, e, q, cause);
	buf_free(&raw);
	return r == -1 ? -1 : 0;
}

/*
 * ci and unlock cleared the lock of holder on branch, taken at
 * lock_time under the held statement (e, q): sign its release (of that
 * statement; a break when holder is another host) and send it.
 */
void
lockd_announce_release(struct isconfd *d, const char *branch,
    const char *holder, int64_t lock_time, uint64_t e, uint64_t q)
{
	struct buf		 raw;
	struct lock_note	*n;

	buf_init(&raw);
	announce_release(d, branch, holder, d->lclock, e, q, &raw);
	lockstmt_cleared(d, holder, e, q);
	lockstmt_put(d, branch, STMT_LOCK_RELEASE, raw.data, raw.len);
	/* Our hellos carry it too (lockd_hello_releases). */
	n = note_new(branch, holder, lock_time);
	buf_add(&n->stmt, raw.data, raw.len);
	note_set(&d->lock_released, branch, n);
	buf_free(&raw);
}

/*
 * The releases this host made or applied in the last RELEASED_TTL_NS,
 * newest first, as many as fit (HELLO_MAX_RELEASES, and the hello up to
 * HELLO_RELEASES_UPTO bytes), each as its signer signed it: a host that
 * none of the forwarded RELEASEs reached hears of it from the next
 * hello of any host that did, and each host that clears the lock so
 * carries it on.  Every host clears a lock once, so the news dies out
 * RELEASED_TTL_NS after the last host cleared it.
 */
void
lockd_hello_releases(struct isconfd *d, struct buf *b)
{
	struct lock_note	*n;
	struct buf		 r;
	uint32_t		 k = 0;
	int64_t			 now = now_ns();

	buf_init(&r);
	for (n = d->lock_released; n != NULL && k < HELLO_MAX_RELEASES;
	    n = n->next) {
		if (now - n->at > RELEASED_TTL_NS || n->stmt.len == 0)
			continue;
		if (b->len + 4 + r.len + 4 + n->stmt.len > HELLO_RELEASES_UPTO)
			break;
		buf_add_blob(&r, n->stmt.data, n->stmt.len);
		k++;
	}
	buf_add_u32(b, k);
	buf_add(b, r.data, r.len);
	buf_free(&r);
}

/*
 * A release a peer's hello carried: it clears the lock we know of on
 * the branch when that is the lock it releases.  Never our own lock:
 * that ends by our ci or unlock, or by a RELEASE from the host that
 * broke it.  Checked (a signature) only when it would clear a lock.
 */
void
lockd_release_heard(struct isconfd *d, const struct wire_lockstmt *w,
    const char *from)
{
	struct jlock	 cur;
	struct buf	 raw;
	uint64_t	 e, q;
	char		*cause = NULL;
	int		 match;

	if (strcmp(w->l.holder, d->conf.hostname) == 0)
		return;
	if (journal_lock_get(d->journal, w->l.branch, &cur, NULL) != 1)
		return;
	buf_init(&raw);
	if ((match = lockstmt_held(d, w->l.branch, &cur, &raw, &e, &q,
	    &cause)) == -1) {
		log_warnx("a release of %s heard from %s skipped: %s",
		    w->l.branch, from, cause);
		free(cause);
		match = 0;
	} else
		match = strcmp(cur.host, w->l.holder) == 0 &&
		    release_covers(w, cur.host, e, q);
	buf_free(&raw);
	jlock_free(&cur);
	if (match && lockstmt_check(d, w, NULL, from))
		release_take(d, w, from);
}

/*
 * A lock of ours that a peer's hello still lists but that we no longer
 * hold (its release was lost, or never sent: ci crashed after clearing
 * it): sign its release now, into raw.  1 if signed.
 */
static int
release_own(struct isconfd *d, const struct wire_lockstmt *w,
    struct buf *raw)
{
	struct stmt_lock	 sl;
	struct jlock		 cur;
	uint64_t		 e = 0, q = 0;
	char			*cause = NULL;
	int			 r, ours = 0;

	if (strcmp(w->st.issuer, d->conf.hostname) != 0 ||
	    memcmp(w->st.pk, d->pk, STMT_PK_LEN) != 0 ||
	    stmt_verify(&w->st, d->conf.domain) == -1)
		return 0;
	if ((r = journal_lock_get(d->journal, w->l.branch, &cur,
	    NULL)) == -1)
		return 0;
	if (r == 1) {
		ours = strcmp(cur.host, d->conf.hostname) == 0;
		r = lockstmt_held(d, w->l.branch, &cur, raw, &e, &q, &cause);
		jlock_free(&cur);
		if (r == -1) {
			/* The lock we hold may be the one listed. */
			log_warnx("no release of our lock on %s signed: %s",
			    w->l.branch, cause);
			free(cause);
			buf_reset(raw);
			return 0;
		}
	}
	buf_reset(raw);
	/* The lock we hold now (or one whose statement we lost) stays. */
	if (ours && !stmt_after(e, q, w->st.epoch, w->st.seq))
		return 0;
	memset(&sl, 0, sizeof sl);
	sl.branch = w->l.branch;
	sl.clock = w->l.clock;
	sl.holder = d->conf.hostname;
	sl.held_epoch = w->st.epoch;
	sl.held_seq = w->st.seq;
	lockstmt_sign(d, STMT_LOCK_RELEASE, &sl, raw);
	lockstmt_put(d, w->l.branch, STMT_LOCK_RELEASE, raw->data, raw->len);
	return 1;
}

/*
 * A lock a peer's hello lists (its held statement): recorded if we know
 * of none on its branch; and if it is a lock this host saw released,
 * the release is sent to that peer, which missed it (the holder's
 * hellos no longer clear a lock unsigned); the holder signs one if it
 * has none (release_own).
 */
void
lockd_hello_lock(struct isconfd *d, const struct wire_lockstmt *w,
    const struct sockaddr_in *to, const char *from)
{
	struct wire_lockstmt	 rel;
	struct jlock		 mine;
	struct buf		 raw, b;
	char			*cause = NULL;
	int			 r;

	buf_init(&raw);
	/* Unread, the release kept is not "none": the lock it ended
	 * would be recorded again.  The next hello retries. */
	if ((r = lockstmt_get(d, w->l.branch, STMT_LOCK_RELEASE, &raw,
	    &rel, &cause)) == -1) {
		log_warnx("the lock on %s that %s lists skipped: %s",
		    w->l.branch, from, cause);
		free(cause);
		buf_free(&raw);
		return;
	}
	if (r == 1) {
		r = release_covers(&rel, w->st.issuer, w->st.epoch,
		    w->st.seq);
		wire_lockstmt_free(&rel);
	}
	if (r || release_own(d, w, &raw)) {
		stmt_msg(&b, &raw);
		net_send(d->net, to, MSG_RELEASE, b.data, b.len);
		buf_free(&b);
		buf_free(&raw);
		return;
	}
	buf_free(&raw);
	switch (journal_lock_get(d->journal, w->l.branch, &mine, NULL)) {
	case 1:
		jlock_free(&mine);
		/* FALLTHROUGH */
	case -1:
		return;
	}
	if (lockstmt_check(d, w, NULL, from))
		locked_take(d, w, NULL);
}
