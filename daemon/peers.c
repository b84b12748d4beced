/*
 * Peers and gossip.  Peers come from the nets file, from their own
 * hellos, and from other peers' member records (members.c).  A hello
 * carries the sender's branch, applied position (seq and id), the heads
 * of the branches it knows and the locks it knows of.  Hellos go
 * out at start, right after a change (ci, unlock, a new head learned:
 * that is how a ci spreads), and every gossip interval to a few random
 * peers (anti-entropy: a missed push is repaired within an interval).
 * A receiver that sees a head newer than its own pulls the entries.
 */
#include <sys/stat.h>

#include <arpa/inet.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "isconfd.h"
#include "stmtd.h"

/* The peer table's cap (doc/protocol.md): hellos from new hosts are
 * dropped beyond it until forgotten peers make room. */
#define PEERS_MAX		65536

static void
peer_heads_free(struct peer *p)
{
	size_t	i;

	for (i = 0; i < p->nheads; i++)
		free(p->heads[i].branch);
	free(p->heads);
	p->heads = NULL;
	p->nheads = 0;
}

static void
peer_free(struct peer *p)
{
	peer_heads_free(p);
	free(p->host);
	free(p->branch);
	free(p);
}

/*
 * peer_find's index: buckets by a keyed hash of the name.  Whole lists
 * look every issuer of theirs up (stmtlist.c, lockstmt.c), and a key
 * holder can make 65,536 peers with hellos: a walk of the table each
 * made a datagram cost seconds.  The key is random, so that names
 * cannot be chosen to fill one bucket.
 */
#define PEER_BUCKETS		4096

static struct peer **
peer_bucket(struct isconfd *d, const char *host)
{
	uint8_t		h[crypto_shorthash_BYTES];
	uint64_t	v = 0;
	size_t		i;

	if (d->peer_ix == NULL) {
		d->peer_ix = xcalloc(PEER_BUCKETS, sizeof *d->peer_ix);
		randombytes_buf(d->peer_ix_key, sizeof d->peer_ix_key);
	}
	crypto_shorthash(h, (const unsigned char *)host, strlen(host),
	    d->peer_ix_key);
	for (i = 0; i < sizeof h; i++)
		v = v << 8 | h[i];
	return &d->peer_ix[v % PEER_BUCKETS];
}

struct peer *
peer_find(struct isconfd *d, const char *host)
{
	struct peer	*p;

	for (p = *peer_bucket(d, host); p != NULL; p = p->hnext)
		if (strcmp(p->host, host) == 0)
			return p;
	return NULL;
}

void
peer_link(struct isconfd *d, struct peer *p)
{
	struct peer	**b = peer_bucket(d, p->host);

	p->hnext = *b;
	*b = p;
	TAILQ_INSERT_TAIL(&d->peers, p, entry);
	d->npeers++;
}

static void
peer_unlink(struct isconfd *d, struct peer *p)
{
	struct peer	**pp;

	for (pp = peer_bucket(d, p->host); *pp != p; pp = &(*pp)->hnext)
		;
	*pp = p->hnext;
	TAILQ_REMOVE(&d->peers, p, entry);
	d->npeers--;
}

int
peer_reachable(struct isconfd *d, const struct peer *p)
{
	return rules_alive(now_ns() / 1000000, p->last_seen / 1000000,
	    d->gossip_ms);
}

size_t
peers_reachable(struct isconfd *d)
{
	struct peer	*p;
	size_t		 n = 0;

	TAILQ_FOREACH(p, &d->peers, entry)
		n += peer_reachable(d, p);
	return n;
}

static int
hello_head(struct isconfd *d, struct buf *b, const char *branch,
    char **cause)
{
	struct jhead	h;

	if (journal_head(d->journal, branch, &h, cause) == -1)
		return -1;
	buf_add_str(b, branch);
	buf_add_u64(b, h.seq);
	buf_add(b, h.id, HASH_LEN);
	return 0;
}

