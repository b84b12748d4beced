/*
 * What the HTTP API shows: the fleet as this host hears it (hosts), a
 * branch's journal metadata, and Prometheus metrics.  Built from the
 * same state as isconf status and log.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isconfd.h"

int	http_metrics(struct isconfd *, struct buf *, char **);
int	http_hosts(struct isconfd *, struct buf *, char **);
int	http_journal(struct isconfd *, const char *, uint64_t, uint64_t,
	    struct buf *, char **);

static void
host_json(struct buf *b, const char *host, const char *branch,
    uint64_t applied, uint64_t head, double seen_ago, int reachable,
    uint64_t failed_seq, uint32_t failed_status, int self)
{
	buf_printf(b, "{\"host\":");
	buf_add_json(b, host);
	buf_printf(b, ",\"branch\":");
	buf_add_json(b, branch);
	buf_printf(b, ",\"applied\":%llu,\"head\":%llu,\"lag\":%llu,"
	    "\"last_seen_s\":%.1f,\"reachable\":%s,\"self\":%s,"
	    "\"last_failure\":", (unsigned long long)applied,
	    (unsigned long long)head, (unsigned long long)(head > applied ?
	    head - applied : 0), seen_ago, reachable ? "true" : "false",
	    self ? "true" : "false");
	if (failed_seq != 0)
		buf_printf(b, "{\"entry\":%llu,\"status\":%u}}",
		    (unsigned long long)failed_seq, failed_status);
	else
		buf_printf(b, "null}");
}

/* The head of a peer's branch: the best of what it and we know. */
static int
peer_head(struct isconfd *d, const struct peer *p, uint64_t *head,
    char **cause)
{
	struct jhead	h;

	if (journal_head(d->journal, p->branch, &h, cause) == -1)
		return -1;
	*head = h.seq;
	if (p->nheads > 0 && strcmp(p->heads[0].branch, p->branch) == 0 &&
	    p->heads[0].seq > *head)
		*head = p->heads[0].seq;
	return 0;
}

int
http_hosts(struct isconfd *d, struct buf *b, char **cause)
{
	struct peer	*p;
	struct jhead	 h;
	struct last_up	 u;
	uint64_t	 applied, fseq = 0, head;
	uint32_t	 fst = 0;
	int64_t		 now = now_ns();
	int		 r;

	if (journal_head(d->journal, d->branch, &h, cause) == -1 ||
	    journal_applied(d->journal, d->branch, &applied, cause) == -1 ||
	    (r = report_last_up(d, &u, cause)) == -1)
		return -1;
	if (r == 1) {
		if (strcmp(u.result, "failed") == 0) {
			fseq = u.seq;
			fst = (uint32_t)u.status;
		}
		free(u.output);
	}
	buf_printf(b, "{\"hosts\":[");
	host_json(b, d->conf.hostname, d->branch, applied, h.seq, 0, 1, fseq,
	    fst, 1);
	TAILQ_FOREACH(p, &d->peers, entry) {
		if (peer_head(d, p, &head, cause) == -1)
			return -1;
		buf_add_u8(b, ',');
		host_json(b, p->host, p->branch, p->applied, head,
		    (now - p->last_seen) / 1e9, peer_reachable(d, p),
		    p->failed_seq, p->failed_status, 0);
	}
	buf_printf(b, "]}");
	return 0;
}

