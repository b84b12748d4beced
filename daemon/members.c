/*
 * Membership: every host learns every host of the domain
 * (doc/protocol.md, "Membership").  Each tick a host sends one peer a
 * MEMBERS datagram: a window of the peers it hears directly (a whole
 * hello from a confirmed session made them peers), each with how long
 * ago it last heard them; the window moves on through its table.  A
 * receiver keeps the hosts it did not know as learned records, which
 * are candidates only: it probes them (an empty MEMBERS datagram) a few
 * per tick, and a candidate becomes a peer, and is advertised in turn,
 * only once it has answered net/'s challenge at that address and sent
 * a whole hello.  A record older than IS_PEER_FORGET_S is dropped, and
 * ages only grow as records travel, so a dead host is forgotten
 * everywhere.  The peers and records heard most lately are kept in
 * $IS_HOME/known_peers, so that a restarted host finds the fleet
 * without its nets file.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isconfd.h"
#include "fleet.h"

#define MEMBERS_BUCKETS		4096
#define MEMBERS_FILE		"known_peers"
#define MEMBERS_SAVE_TICKS	12	/* about a minute by default */

enum { DROP_MALFORMED, DROP_STALE, DROP_FULL, DROP_STRANGER, NDROPS };
static const char *const drop_names[NDROPS] = { "malformed", "stale",
    "full", "stranger" };

/* A host learned of, not (yet) heard from directly. */
struct member {
	char			*host;
	struct sockaddr_in	 addr;
	int64_t			 heard_ms;	/* now minus its age, learned */
	int64_t			 probed_ms;
	unsigned		 tries;		/* probes unanswered */
	struct member		*next;		/* hash chain */
	TAILQ_ENTRY(member)	 entry;		/* next to probe first */
};

struct members {
	struct member		*hash[MEMBERS_BUCKETS];
	TAILQ_HEAD(member_list, member) list;
	size_t			 n;
	size_t			 cursor;	/* the window, in d->peers */
	char			*path;
	uint64_t		 ticks;
	uint64_t		 records_in, records_out, probes;
	uint64_t		 drop[NDROPS];
};

static unsigned
member_bucket(const char *host)
{
	uint32_t	x = 5381;

	while (*host)
		x = x * 33 + (unsigned char)*host++;
	return x % MEMBERS_BUCKETS;
}

static struct member *
member_find(struct members *ms, const char *host)
{
	struct member	*m;

	for (m = ms->hash[member_bucket(host)]; m != NULL; m = m->next)
		if (strcmp(m->host, host) == 0)
			return m;
	return NULL;
}

static struct member *
member_add(struct members *ms, const char *host)
{
	struct member	*m = xcalloc(1, sizeof *m);
	unsigned	 b = member_bucket(host);

	m->host = xstrdup(host);
	m->next = ms->hash[b];
	ms->hash[b] = m;
	TAILQ_INSERT_HEAD(&ms->list, m, entry);		/* probed soon */
	ms->n++;
	return m;
}

static void
member_remove(struct members *ms, struct member *m)
{
	struct member	**pp = &ms->hash[member_bucket(m->host)];

	while (*pp != m)
		pp = &(*pp)->next;
	*pp = m->next;
	TAILQ_REMOVE(&ms->list, m, entry);
	ms->n--;
	free(m->host);
	free(m);
}

static void
drop(struct isconfd *d, int why, const struct net_dgram *g)
{
	d->members->drop[why]++;
	if (why == DROP_MALFORMED)
		net_reject(d->net, NET_REJECT_BODY, "dropped malformed member "
		    "records from %s (%s)", inet_ntoa(g->from.sin_addr),
		    g->host);
}

/*
 * A record learned, or -1 when the table is full.  Direct knowledge
 * wins: records of ourselves and of peers are not kept.  A fresher
 * record at another address moves the candidate and probes it anew
 * (the probe rate per tick stays bounded all the same).
 */
