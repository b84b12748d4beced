/*
 * What the HTTP API shows besides status and hosts: a branch's journal
 * metadata and Prometheus metrics.  Built from the same state as isconf
 * status and log.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isconfd.h"
#include "keepers.h"
#include "stmtd.h"

/* 1 and the entries, 0 if there is no such branch, -1 error. */
int
http_journal(struct isconfd *d, const char *branch, uint64_t after,
    uint64_t limit, struct buf *b, char **cause)
{
	struct entry	 e;
	uint64_t	 seq;
	int		 r;

	if ((r = journal_branch_exists(d->journal, branch, cause)) != 1)
		return r;
	buf_printf(b, "{\"branch\":");
	buf_add_json(b, branch);
	buf_printf(b, ",\"entries\":[");
	for (seq = after + 1; seq <= after + limit && (r = journal_get(
	    d->journal, branch, seq, &e, cause)) == 1; seq++) {
		print_entry(b, &e, 1, seq == after + 1);
		buf_add_u8(b, '}');
		entry_free(&e);
	}
	if (r == -1)
		return -1;
	buf_printf(b, "]}");
	return 1;
}

static void
metric(struct buf *b, const char *name, const char *type, const char *help)
{
	buf_printf(b, "# HELP isconf_%s %s\n# TYPE isconf_%s %s\n", name, help,
	    name, type);
}

/* One counter per gossip message kind and direction (types 1-6). */
static void
by_kind(struct buf *b, const char *name, const uint64_t *in,
    const uint64_t *out)
{
	static const char *kinds[] = { "hello", "claim", "grant", "deny",
	    "locked", "release" };
	size_t	i;

	for (i = 0; i < 6; i++)
		buf_printf(b, "isconf_%s{direction=\"in\",kind=\"%s\"} %llu\n"
		    "isconf_%s{direction=\"out\",kind=\"%s\"} %llu\n", name,
		    kinds[i], (unsigned long long)in[i + 1], name, kinds[i],
		    (unsigned long long)out[i + 1]);
}

static void
in_out(struct buf *b, const char *name, uint64_t in, uint64_t out)
{
	buf_printf(b, "isconf_%s{direction=\"in\"} %llu\n"
	    "isconf_%s{direction=\"out\"} %llu\n", name,
	    (unsigned long long)in, name, (unsigned long long)out);
}

static void
by_reason(struct buf *b, const char *name, const char *const *reasons,
    const uint64_t *x, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		buf_printf(b, "isconf_%s{reason=\"%s\"} %llu\n", name,
		    reasons[i], (unsigned long long)x[i]);
}

/* What /metrics shows, read once; each metric below names its field. */
struct metric_values {
	const char	*branch;
	uint64_t	 applied, replayed, head, lag, failures;
	uint64_t	 peers_known, peers_reachable;
	const uint64_t	*messages[2], *message_bytes[2];  /* in, out; by kind */
	uint64_t	 bytes[2];			/* in, out */
	uint64_t	 dropped[10];	/* as reasons[] in metric_print */
	uint64_t	 auth_failures, cache_chunks, cache_bytes;
	uint64_t	 chunk_bytes[2], chunks[2];	/* fetched, served */
	uint64_t	 lock[2];			/* held, mine */
	uint64_t	 refused;
	uint64_t	 have[7];	/* as d->have */
	uint64_t	 streams_accepted;
	uint64_t	 streams_refused[4];	/* see stream_reasons */
	uint64_t	 http_refused[4];	/* see http_reasons */
	char		**branches;	/* but fork copies and decisions */
	uint64_t	*forked;	/* 1: a fork of it is recorded */
	size_t		 nbranches;
	uint64_t	 sync_refused[REFUSED_NREASONS];
	struct jstaged	*staged;			/* by branch, run */
	size_t		 nstaged;
};

/* How a metric's samples are labelled. */
enum metric_form {
	METRIC_PLAIN,		/* none */
	METRIC_BRANCH,		/* branch */
	METRIC_IN_OUT,		/* direction: two values */
	METRIC_BY_KIND,		/* direction and gossip kind: two arrays */
	METRIC_REASON,		/* why input was dropped: ten values */
	METRIC_LOCK,		/* branch and mine: held and mine */
	METRIC_STREAM_REASON,	/* why a mesh connection was refused */
	METRIC_HTTP_REASON,	/* why an HTTP connection was */
	METRIC_EACH_BRANCH,	/* branch: one per branch */
	METRIC_REFUSED,		/* why a sync run was refused */
	METRIC_STAGED,		/* branch and from: entries, then bytes */
};