/* isconf hosts: the same data as /api/v1/hosts, as a table. */
void
verb_hosts(struct client *c)
{
	struct isconfd	*d = c->d;
	struct peer	*p;
	struct jhead	 h;
	struct buf	 b;
	uint64_t	 applied, head;
	char		 state[64], *cause = NULL;

	buf_init(&b);
	if (c->req.flags & CTL_F_JSON) {
		if (http_hosts(d, &b, &cause) == -1)
			goto fail;
		goto out;
	}
	if (journal_head(d->journal, d->branch, &h, &cause) == -1 ||
	    journal_applied(d->journal, d->branch, &applied, &cause) == -1)
		goto fail;
	buf_printf(&b, "%-20s %-16s %8s %8s  %-24s %s\n", "HOST", "BRANCH",
	    "APPLIED", "HEAD", "STATE", "SEEN");
	buf_printf(&b, "%-20s %-16s %8llu %8llu  %-24s %s\n", d->conf.hostname,
	    d->branch, (unsigned long long)applied, (unsigned long long)h.seq,
	    applied < h.seq ? "behind" : "up to date", "(this host)");
	TAILQ_FOREACH(p, &d->peers, entry) {
		if (peer_head(d, p, &head, &cause) == -1)
			goto fail;
		if (p->failed_seq != 0)
			snprintf(state, sizeof state, "FAILED at %llu (%u)",
			    (unsigned long long)p->failed_seq, p->failed_status);
		else if (p->applied < head)
			snprintf(state, sizeof state, "behind by %llu",
			    (unsigned long long)(head - p->applied));
		else
			snprintf(state, sizeof state, "up to date");
		buf_printf(&b, "%-20s %-16s %8llu %8llu  %-24s %.0f s ago%s\n",
		    p->host, p->branch, (unsigned long long)p->applied,
		    (unsigned long long)head, state,
		    (now_ns() - p->last_seen) / 1e9,
		    peer_reachable(d, p) ? "" : " (unreachable)");
	}
	b.len--;
out:
	buf_add_u8(&b, 0);
	client_out(c, "%s", (char *)b.data);
	buf_free(&b);
	client_exit(c, 0);
	return;
fail:
	buf_free(&b);
	client_fail(c, cause);
	free(cause);
}