static int
member_learn(struct isconfd *d, const char *host,
    const struct sockaddr_in *addr, int64_t heard_ms)
{
	struct members	*ms = d->members;
	struct member	*m;
	int64_t		 now = now_ns() / 1000000;

	if (strcmp(host, d->conf.hostname) == 0 || peer_find(d, host) != NULL)
		return 0;
	m = member_find(ms, host);
	if (!rules_member_take(now, now - heard_ms, m != NULL,
	    m ? m->heard_ms : 0, d->forget_ms))
		return 0;
	if (m == NULL) {
		if (ms->n + d->npeers >= d->max_peers)
			return -1;
		m = member_add(ms, host);
		m->addr = *addr;
	}
	if (m->addr.sin_addr.s_addr != addr->sin_addr.s_addr ||
	    m->addr.sin_port != addr->sin_port) {
		m->addr = *addr;
		m->tries = 0;
	}
	m->heard_ms = heard_ms;
	return 0;
}

int
members_recv(struct isconfd *d, const struct net_dgram *g)
{
	struct wire_member	 rec[MEMBERS_PER_DGRAM];
	struct sockaddr_in	 a;
	int64_t			 now = now_ns() / 1000000, age;
	size_t			 n, i;

	if (wire_members_decode(g->body, g->len, rec, &n) == -1) {
		drop(d, DROP_MALFORMED, g);
		return 0;
	}
	if (n == 0)
		return 1;	/* a probe: greet the prober */
	if (peer_find(d, g->host) == NULL) {
		/* Only a peer's records: its whole hello came first. */
		drop(d, DROP_STRANGER, g);
		return 0;
	}
	for (i = 0; i < n; i++) {
		memset(&a, 0, sizeof a);
		a.sin_family = AF_INET;
		a.sin_addr.s_addr = rec[i].addr;
		a.sin_port = rec[i].port;
		age = (int64_t)rec[i].age_s * 1000;
		d->members->records_in++;
		if (age >= d->forget_ms)
			d->members->drop[DROP_STALE]++;
		else if (member_learn(d, rec[i].host, &a, now - age) == -1)
			d->members->drop[DROP_FULL]++;
	}
	return 0;
}

/* The peers we may advertise: heard directly within IS_PEER_FORGET_S. */
static size_t
members_direct(struct isconfd *d, struct peer ***out)
{
	struct peer	*p;
	size_t		 n = 0;
	int64_t		 now = now_ns() / 1000000;

	*out = xcalloc(d->npeers + 1, sizeof **out);
	TAILQ_FOREACH(p, &d->peers, entry)
		if (rules_member_advertise(now, p->last_seen / 1000000,
		    d->forget_ms))
			(*out)[n++] = p;
	return n;
}

/* A window of our direct peers to one peer (to itself excepted). */
void
members_send(struct isconfd *d, const struct sockaddr_in *to)
{
	struct members		*ms = d->members;
	struct wire_member	 rec[MEMBERS_PER_DGRAM];
	struct peer		**direct, *p;
	struct buf		 b;
	size_t			 n, k, i, at[MEMBERS_PER_DGRAM], bytes = 1;
	int64_t			 now = now_ns() / 1000000, age;

	n = members_direct(d, &direct);
	k = rules_members_window(n, &ms->cursor, MEMBERS_PER_DGRAM, at);
	for (i = 0, n = 0; i < k; i++) {
		p = direct[at[i]];
		if (bytes + wire_member_size(p->host) > MEMBERS_BODY_MAX) {
			ms->cursor = at[i];	/* the rest next time */
			break;
		}
		bytes += wire_member_size(p->host);
		if (p->addr.sin_addr.s_addr == to->sin_addr.s_addr &&
		    p->addr.sin_port == to->sin_port)
			continue;
		memset(&rec[n], 0, sizeof rec[n]);
		xstrlcpy(rec[n].host, p->host, sizeof rec[n].host);
		rec[n].addr = p->addr.sin_addr.s_addr;
		rec[n].port = p->addr.sin_port;
		/* Rounded up: an age never shrinks on its way. */
		age = now - p->last_seen / 1000000;
		rec[n++].age_s = age <= 0 ? 0 : (uint32_t)((age + 999) / 1000);
	}
	free(direct);
	if (n == 0)
		return;
	buf_init(&b);
	wire_members_encode(&b, rec, n);
	net_send(d->net, to, MSG_MEMBERS, b.data, b.len);
	ms->records_out += n;
	buf_free(&b);
}