/* The mesh connection limits (doc/protocol.md, "TCP streams"). */
static const char *const stream_reasons[] = { "per_address", "full",
    "handshake_timeout", "evicted" };
/* The HTTP connection limits (doc/protocol.md, "Local ports"). */
static const char *const http_reasons[] = { "per_address", "full",
    "header_timeout", "evicted" };

struct metric {
	const char		*name;
	const char		*type;
	const char		*help;
	enum metric_form	 form;
	size_t			 value;	/* its field in struct metric_values */
};

#define MV(f)	offsetof(struct metric_values, f)
static const struct metric metrics[] = {
	{ "entries_applied", "gauge", "Entries of this host's branch "
	    "applied here.", METRIC_BRANCH, MV(applied) },
	{ "entries_replayed_total", "counter", "Entries applied by up since "
	    "the daemon started.", METRIC_PLAIN, MV(replayed) },
	{ "branch_head", "gauge", "The head of this host's branch.",
	    METRIC_BRANCH, MV(head) },
	{ "lag_entries", "gauge", "Entries behind the head.",
	    METRIC_BRANCH, MV(lag) },
	{ "replay_failures_total", "counter", "Replays that stopped at a "
	    "failing entry.", METRIC_PLAIN, MV(failures) },
	{ "peers_known", "gauge", "Peers this host knows.",
	    METRIC_PLAIN, MV(peers_known) },
	{ "peers_reachable", "gauge", "Peers heard from lately.",
	    METRIC_PLAIN, MV(peers_reachable) },
	{ "messages_total", "counter", "Gossip datagrams by kind.",
	    METRIC_BY_KIND, MV(messages) },
	{ "message_bytes_total", "counter", "Gossip bytes of accepted "
	    "datagrams, by kind.", METRIC_BY_KIND, MV(message_bytes) },
	{ "bytes_total", "counter", "All UDP bytes, dropped ones included.",
	    METRIC_IN_OUT, MV(bytes) },
	{ "dropped_total", "counter", "Input dropped, by reason.",
	    METRIC_REASON, MV(dropped) },
	{ "auth_failures_total", "counter", "Input failing authentication.",
	    METRIC_PLAIN, MV(auth_failures) },
	{ "cache_chunks", "gauge", "Chunks in the cache.",
	    METRIC_PLAIN, MV(cache_chunks) },
	{ "cache_bytes", "gauge", "Plain bytes in the cache.",
	    METRIC_PLAIN, MV(cache_bytes) },
	{ "chunk_bytes_total", "counter", "File chunk bytes served to peers "
	    "(out) and fetched from them (in).", METRIC_IN_OUT,
	    MV(chunk_bytes) },
	{ "chunks_total", "counter", "File chunks served to peers (out) and "
	    "fetched from them (in).", METRIC_IN_OUT, MV(chunks) },
	{ "lock_held", "gauge", "1 when the branch is locked; mine=1 when by "
	    "this host.", METRIC_LOCK, MV(lock) },
	{ "peer_refusals_total", "counter", "Streams on which a peer refused "
	    "the entries this host served.", METRIC_PLAIN, MV(refused) },
	{ "have_asked_total", "counter", "Peers asked for their holdings "
	    "of the chunks a fetch needs.", METRIC_PLAIN, MV(have[0]) },
	{ "have_announced_total", "counter", "Of them, peers that announced "
	    "their holdings.", METRIC_PLAIN, MV(have[1]) },
	{ "have_received_total", "counter", "HAVE frames received.",
	    METRIC_PLAIN, MV(have[2]) },
	{ "have_fallback_total", "counter", "Peers asked blind: they knew "
	    "none of the lists, or refused the request.", METRIC_PLAIN,
	    MV(have[3]) },
	{ "have_requests_total", "counter", "Holdings requests this host "
	    "answered.", METRIC_PLAIN, MV(have[4]) },
	{ "have_sent_total", "counter", "HAVE frames sent.",
	    METRIC_PLAIN, MV(have[5]) },
	{ "have_refused_total", "counter", "Malformed or unasked holdings "
	    "frames: the connection was closed.", METRIC_PLAIN, MV(have[6]) },
	{ "streams_accepted_total", "counter", "Mesh TCP connections "
	    "accepted.", METRIC_PLAIN, MV(streams_accepted) },
	{ "streams_refused_total", "counter", "Mesh TCP connections refused "
	    "(per_address, full) or closed before their handshake was done "
	    "(handshake_timeout, evicted), by reason.", METRIC_STREAM_REASON,
	    MV(streams_refused) },
	{ "http_refused_total", "counter", "HTTP connections refused "
	    "(per_address, full) or closed before sending a request "
	    "(header_timeout, evicted), by reason.", METRIC_HTTP_REASON,
	    MV(http_refused) },
	{ "branch_forked", "gauge", "1 when this host knows of a fork of "
	    "the branch that is not resolved.", METRIC_EACH_BRANCH,
	    MV(forked) },
	{ "sync_refused_total", "counter", "Sync runs refused, by reason.",
	    METRIC_REFUSED, MV(sync_refused) },
	{ "staged_entries", "gauge", "Entries received, not yet covered by "
	    "a signature, by branch and source.", METRIC_STAGED, 0 },
	{ "staged_bytes", "gauge", "Their encoded bytes.", METRIC_STAGED, 1 },
};
#undef MV