/* 1 and the entries, 0 if there is no such branch, -1 error. */
int
http_journal(struct isconfd *d, const char *branch, uint64_t after,
    uint64_t limit, struct buf *b, char **cause)
{
	struct entry	 e;
	uint64_t	 seq;
	char		 id[13], *detail;
	int		 r;

	if ((r = journal_branch_exists(d->journal, branch, cause)) != 1)
		return r;
	buf_printf(b, "{\"branch\":");
	buf_add_json(b, branch);
	buf_printf(b, ",\"entries\":[");
	for (seq = after + 1; seq <= after + limit && (r = journal_get(
	    d->journal, branch, seq, &e, cause)) == 1; seq++) {
		id_short(id, e.id);
		detail = entry_detail(&e);
		buf_printf(b, "%s{\"seq\":%llu,\"id\":\"%s\",\"kind\":\"%s\","
		    "\"time\":%lld,\"host\":", seq == after + 1 ? "" : ",",
		    (unsigned long long)seq, id, entry_kind_name(e.kind),
		    (long long)e.time);
		buf_add_json(b, e.host);
		buf_printf(b, ",\"author\":");
		buf_add_json(b, e.author);
		buf_printf(b, ",\"message\":");
		buf_add_json(b, e.message);
		buf_printf(b, ",\"detail\":");
		buf_add_json(b, detail);
		buf_add_u8(b, '}');
		free(detail);
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

int
http_metrics(struct isconfd *d, struct buf *b, char **cause)
{
	struct net_stats	*ns, zero;
	struct jhead		 h;
	struct jlock		 l;
	uint64_t		 applied, chunks, bytes;
	int			 held = 0, mine = 0;

	memset(&zero, 0, sizeof zero);
	ns = d->net ? net_stats(d->net) : &zero;
	if (journal_head(d->journal, d->branch, &h, cause) == -1 ||
	    journal_applied(d->journal, d->branch, &applied, cause) == -1 ||
	    cache_stats(d->cache, &chunks, &bytes, cause) == -1 ||
	    (held = journal_lock_get(d->journal, d->branch, &l, cause)) == -1)
		return -1;
	if (held) {
		mine = strcmp(l.host, d->conf.hostname) == 0;
		jlock_free(&l);
	}
	metric(b, "entries_applied", "gauge", "Entries of this host's "
	    "branch applied here.");
	buf_printf(b, "isconf_entries_applied{branch=\"%s\"} %llu\n",
	    d->branch, (unsigned long long)applied);
	metric(b, "entries_replayed_total", "counter", "Entries applied by "
	    "up since the daemon started.");
	buf_printf(b, "isconf_entries_replayed_total %llu\n",
	    (unsigned long long)d->entries_applied);
	metric(b, "branch_head", "gauge", "The head of this host's branch.");
	buf_printf(b, "isconf_branch_head{branch=\"%s\"} %llu\n", d->branch,
	    (unsigned long long)h.seq);
	metric(b, "lag_entries", "gauge", "Entries behind the head.");
	buf_printf(b, "isconf_lag_entries{branch=\"%s\"} %llu\n", d->branch,
	    (unsigned long long)(h.seq - applied));
	metric(b, "replay_failures_total", "counter", "Replays that stopped "
	    "at a failing entry.");
	buf_printf(b, "isconf_replay_failures_total %llu\n",
	    (unsigned long long)d->replay_failures);
	metric(b, "peers_known", "gauge", "Peers this host knows.");
	buf_printf(b, "isconf_peers_known %zu\n", d->npeers);
	metric(b, "peers_reachable", "gauge", "Peers heard from lately.");
	buf_printf(b, "isconf_peers_reachable %zu\n", peers_reachable(d));
	metric(b, "messages_total", "counter", "Gossip datagrams by kind.");
	by_kind(b, "messages_total", ns->type_in, ns->type_out);
	metric(b, "message_bytes_total", "counter", "Gossip bytes of "
	    "accepted datagrams, by kind.");
	by_kind(b, "message_bytes_total", ns->type_bytes_in,
	    ns->type_bytes_out);
	metric(b, "bytes_total", "counter", "All UDP bytes, dropped ones "
	    "included.");
	in_out(b, "bytes_total", ns->bytes_in, ns->bytes_out);
	metric(b, "dropped_total", "counter", "Input dropped, by reason.");
	buf_printf(b, "isconf_dropped_total{reason=\"malformed\"} %llu\n"
	    "isconf_dropped_total{reason=\"auth\"} %llu\n"
	    "isconf_dropped_total{reason=\"domain\"} %llu\n"
	    "isconf_dropped_total{reason=\"replay\"} %llu\n",
	    (unsigned long long)ns->drop_malformed,
	    (unsigned long long)ns->drop_auth,
	    (unsigned long long)ns->drop_domain,
	    (unsigned long long)ns->drop_replay);
	metric(b, "auth_failures_total", "counter", "Input failing "
	    "authentication.");
	buf_printf(b, "isconf_auth_failures_total %llu\n",
	    (unsigned long long)ns->drop_auth);
	metric(b, "cache_chunks", "gauge", "Chunks in the cache.");
	buf_printf(b, "isconf_cache_chunks %llu\n", (unsigned long long)chunks);
	metric(b, "cache_bytes", "gauge", "Plain bytes in the cache.");
	buf_printf(b, "isconf_cache_bytes %llu\n", (unsigned long long)bytes);
	metric(b, "chunk_bytes_total", "counter", "File chunk bytes served "
	    "to peers (out) and fetched from them (in).");
	in_out(b, "chunk_bytes_total", d->chunk_bytes_fetched,
	    d->chunk_bytes_served);
	metric(b, "chunks_total", "counter", "File chunks served to peers "
	    "(out) and fetched from them (in).");
	in_out(b, "chunks_total", d->chunks_fetched, d->chunks_served);
	metric(b, "lock_held", "gauge", "1 when the branch is locked; mine=1 "
	    "when by this host.");
	buf_printf(b, "isconf_lock_held{branch=\"%s\",mine=\"%d\"} %d",
	    d->branch, mine, held);
	return 0;
}