/*
 * Our branch's head, then those of up to HELLO_MAX_HEADS - 1 others,
 * taken in turn from where the last hello stopped: a host holds more
 * branches than a hello lists (every fork copy and every resolve
 * decision is one), and a branch no hello names never reaches another
 * host.  So each is named within a few hellos.
 */
static int
hello_heads(struct isconfd *d, struct buf *b, char **cause)
{
	char		**names;
	size_t		  n, i, k, start, count = 1;
	int		  rv = 0;

	if (journal_branches(d->journal, &names, &n, cause) == -1)
		return -1;
	for (i = 0; i < n; i++)
		if (strcmp(names[i], d->branch) != 0 && count < HELLO_MAX_HEADS)
			count++;
	buf_add_u32(b, (uint32_t)count);
	if (hello_head(d, b, d->branch, cause) == -1)
		rv = -1;
	start = n > 0 ? d->hello_next % n : 0;
	for (k = 0; rv == 0 && k < n && count > 1; k++) {
		i = (start + k) % n;
		if (strcmp(names[i], d->branch) == 0)
			continue;
		rv = hello_head(d, b, names[i], cause);
		count--;
	}
	if (n > 0)
		d->hello_next = (start + k) % n;
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rv;
}

/* The lock on our branch as we know it (one: hellos stay small). */
static int
hello_lock(struct isconfd *d, struct buf *b, char **cause)
{
	struct jlock	l;
	struct buf	raw;
	uint64_t	e, q;
	int		r;

	if ((r = journal_lock_get(d->journal, d->branch, &l, cause)) != 1) {
		buf_add_u32(b, 0);
		return r;
	}
	/* As its holder signed it; a lock kept without one (recorded
	 * before statements) is not listed. */
	buf_init(&raw);
	/* One that cannot be read sends no hello: without the lock it
	 * would tell every peer the branch is free. */
	if ((r = lockstmt_held(d, d->branch, &l, &raw, &e, &q,
	    cause)) == 1) {
		buf_add_u32(b, 1);
		buf_add_blob(b, raw.data, raw.len);
	} else
		buf_add_u32(b, 0);
	buf_free(&raw);
	jlock_free(&l);
	return r == -1 ? -1 : 0;
}

/*
 * Our hello.  A journal that cannot be read sends none: a hello saying
 * "nothing applied, empty branch" would mislead every peer.  -1 logged.
 */
static int
hello_build(struct isconfd *d, struct buf *b)
{
	uint64_t	 applied;
	struct japplied	 a;
	struct last_up	 u;
	struct skips	 s;
	int		 failed = 0, r;
	char		*cause = NULL;

	memset(&s, 0, sizeof s);
	/* The id of the entry applied last, not only its seq: the hosts
	 * that applied a losing side of a fork are told by it (resolve.c,
	 * diverged_peer). */
	if (journal_applied(d->journal, d->branch, &applied, &cause) == -1 ||
	    journal_applied_get(d->journal, d->branch, applied, &a,
	    &cause) == -1 || skips_taken(d, d->branch, &s, &cause) == -1 ||
	    (r = report_last_up(d, &u, &cause)) == -1)
		goto fail;
	buf_add_str(b, d->branch);
	buf_add_u64(b, applied);
	buf_add(b, a.id, HASH_LEN);
	if (r == 1) {
		failed = strcmp(u.result, "failed") == 0;
		free(u.output);
	}
	buf_add_u64(b, failed ? u.seq : 0);
	buf_add_u32(b, failed ? (uint32_t)u.status : 0);
	buf_add_u32(b, (uint32_t)s.n);
	skips_free(&s);
	if (hello_heads(d, b, &cause) == -1 || hello_lock(d, b, &cause) == -1)
		goto fail;
	lockd_hello_releases(d, b);
	return 0;
fail:
	skips_free(&s);
	log_warnx("gossip: %s; no hello sent this round", cause);
	free(cause);
	return -1;
}

