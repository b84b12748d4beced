/*
 * What the HTTP API shows besides status and hosts: a branch's journal
 * metadata and Prometheus metrics.  Built from the same state as isconf
 * status and log.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isconfd.h"

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