static void
metric_print(struct buf *b, const struct metric *m,
    const struct metric_values *v)
{
	static const char *const reasons[] = { "malformed", "auth", "domain",
	    "replay", "body", "type", "peers_full", "moved", "unconfirmed",
	    "relayed" };
	const void	*field = (const char *)v + (m->form == METRIC_STAGED ?
			    0 : m->value);
	const uint64_t	*x = field, *const *kind = field;
	size_t		 i;

	metric(b, m->name, m->type, m->help);
	switch (m->form) {
	case METRIC_PLAIN:
		buf_printf(b, "isconf_%s %llu\n", m->name,
		    (unsigned long long)x[0]);
		break;
	case METRIC_BRANCH:
		buf_printf(b, "isconf_%s{branch=\"%s\"} %llu\n", m->name,
		    v->branch, (unsigned long long)x[0]);
		break;
	case METRIC_IN_OUT:
		in_out(b, m->name, x[0], x[1]);
		break;
	case METRIC_BY_KIND:
		by_kind(b, m->name, kind[0], kind[1]);
		break;
	case METRIC_REASON:
		by_reason(b, m->name, reasons, x,
		    sizeof reasons / sizeof reasons[0]);
		break;
	case METRIC_STREAM_REASON:
		by_reason(b, m->name, stream_reasons, x, 4);
		break;
	case METRIC_HTTP_REASON:
		by_reason(b, m->name, http_reasons, x, 4);
		break;
	case METRIC_LOCK:
		buf_printf(b, "isconf_%s{branch=\"%s\",mine=\"%d\"} %d\n",
		    m->name, v->branch, (int)x[1], (int)x[0]);
		break;
	case METRIC_EACH_BRANCH:
		x = *(uint64_t *const *)field;
		for (i = 0; i < v->nbranches; i++)
			buf_printf(b, "isconf_%s{branch=\"%s\"} %llu\n",
			    m->name, v->branches[i], (unsigned long long)x[i]);
		break;
	case METRIC_REFUSED:
		by_reason(b, m->name, sync_refusal_names, x, REFUSED_NREASONS);
		break;
	case METRIC_STAGED:	/* m->value: 0 entries, 1 bytes */
		for (i = 0; i < v->nstaged; i++)
			buf_printf(b, "isconf_%s{branch=\"%s\",from=\"%s\"} "
			    "%llu\n", m->name, v->staged[i].branch,
			    v->staged[i].run, (unsigned long long)(m->value ?
			    v->staged[i].bytes : v->staged[i].n));
		break;
	}
}