/* Up to MEMBERS_PROBES candidates that are due, one probe per address;
 * each probed one goes to the back of the line. */
static void
members_probe(struct isconfd *d)
{
	struct members		*ms = d->members;
	struct member		*m, *next, *last = TAILQ_LAST(&ms->list,
				    member_list);
	struct sockaddr_in	 sent[MEMBERS_PROBES];
	size_t			 nsent = 0, i;
	int64_t			 now = now_ns() / 1000000;
	uint8_t			 empty = 0;

	for (m = TAILQ_FIRST(&ms->list); m != NULL && nsent < MEMBERS_PROBES;
	    m = next) {
		next = m == last ? NULL : TAILQ_NEXT(m, entry);
		if (!rules_member_probe_due(now, m->probed_ms, m->tries,
		    d->gossip_ms))
			continue;
		for (i = 0; i < nsent; i++)
			if (sent[i].sin_addr.s_addr ==
			    m->addr.sin_addr.s_addr &&
			    sent[i].sin_port == m->addr.sin_port)
				break;
		if (i == nsent) {
			net_send(d->net, &m->addr, MSG_MEMBERS, &empty, 1);
			sent[nsent++] = m->addr;
			ms->probes++;
		}
		m->probed_ms = now;
		m->tries++;
		TAILQ_REMOVE(&ms->list, m, entry);
		TAILQ_INSERT_TAIL(&ms->list, m, entry);
	}
}

/* Records not heard of for IS_PEER_FORGET_S, by anyone. */
static void
members_forget(struct isconfd *d)
{
	struct members	*ms = d->members;
	struct member	*m, *next;
	int64_t		 now = now_ns() / 1000000;

	for (m = TAILQ_FIRST(&ms->list); m != NULL; m = next) {
		next = TAILQ_NEXT(m, entry);
		if (rules_forget(now, m->heard_ms, d->forget_ms))
			member_remove(ms, m);
	}
}

static void
save_line(struct buf *b, size_t *n, const char *host,
    const struct sockaddr_in *a, long long heard_s)
{
	if ((*n)++ < MEMBERS_SAVE_MAX)
		buf_printf(b, "%s %s %u %lld\n", host, inet_ntoa(a->sin_addr),
		    ntohs(a->sin_port), heard_s);
}

/* known_peers: "HOST ADDRESS PORT LAST-HEARD" (epoch s), the peers
 * first, then the learned records. */
static int
members_save(struct isconfd *d, char **cause)
{
	struct members	*ms = d->members;
	struct peer	*p;
	struct member	*m;
	struct buf	 b;
	size_t		 n = 0;
	int		 rv;

	buf_init(&b);
	TAILQ_FOREACH(p, &d->peers, entry)
		save_line(&b, &n, p->host, &p->addr, p->last_seen / 1000000000);
	TAILQ_FOREACH(m, &ms->list, entry)
		save_line(&b, &n, m->host, &m->addr, m->heard_ms / 1000);
	rv = file_write_atomic(ms->path, b.data, b.len, 0600, cause);
	buf_free(&b);
	return rv;
}

