/*
 * hosts: the fleet as this host hears it (this host and every peer
 * gossip told of: branch, applied, head, last failure, when last
 * heard), as a table or --json; /api/v1/hosts shows the same.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isconfd.h"

static void	verb_hosts(struct client *);

const struct verb_entry verb_hosts_entry = {
	.name = "hosts",
	.exec = verb_hosts,
};

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
static void
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