static void
hello_to(struct isconfd *d, const struct sockaddr_in *to)
{
	struct buf	b;

	buf_init(&b);
	if (hello_build(d, &b) == 0)
		net_send(d->net, to, MSG_HELLO, b.data, b.len);
	buf_free(&b);
}

/* Whether a nets address is already a known peer's. */
static int
static_known(struct isconfd *d, size_t i)
{
	struct peer	*p;

	TAILQ_FOREACH(p, &d->peers, entry)
		if (p->addr.sin_addr.s_addr == d->statics[i].sin_addr.s_addr)
			return 1;
	return 0;
}

/* Addresses to pull from: reachable peers, and nets addresses that no
 * known peer answers from (a host just started knows no peers yet). */
size_t
mesh_targets(struct isconfd *d, struct sockaddr_in **out)
{
	struct peer	*p;
	size_t		 n = 0, i;

	*out = xcalloc(d->npeers + d->nstatics + 1, sizeof **out);
	TAILQ_FOREACH(p, &d->peers, entry)
		if (peer_reachable(d, p))
			(*out)[n++] = p->addr;
	for (i = 0; i < d->nstatics; i++) {
		if (!static_known(d, i))
			(*out)[n++] = d->statics[i];
	}
	return n;
}

void
mesh_send_all(struct isconfd *d, uint8_t type, const struct buf *b)
{
	struct peer	*p;
	size_t		 i;

	if (d->net == NULL)
		return;
	TAILQ_FOREACH(p, &d->peers, entry)
		net_send(d->net, &p->addr, type, b->data, b->len);
	for (i = 0; i < d->nstatics; i++) {
		if (!static_known(d, i))
			net_send(d->net, &d->statics[i], type, b->data, b->len);
	}
}

/* 1 when p's last hello showed our branch behind seq. */
static int
peer_behind(struct isconfd *d, const struct peer *p, uint64_t seq)
{
	size_t	i;

	for (i = 0; i < p->nheads; i++)
		if (strcmp(p->heads[i].branch, d->branch) == 0)
			return p->heads[i].seq < seq;
	return 0;
}

/* The hello for why (rules.h): everyone, or a few. */
void
mesh_announce(struct isconfd *d, enum announce why)
{
	struct buf	 b;
	struct jhead	 h;
	struct peer	*p;
	size_t		 i, k, *pick, at = 0;
	uint8_t		*chosen;

	if (d->net == NULL)
		return;
	buf_init(&b);
	if (hello_build(d, &b) == -1 || journal_head(d->journal, d->branch,
	    &h, NULL) == -1) {
		buf_free(&b);
		return;
	}
	k = rules_fanout(why, d->npeers);
	if (k == d->npeers) {
		mesh_send_all(d, MSG_HELLO, &b);
		buf_free(&b);
		return;
	}
	pick = xcalloc(k ? k : 1, sizeof *pick);
	chosen = xcalloc(d->npeers, 1);
	/* Peers that last showed our branch behind our head first. */
	TAILQ_FOREACH(p, &d->peers, entry)
		chosen[at++] = peer_behind(d, p, h.seq);
	rules_choose_behind(d->npeers, k, chosen, pick, randombytes_uniform);
	memset(chosen, 0, d->npeers);
	at = 0;
	for (i = 0; i < k; i++)
		chosen[pick[i]] = 1;
	TAILQ_FOREACH(p, &d->peers, entry)
		if (chosen[at++])
			net_send(d->net, &p->addr, MSG_HELLO, b.data, b.len);
	/* Addresses from nets we have not heard from yet (rarely once
	 * we know enough peers: a broadcast address never answers). */
	if (why != ANNOUNCE_TICK ||
	    rules_statics_due(d->gossip_ticks, peers_reachable(d))) {
		for (i = 0; i < d->nstatics; i++)
			if (!static_known(d, i))
				net_send(d->net, &d->statics[i], MSG_HELLO,
				    b.data, b.len);
	}
	free(chosen);
	free(pick);
	buf_free(&b);
}