void
members_tick(struct isconfd *d)
{
	struct peer	*p;
	size_t		 pick[MEMBERS_FANOUT], k, i, at = 0;
	char		*cause = NULL;

	members_forget(d);
	k = d->npeers < MEMBERS_FANOUT ? d->npeers : MEMBERS_FANOUT;
	rules_choose(d->npeers, k, pick, randombytes_uniform);
	TAILQ_FOREACH(p, &d->peers, entry) {
		for (i = 0; i < k; i++)
			if (pick[i] == at)
				members_send(d, &p->addr);
		at++;
	}
	members_probe(d);
	if (++d->members->ticks % MEMBERS_SAVE_TICKS == 0 &&
	    members_save(d, &cause) == -1) {
		log_warnx("%s; known peers not saved", cause);
		free(cause);
	}
}

void
members_peer_added(struct isconfd *d, const char *host)
{
	struct member	*m = member_find(d->members, host);

	if (m != NULL)
		member_remove(d->members, m);
}

/* One known_peers line; 0 if it does not parse (skipped). */
static int
members_line(char *line, char **host, struct sockaddr_in *a,
    long long *heard)
{
	char		*addr, *port, *when, *end;
	unsigned long	 pn;

	*host = strtok(line, " ");
	addr = strtok(NULL, " ");
	port = strtok(NULL, " ");
	when = strtok(NULL, " ");
	if (*host == NULL || when == NULL || strtok(NULL, " ") != NULL ||
	    !host_name_valid(*host))
		return 0;
	memset(a, 0, sizeof *a);
	a->sin_family = AF_INET;
	errno = 0;
	pn = strtoul(port, &end, 10);
	if (*end != '\0' || pn == 0 || pn > 65535 ||
	    inet_pton(AF_INET, addr, &a->sin_addr) != 1)
		return 0;
	a->sin_port = htons((uint16_t)pn);
	*heard = strtoll(when, &end, 10);
	return *end == '\0' && errno == 0;
}

static int
members_load(struct isconfd *d, char **cause)
{
	struct sockaddr_in	 a;
	char			*text, *line, *save = NULL, *host;
	long long		 heard;
	size_t			 lineno = 0, n = 0;
	int			 r;

	if ((r = file_read_text(d->members->path, 1 << 20, &text,
	    cause)) != 0)
		return r == 1 ? 0 : -1;
	for (line = strtok_r(text, "\n", &save); line != NULL &&
	    n < MEMBERS_SAVE_MAX; line = strtok_r(NULL, "\n", &save)) {
		lineno++;
		if (!members_line(line, &host, &a, &heard)) {
			log_warnx("%s:%zu: not HOST ADDRESS PORT TIME; "
			    "skipped", d->members->path, lineno);
			continue;
		}
		if (member_learn(d, host, &a, heard * 1000) == 0)
			n++;
	}
	free(text);
	if (n > 0)
		log_info("%zu known peers from %s", n, d->members->path);
	return 0;
}

int
members_open(struct isconfd *d, char **cause)
{
	d->members = xcalloc(1, sizeof *d->members);
	TAILQ_INIT(&d->members->list);
	d->members->path = path_join(d->conf.home, MEMBERS_FILE);
	return members_load(d, cause);
}

void
members_close(struct isconfd *d)
{
	struct members	*ms = d->members;
	char		*cause = NULL;

	if (ms == NULL)
		return;
	if (d->net != NULL && members_save(d, &cause) == -1) {
		log_warnx("%s; known peers not saved", cause);
		free(cause);
	}
	while (!TAILQ_EMPTY(&ms->list))
		member_remove(ms, TAILQ_FIRST(&ms->list));
	free(ms->path);
	free(ms);
	d->members = NULL;
}

/* hosts: the learned records, after this host and its peers, those
 * the view shows. */
void
members_hosts(struct isconfd *d, struct buf *b, int json,
    struct fleet_view *fv)
{
	struct member		*m;
	struct fleet_row	 fr = { .wave = "", .state = FLEET_UNKNOWN };
	int64_t			 now = now_ns() / 1000000;
	double			 ago;