/* Fill v from the journal, the cache and the daemon's counters. */
static int
metric_values_read(struct isconfd *d, struct metric_values *v,
    char **cause)
{
	static struct net_stats	 zero;
	struct net_stats	*ns = d->net ? net_stats(d->net) : &zero;
	struct jhead		 h;
	struct jlock		 l;
	int			 held;

	memset(v, 0, sizeof *v);
	if (journal_head(d->journal, d->branch, &h, cause) == -1 ||
	    journal_applied(d->journal, d->branch, &v->applied, cause) == -1 ||
	    cache_stats(d->cache, &v->cache_chunks, &v->cache_bytes,
	    cause) == -1 || journal_stage_list(d->journal, &v->staged,
	    &v->nstaged, cause) == -1 ||
	    (held = journal_lock_get(d->journal, d->branch, &l, cause)) == -1)
		return -1;
	memcpy(v->sync_refused, d->sync_refused, sizeof v->sync_refused);
	if (held) {
		v->lock[0] = 1;
		v->lock[1] = strcmp(l.host, d->conf.hostname) == 0;
		jlock_free(&l);
	}
	v->branch = d->branch;
	v->replayed = d->entries_applied;
	v->head = h.seq;
	v->lag = h.seq - v->applied;
	v->failures = d->replay_failures;
	v->peers_known = d->npeers;
	v->peers_reachable = peers_reachable(d);
	v->messages[0] = ns->type_in;
	v->messages[1] = ns->type_out;
	v->message_bytes[0] = ns->type_bytes_in;
	v->message_bytes[1] = ns->type_bytes_out;
	v->bytes[0] = ns->bytes_in;
	v->bytes[1] = ns->bytes_out;
	v->dropped[0] = ns->drop_malformed;
	v->dropped[1] = v->auth_failures = ns->drop_auth;
	v->dropped[2] = ns->drop_domain;
	v->dropped[3] = ns->drop_replay;
	v->dropped[4] = ns->drop_body;
	v->dropped[5] = ns->drop_type;
	v->dropped[6] = ns->drop_peers_full;
	v->dropped[7] = ns->drop_moved;
	v->dropped[8] = ns->drop_unconfirmed;
	v->dropped[9] = ns->drop_relayed;
	v->chunk_bytes[0] = d->chunk_bytes_fetched;
	v->chunk_bytes[1] = d->chunk_bytes_served;
	v->chunks[0] = d->chunks_fetched;
	v->chunks[1] = d->chunks_served;
	v->refused = d->refused_total;
	v->have[0] = d->have.asked;
	v->have[1] = d->have.announced;
	v->have[2] = d->have.haves_in;
	v->have[3] = d->have.fallback;
	v->have[4] = d->have.requests;
	v->have[5] = d->have.haves_out;
	v->have[6] = d->have.refused;
	v->streams_accepted = ns->tcp_accepted;
	v->streams_refused[0] = ns->tcp_refused_addr;
	v->streams_refused[1] = ns->tcp_refused_full;
	v->streams_refused[2] = ns->tcp_hs_timeout;
	v->streams_refused[3] = ns->tcp_evicted;
	http_stats(d, v->http_refused);
	return 0;
}

/* Every branch but the fork copies and decisions, and whether a fork
 * of it is recorded here and not resolved. */
static int
metric_branches_read(struct isconfd *d, struct metric_values *v,
    char **cause)
{
	char		**names, *origin, *info;
	size_t		  n, i;
	uint64_t	  seq;
	int		  r = 0;

	if (journal_branches(d->journal, &names, &n, cause) == -1)
		return -1;
	v->branches = xcalloc(n + 1, sizeof *v->branches);
	v->forked = xcalloc(n + 1, sizeof *v->forked);
	for (i = 0; i < n; i++) {
		if (r == 0 && strstr(names[i], ".resolve-") == NULL &&
		    (r = branch_origin(d, names[i], &origin,
		    cause)) == 0) {
			if (strcmp(origin, names[i]) == 0 && (r = fork_open(d,
			    names[i], &info, &seq, cause)) != -1) {
				v->forked[v->nbranches] = r;
				v->branches[v->nbranches++] = names[i];
				names[i] = NULL;
				if (r == 1)
					free(info);
				r = 0;
			}
			free(origin);
		}
		free(names[i]);
	}
	free(names);
	return r;
}

static void
metric_values_free(struct metric_values *v)
{
	while (v->nbranches > 0)
		free(v->branches[--v->nbranches]);
	free(v->branches);
	free(v->forked);
	journal_stage_list_free(v->staged, v->nstaged);
}

int
http_metrics(struct isconfd *d, struct buf *b, char **cause)
{
	struct metric_values	v;
	size_t			i;

	if (metric_values_read(d, &v, cause) == -1 ||
	    metric_branches_read(d, &v, cause) == -1) {
		metric_values_free(&v);
		return -1;
	}
	for (i = 0; i < sizeof metrics / sizeof metrics[0]; i++)
		metric_print(b, &metrics[i], &v);
	if (d->members != NULL)
		members_metrics(d, b);
	stmtd_metrics(d, b);
	keepers_metrics(d, b);
	metric_values_free(&v);
	b->len--;	/* http.c ends the last line */
	return 0;
}