/* Compare a peer's head with ours; pull when it has more or differs. */
static void
head_check(struct isconfd *d, struct peer *p, const struct peer_head *ph)
{
	struct jhead	 h;
	struct entry	 e;
	uint64_t	 seq;
	char		*fork, *cause = NULL;
	int		 r;

	if (!name_valid(ph->branch) || ph->seq == 0)
		return;
	if (journal_head(d->journal, ph->branch, &h, &cause) == -1)
		goto fail;
	if (ph->seq > h.seq) {
		sync_branch(d, ph->branch, &p->addr, 0);
		return;
	}
	if ((r = fork_open(d, ph->branch, &fork, &seq, &cause)) == 1)
		free(fork);
	if (r != 0)
		goto fail;
	if ((r = journal_get(d->journal, ph->branch, ph->seq, &e,
	    &cause)) != 1)
		goto fail;
	if (memcmp(e.id, ph->id, HASH_LEN) != 0)
		sync_branch(d, ph->branch, &p->addr, 1);	/* a fork */
	entry_free(&e);
	return;
fail:
	if (cause != NULL)
		log_warnx("gossip: %s; %s's head not compared", cause,
		    p->host);
	free(cause);
}

/* A new peer, or NULL when the table is full (counted). */
static struct peer *
peer_add(struct isconfd *d, const struct net_dgram *g)
{
	struct peer	*p;

	if (d->npeers >= d->max_peers) {
		net_reject(d->net, NET_REJECT_PEERS_FULL, "peer table full "
		    "(%zu hosts): hello from %s dropped", d->max_peers,
		    g->host);
		return NULL;
	}
	p = xcalloc(1, sizeof *p);
	p->host = xstrdup(g->host);
	peer_link(d, p);
	members_peer_added(d, p->host);
	log_info("peer %s at %s", p->host, inet_ntoa(g->from.sin_addr));
	return p;
}

/*
 * A hello.  Only a whole, well-formed one is believed: it alone makes
 * a peer, so junk that passed the HMAC cannot fill the table or count
 * towards IS_LOCK_QUORUM.
 */
static void
hello_recv(struct isconfd *d, const struct net_dgram *g)
{
	struct peer		*p = peer_find(d, g->host);
	struct wire_hello	 h;
	struct jlock		 mine;
	size_t			 i;
	int			 fresh = p == NULL;

	if (wire_hello_decode(g->body, g->len, &h) == -1) {
		net_reject(d->net, NET_REJECT_BODY, "dropped a malformed hello "
		    "from %s (%s)", inet_ntoa(g->from.sin_addr), g->host);
		goto out;
	}
	if (fresh && (p = peer_add(d, g)) == NULL)
		goto out;
	p->addr = g->from;
	p->last_seen = now_ns();
	p->clock_off_ms = g->sent_ms - p->last_seen / 1000000;
	free(p->branch);
	peer_heads_free(p);
	p->branch = h.branch;
	p->applied = h.applied;
	memcpy(p->applied_id, h.applied_id, HASH_LEN);
	p->failed_seq = h.failed_seq;
	p->failed_status = h.failed_status;
	p->skipped = h.skipped;
	p->heads = h.heads;
	p->nheads = h.nheads;
	h.branch = NULL;
	h.heads = NULL;
	h.nheads = 0;
	for (i = 0; i < p->nheads; i++)
		head_check(d, p, &p->heads[i]);
	stmtd_hello(d, p);
	if (h.nolocks) {
		/* The holder says it holds nothing: we missed its release.
		 * Unsigned, that does not clear the lock; our hello listing
		 * it makes the holder send us the release it signed
		 * (lockd_hello_lock). */
		if (journal_lock_get(d->journal, p->branch, &mine,
		    NULL) == 1) {
			if (strcmp(mine.host, p->host) == 0 && !fresh &&
			    strcmp(p->branch, d->branch) == 0)
				hello_to(d, &g->from);
			jlock_free(&mine);
		}
	}
	for (i = 0; i < h.nlocks; i++)
		lockd_hello_lock(d, &h.locks[i], &g->from, p->host);
	for (i = 0; i < h.nreleases; i++)
		lockd_release_heard(d, &h.releases[i], p->host);
	if (fresh) {
		hello_to(d, &g->from);
		members_send(d, &g->from);
	}
out:
	wire_hello_free(&h);
}