	if (d->members == NULL)
		return;
	TAILQ_FOREACH(m, &d->members->list, entry) {
		fr.host = m->host;
		if (!fleet_view_take(fv, &fr))
			continue;
		ago = (now - m->heard_ms) / 1e3;
		if (!json) {
			buf_printf(b, "%-20s %-16s %8s %8s  %-24s %.0f s ago "
			    "(learned)\n", m->host, "-", "-", "-", "learned",
			    ago);
			continue;
		}
		buf_printf(b, "%s{\"host\":", fleet_view_shown(fv) > 1 ?
		    "," : "");
		buf_add_json(b, m->host);
		buf_printf(b, ",\"branch\":null,\"applied\":null,\"head\":null,"
		    "\"lag\":null,\"last_seen_s\":%.1f,\"reachable\":false,"
		    "\"self\":false,\"direct\":false,\"address\":\"%s:%u\","
		    "\"skipped\":0,\"last_failure\":null,\"fork\":null}", ago,
		    inet_ntoa(m->addr.sin_addr), ntohs(m->addr.sin_port));
	}
}

size_t
members_learned(struct isconfd *d)
{
	return d->members != NULL ? d->members->n : 0;
}

/* status: what membership costs and what it dropped. */
void
members_status(struct isconfd *d, struct buf *b, int json)
{
	struct members	*ms = d->members;
	size_t		 i;

	if (json) {
		buf_printf(b, "\"members\":{\"learned\":%zu,\"records_in\":%llu,"
		    "\"records_out\":%llu,\"probes\":%llu,\"dropped\":{",
		    ms->n, (unsigned long long)ms->records_in,
		    (unsigned long long)ms->records_out,
		    (unsigned long long)ms->probes);
		for (i = 0; i < NDROPS; i++)
			buf_printf(b, "%s\"%s\":%llu", i ? "," : "",
			    drop_names[i], (unsigned long long)ms->drop[i]);
		buf_printf(b, "}},");
		return;
	}
	buf_printf(b, "members:  %zu learned, %llu records in, %llu out, "
	    "%llu probes; dropped", ms->n, (unsigned long long)ms->records_in,
	    (unsigned long long)ms->records_out,
	    (unsigned long long)ms->probes);
	for (i = 0; i < NDROPS; i++)
		buf_printf(b, "%s %llu %s", i ? "," : "",
		    (unsigned long long)ms->drop[i], drop_names[i]);
	buf_add_u8(b, '\n');
}

/* /metrics: the same counters. */
void
members_metrics(struct isconfd *d, struct buf *b)
{
	struct members	*ms = d->members;
	size_t		 i;

	buf_printf(b, "# HELP isconf_members_learned Hosts learned of from "
	    "peers, not heard from directly.\n# TYPE isconf_members_learned "
	    "gauge\nisconf_members_learned %zu\n", ms->n);
	buf_printf(b, "# HELP isconf_member_records_total Member records "
	    "received (in) and sent (out).\n# TYPE isconf_member_records_total"
	    " counter\nisconf_member_records_total{direction=\"in\"} %llu\n"
	    "isconf_member_records_total{direction=\"out\"} %llu\n",
	    (unsigned long long)ms->records_in,
	    (unsigned long long)ms->records_out);
	buf_printf(b, "# HELP isconf_member_probes_total Learned hosts "
	    "probed.\n# TYPE isconf_member_probes_total counter\n"
	    "isconf_member_probes_total %llu\n",
	    (unsigned long long)ms->probes);
	buf_printf(b, "# HELP isconf_member_dropped_total Member records "
	    "dropped, by reason.\n# TYPE isconf_member_dropped_total "
	    "counter\n");
	for (i = 0; i < NDROPS; i++)
		buf_printf(b, "isconf_member_dropped_total{reason=\"%s\"} "
		    "%llu\n", drop_names[i], (unsigned long long)ms->drop[i]);
}