/*
 * A peer's address changes only once it has gone quiet at the old one:
 * a key holder sending under its name from elsewhere cannot move where
 * its traffic goes while it is up (net/ already refuses relays).
 */
static int
peer_moved(struct isconfd *d, const struct net_dgram *g)
{
	struct peer	*p = peer_find(d, g->host);
	char		 old[INET_ADDRSTRLEN];

	if (p == NULL || (p->addr.sin_addr.s_addr == g->from.sin_addr.s_addr &&
	    p->addr.sin_port == g->from.sin_port) || !peer_reachable(d, p))
		return 0;
	inet_ntop(AF_INET, &p->addr.sin_addr, old, sizeof old);
	net_reject(d->net, NET_REJECT_MOVED, "dropped a datagram from %s "
	    "(%s): that host is up at %s", inet_ntoa(g->from.sin_addr),
	    g->host, old);
	return 1;
}

/* A sender answered our challenge (net.h): greet it, since the datagram
 * that made us ask was dropped. */
static void
on_fresh(void *arg, const char *host, const struct sockaddr_in *from)
{
	struct isconfd	*d = arg;

	hello_to(d, from);
	stmtd_fresh(d, host);
}

static void
on_dgram(void *arg, const struct net_dgram *g)
{
	struct isconfd	*d = arg;

	if (peer_moved(d, g))
		return;
	if (g->type == MSG_HELLO)
		hello_recv(d, g);
	else if (g->type >= MSG_CLAIM && g->type <= MSG_RELEASE)
		lockd_dgram(d, g);
	else if (g->type == MSG_MEMBERS) {
		if (members_recv(d, g) == 1)
			hello_to(d, &g->from);
	}
	else if (g->type == MSG_STMT || g->type == MSG_STMT_WANT)
		stmtd_dgram(d, g);
	else
		net_reject(d->net, NET_REJECT_TYPE, "dropped a datagram of "
		    "unknown type %u from %s (%s)", g->type,
		    inet_ntoa(g->from.sin_addr), g->host);
}

/* Drop peers unheard of for IS_PEER_FORGET_S (rules_forget says why). */
static void
peers_forget(struct isconfd *d)
{
	struct peer	*p, *next;
	int64_t		 now = now_ns() / 1000000;

	for (p = TAILQ_FIRST(&d->peers); p != NULL; p = next) {
		next = TAILQ_NEXT(p, entry);
		if (!rules_forget(now, p->last_seen / 1000000, d->forget_ms))
			continue;
		log_info("peer %s: not heard from for %lld s, forgotten",
		    p->host, (long long)(d->forget_ms / 1000));
		peer_unlink(d, p);
		peer_free(p);
	}
}

static void
gossip_tick(evutil_socket_t fd, short events, void *arg)
{
	struct isconfd	*d = arg;
	struct timeval	 tv;
	int64_t		 ms;

	(void)fd;
	(void)events;
	peers_forget(d);
	mesh_announce(d, ANNOUNCE_TICK);
	members_tick(d);
	d->gossip_ticks++;
	/* Chunk buffers stay on the heap during transfers (isconfd.c);
	 * give what they left back once a tick, so that an idle daemon
	 * is small again a few seconds after a snap or a fetch. */
	malloc_trim(0);
	ms = rules_tick_ms(d->gossip_ms, randombytes_uniform);
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(d->gossip_ev, &tv);
}

static int
load_statics(struct isconfd *d, char **cause)
{
	struct nets	n;
	size_t		i;

	if (nets_load(d->conf.nets, &n, cause) == -1)
		return -1;
	d->statics = xcalloc(n.n ? n.n : 1, sizeof *d->statics);
	for (i = 0; i < n.n; i++) {
		struct sockaddr_in *s = &d->statics[d->nstatics];
		s->sin_family = AF_INET;
		s->sin_port = htons((uint16_t)d->conf.port);
		if (inet_pton(AF_INET, n.addrs[i], &s->sin_addr) == 1)
			d->nstatics++;
		else
			log_warnx("%s: %s: IPv6 peers are not supported yet",
			    d->conf.nets, n.addrs[i]);
	}
	nets_free(&n);
	return 0;
}

/* Streams: with trusted_keys, only listed host keys may talk to us. */
static int
mesh_trust(void *arg, const uint8_t *pubkey)
{
	struct isconfd	*d = arg;
	struct stat	 sb;
	char		*path, *cause = NULL;
	int		 rv;

	path = path_join(d->conf.home, "conf/trusted_keys");
	rv = stat(path, &sb);
	free(path);
	if (rv == -1)
		return 1;
	rv = hostkey_trusted(d, pubkey, &cause);
	free(cause);
	return rv == 0 ? 0 : -1;
}

int
mesh_open(struct isconfd *d, char **cause)
{
	const char	*v;
	struct timeval	 now = { 0, 0 };

	TAILQ_INIT(&d->peers);
	d->gossip_ms = 5000;
	if ((v = env_get(&d->conf.env, "IS_GOSSIP_MS")) != NULL &&
	    atoi(v) >= 50)
		d->gossip_ms = atoi(v);
	d->forget_ms = GOSSIP_FORGET_MS;
	d->max_peers = PEERS_MAX;
#ifdef ISCONF_CRASH_HOOKS
	/* Tests fill the table without sending 65,536 hellos. */
	if ((v = getenv("ISCONF_MAX_PEERS")) != NULL && atoi(v) > 0)
		d->max_peers = (size_t)atoi(v);
#endif
	if ((v = env_get(&d->conf.env, "IS_PEER_FORGET_S")) != NULL &&
	    atoll(v) > 0)
		d->forget_ms = atoll(v) * 1000;
	d->quorum = env_get(&d->conf.env, "IS_LOCK_QUORUM") != NULL &&
	    *env_get(&d->conf.env, "IS_LOCK_QUORUM") != '\0';
	if (load_statics(d, cause) == -1 || members_open(d, cause) == -1)
		return -1;
	if (netproc_open(d, on_dgram, serve_frame, cause) == -1 ||
	    netkeys_open(d, cause) == -1 ||
	    net_proxy_started(d->net, cause) == -1)
		return -1;
	if (!d->conf.nobroadcast)
		net_broadcast_ok(d->net, 1);
	net_set_identity(d->net, d->pk, d->sk, mesh_trust);
	net_set_fresh_cb(d->net, on_fresh);
	d->gossip_ev = evtimer_new(d->base, gossip_tick, d);
	evtimer_add(d->gossip_ev, &now);
	return 0;
}

void
mesh_close(struct isconfd *d)
{
	struct peer	*p;

	if (d->gossip_ev != NULL)
		event_free(d->gossip_ev);
	members_close(d);
	while ((p = TAILQ_FIRST(&d->peers)) != NULL) {
		peer_unlink(d, p);
		peer_free(p);
	}
	free(d->peer_ix);
	d->peer_ix = NULL;
	net_close(d->net);
	netkeys_close(d);
	d->net = NULL;
	free(d->statics);
}
