/*
 * status: a read-only view of this host, as a table or, from the same
 * values, --json (status_build, which the HTTP API shares).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isconfd.h"

static void	verb_status(struct client *);

const struct verb_entry verb_status_entry = {
	.name = "status",
	.exec = verb_status,
};

/* The entries this host skipped (issue 16) and the skips that did it:
 * a line only when there are some; JSON always has the array. */
static int
status_skipped(struct isconfd *d, struct buf *b, int json, char **cause)
{
	struct skips	s;
	size_t		i;

	memset(&s, 0, sizeof s);
	if (skips_taken(d, d->branch, &s, cause) == -1)
		return -1;
	if (s.n > 0)
		buf_printf(b, json ? "\"skipped\":[" : "skipped:  ");
	for (i = 0; i < s.n; i++)
		buf_printf(b, json ? "%s{\"seq\":%llu,\"by\":%llu}" :
		    "%sentry %llu (by entry %llu)", i > 0 ? ", " : "",
		    (unsigned long long)s.v[i].seq,
		    (unsigned long long)s.by[i]);
	if (json)
		buf_printf(b, s.n ? "]," : "\"skipped\":[],");
	else if (s.n)
		buf_add_u8(b, '\n');
	skips_free(&s);
	return 0;
}

static int
status_lock(struct isconfd *d, struct buf *b, int json, char **cause)
{
	struct jlock	l;
	char		when[64];
	int		r;

	if ((r = journal_lock_get(d->journal, d->branch, &l, cause)) != 1) {
		buf_printf(b, json ? "\"lock\":null," : "lock:     none\n");
		return r;
	}
	fmt_time(when, sizeof when, l.time);
	if (json) {
		buf_printf(b, "\"lock\":{");
		json_kv(b, "host", l.host, 1);
		json_kv(b, "author", l.author, 1);
		json_kv(b, "message", l.message, 1);
		buf_printf(b, "\"time\":%lld},", (long long)l.time);
	} else
		buf_printf(b, "lock:     held by %s@%s since %s: %s\n", l.author,
		    l.host, when, l.message);
	jlock_free(&l);
	return 0;
}

/* Why the last up waits (a canary wave, a hold: issue 25). */
static int
status_waitwhy(struct isconfd *d, struct buf *b, int json, char **cause)
{
	char	*why = NULL;
	int	 r;

	if ((r = journal_state_get(d->journal, "last_up_why", &why,
	    cause)) == -1)
		return -1;
	if (json) {
		b->len--;
		buf_printf(b, ",\"why\":");
		if (r == 1)
			buf_add_json(b, why);
		else
			buf_printf(b, "null");
		buf_add_u8(b, '}');
	} else if (r == 1) {
		buf_printf(b, "          ");
		buf_add_esc(b, why);
		buf_add_u8(b, '\n');
	}
	free(why);
	return 0;
}

static int
status_last_up(struct isconfd *d, struct buf *b, int json, char **cause)
{
	struct last_up	u;
	struct entry	e;
	char		when[64], *detail = NULL;
	int		r;

	if ((r = report_last_up(d, &u, cause)) != 1) {
		buf_printf(b, json ? "\"last_up\":null" : "last up:  never\n");
		return r;
	}
	fmt_time(when, sizeof when, u.time);
	if (strcmp(u.result, "failed") == 0 && (r = journal_get(d->journal,
	    d->branch, u.seq, &e, cause)) != 0) {
		if (r == -1) {
			free(u.output);
			return -1;
		}
		detail = entry_detail(&e);
		entry_free(&e);
	}
	if (json) {
		buf_printf(b, "\"last_up\":{\"time\":%lld,", u.time);
		json_kv(b, "result", u.result, 1);
		buf_printf(b, "\"entry\":%llu,\"status\":%d", u.seq,
		    u.status);
		json_signal(b, u.signal);
		buf_printf(b, ",\"detail\":");
		buf_add_json(b, detail ? detail : "");
		buf_printf(b, ",\"output\":");
		buf_add_json(b, u.output ? u.output : "");
		buf_add_u8(b, '}');
	} else if (detail != NULL) {
		buf_printf(b, "last up:  %s, FAILED at entry %llu (", when,
		    u.seq);
		buf_add_esc(b, detail);
		if (u.signal != 0)
			buf_printf(b, "), killed by %s\n", sig_name(u.signal));
		else
			buf_printf(b, ") with status %d\n", u.status);
		if (u.output != NULL && *u.output != '\0')
			output_tail(b, u.output, 5);
	} else if (strcmp(u.result, "needs-reboot") == 0)
		buf_printf(b, "last up:  %s, stopped before reboot (entry %llu): "
		    "run isconf -r up\n", when, u.seq);
	else
		buf_printf(b, "last up:  %s, %s at entry %llu\n", when,
		    u.result, u.seq);
	free(detail);
	free(u.output);
	return status_waitwhy(d, b, json, cause);
}

/* The up running and its exec, or an earlier run's exec still alive. */
static void
status_up(struct isconfd *d, struct buf *b, int json)
{
	struct upexec	*x = d->upexec;
	uint64_t	 seq, head;
	long long	 since;
	int		 waiting, up = up_info(d, &since, &seq, &head, &waiting);
	char		 when[64];

	if (json && up) {
		buf_printf(b, "\"up\":{\"since\":%lld,", since);
		json_kv(b, "branch", d->branch, 1);
		buf_printf(b, "\"entry\":%llu,\"head\":%llu,\"waiting\":%s},",
		    (unsigned long long)seq, (unsigned long long)head,
		    waiting ? "true" : "false");
	} else if (json)
		buf_printf(b, "\"up\":null,");
	else if (up) {
		fmt_time(when, sizeof when, since);
		buf_printf(b, "up:       running since %s on %s, ", when,
		    d->branch);
		if (seq == 0)
			buf_printf(b, "fetching from peers\n");
		else
			buf_printf(b, "%s entry %llu of %llu\n", waiting ?
			    "waiting to run" : "at", (unsigned long long)seq,
			    (unsigned long long)head);
	}
	if (x == NULL) {
		if (json)
			buf_printf(b, "\"exec\":null,");
		return;
	}
	if (json) {
		buf_printf(b, "\"exec\":{");
		json_kv(b, "branch", x->branch, 1);
		buf_printf(b, "\"entry\":%llu,", (unsigned long long)x->seq);
		json_kv(b, "command", x->command, 1);
		buf_printf(b, "\"pid\":%ld,\"since\":%lld,\"earlier_run\":%s},",
		    (long)x->pid, x->since, x->orphan ? "true" : "false");
		return;
	}
	fmt_time(when, sizeof when, x->since);
	buf_printf(b, "exec:     entry %llu (", (unsigned long long)x->seq);
	buf_add_esc(b, x->command);
	buf_printf(b, ") on %s %srunning as pid %ld since %s", x->branch,
	    x->orphan ? "from an earlier run, still " : "", (long)x->pid,
	    when);
	if (x->orphan)
		buf_printf(b, "; %s up waits until it has exited", up &&
		    waiting ? "this" : "the next");
	buf_add_u8(b, '\n');
}

/* Authenticated datagrams refused after the HMAC (net.h). */
static void
status_gossip_drops(const struct net_stats *ns, struct buf *b, int json)
{
	buf_printf(b, json ? "\"body\":%llu,\"type\":%llu,\"peers_full\":%llu,"
	    "\"moved\":%llu,\"unconfirmed\":%llu,\"relayed\":%llu}," :
	    "          %llu malformed bodies, %llu unknown types, %llu hellos "
	    "with the peer table full, %llu from another address of a peer, "
	    "%llu of unconfirmed sessions, %llu relayed\n",
	    (unsigned long long)ns->drop_body,
	    (unsigned long long)ns->drop_type,
	    (unsigned long long)ns->drop_peers_full,
	    (unsigned long long)ns->drop_moved,
	    (unsigned long long)ns->drop_unconfirmed,
	    (unsigned long long)ns->drop_relayed);
}

/* Peers whose clocks are far off ours: harmless to the protocol (it
 * uses none), but logs and lock times read wrong. */
static void
status_clocks(struct isconfd *d, struct buf *b, int json)
{
	struct peer	*p;
	long long	 s;
	int		 first = 1;

	if (json)
		buf_printf(b, "\"clock_off\":{");
	TAILQ_FOREACH(p, &d->peers, entry) {
		if (llabs(p->clock_off_ms) < PEER_CLOCK_OFF_MS)
			continue;
		s = (p->clock_off_ms + (p->clock_off_ms < 0 ? -500 : 500)) /
		    1000;
		if (json) {
			buf_printf(b, "%s", first ? "" : ",");
			buf_add_json(b, p->host);
			buf_printf(b, ":%lld", s);
		} else
			buf_printf(b, "clock:    %s's clock is %lld s %s this "
			    "host's\n", p->host, llabs(s), s > 0 ?
			    "ahead of" : "behind");
		first = 0;
	}
	if (json)
		buf_printf(b, "},");
}

/* Entries staged before a signature covers them (sync runs, a bundle
 * apply), and the sync runs refused, by reason. */
static int
status_staged(struct isconfd *d, struct buf *b, int json, char **cause)
{
	struct jstaged	*g;
	uint64_t	 total = 0;
	size_t		 n, i;
	const char	*sep = "";

	if (journal_stage_list(d->journal, &g, &n, cause) == -1)
		return -1;
	if (json)
		buf_printf(b, "\"staged\":[");
	for (i = 0; i < n; i++) {
		if (json) {
			buf_printf(b, "%s{", i ? "," : "");
			json_kv(b, "branch", g[i].branch, 1);
			json_kv(b, "from", g[i].run, 1);
			buf_printf(b, "\"entries\":%llu,\"bytes\":%llu}",
			    (unsigned long long)g[i].n,
			    (unsigned long long)g[i].bytes);
		} else
			buf_printf(b, "staged:   %llu %s (%llu bytes) of %s "
			    "from %s, not yet signed\n",
			    (unsigned long long)g[i].n,
			    g[i].n == 1 ? "entry" : "entries",
			    (unsigned long long)g[i].bytes, g[i].branch,
			    g[i].run);
	}
	journal_stage_list_free(g, n);
	if (json)
		buf_printf(b, "],\"sync_refused\":{");
	for (i = 0; i < REFUSED_NREASONS; i++) {
		total += d->sync_refused[i];
		if (json)
			buf_printf(b, "%s\"%s\":%llu", i ? "," : "",
			    sync_refusal_names[i],
			    (unsigned long long)d->sync_refused[i]);
	}
	if (json) {
		buf_printf(b, "},");
		return 0;
	}
	if (total == 0)
		return 0;
	buf_printf(b, "refused:  %llu sync runs (", (unsigned long long)total);
	for (i = 0; i < REFUSED_NREASONS; i++) {
		if (d->sync_refused[i] == 0)
			continue;
		buf_printf(b, "%s%llu %s", sep,
		    (unsigned long long)d->sync_refused[i],
		    sync_refusal_names[i]);
		sep = ", ";
	}
	buf_printf(b, ")\n");
	return 0;
}

static int
status_mesh(struct isconfd *d, struct buf *b, int json, char **cause)
{
	char		*fork;
	uint64_t	 seq = 0;
	int		 r;
	char		 ours[16] = "", theirs[16] = "", fb[256] = "", peer[256] = "",
			 me[256] = "?";

	struct net_stats	*ns, zero;

	memset(&zero, 0, sizeof zero);
	ns = d->net ? net_stats(d->net) : &zero;
	if (json)
		buf_printf(b, "\"peers\":{\"known\":%zu,\"reachable\":%zu},"
		    "\"dropped\":{\"malformed\":%llu,\"auth\":%llu,"
		    "\"domain\":%llu,\"replay\":%llu,", d->npeers,
		    peers_reachable(d), (unsigned long long)ns->drop_malformed,
		    (unsigned long long)ns->drop_auth,
		    (unsigned long long)ns->drop_domain,
		    (unsigned long long)ns->drop_replay);
	else
		buf_printf(b, "peers:    %zu known, %zu reachable\n"
		    "dropped:  %llu malformed, %llu unauthenticated, %llu other "
		    "domain, %llu replayed\n", d->npeers, peers_reachable(d),
		    (unsigned long long)ns->drop_malformed,
		    (unsigned long long)ns->drop_auth,
		    (unsigned long long)ns->drop_domain,
		    (unsigned long long)ns->drop_replay);
	status_gossip_drops(ns, b, json);
	if (d->members != NULL)
		members_status(d, b, json);
	status_clocks(d, b, json);
	if (resolve_status(d, d->branch, b, json, cause) == -1 ||
	    resolve_diverged(d, b, json, cause) == -1 ||
	    resolve_diverged_peers(d, b, json, cause) == -1)
		return -1;
	if ((r = fork_open(d, d->branch, &fork, &seq, cause)) != 1) {
		if (json)
			buf_printf(b, "\"fork\":null,");
		return r;
	}
	sscanf(fork, "%*u %15s %15s %255s %255s %255s", ours, theirs, fb, peer,
	    me);
	if (json) {
		buf_printf(b, "\"fork\":{\"seq\":%llu,", (unsigned long long)seq);
		json_kv(b, "ours", ours, 1);
		json_kv(b, "ours_host", me, 1);
		json_kv(b, "theirs", theirs, 1);
		json_kv(b, "theirs_host", peer, 1);
		json_kv(b, "branch", fb, 1);
		json_kv(b, "peer", peer, 0);
		buf_printf(b, "},");
	} else
		buf_printf(b, "FORK:     at entry %llu: ours %s by %s, theirs %s "
		    "by %s (kept as branch %s)\n", (unsigned long long)seq,
		    ours, me, theirs, peer, fb);
	free(fork);
	return 0;
}

/* Mesh connections refused or closed before their handshake (the
 * limits of doc/protocol.md, "TCP streams"). */
static void
status_streams(struct isconfd *d, struct buf *b, int json)
{
	struct net_stats	*ns, zero;

	memset(&zero, 0, sizeof zero);
	ns = d->net ? net_stats(d->net) : &zero;
	buf_printf(b, json ? "\"streams\":{\"accepted\":%llu,"
	    "\"refused_per_address\":%llu,\"refused_full\":%llu,"
	    "\"handshake_timeout\":%llu,\"evicted\":%llu}," :
	    "streams:  %llu accepted; refused: %llu over the per-address "
	    "limit, %llu all slots busy; closed in the handshake: %llu timed "
	    "out, %llu evicted\n", (unsigned long long)ns->tcp_accepted,
	    (unsigned long long)ns->tcp_refused_addr,
	    (unsigned long long)ns->tcp_refused_full,
	    (unsigned long long)ns->tcp_hs_timeout,
	    (unsigned long long)ns->tcp_evicted);
}

static void
verb_status(struct client *c)
{
	client_reply(c, status_build);
}

/* The id of the entry this host applied last (zeros: none). */
static int
applied_id(struct isconfd *d, uint64_t seq, char *id, char **cause)
{
	struct entry	e;
	uint8_t		zero[HASH_LEN] = { 0 };
	int		r = 0;

	if (seq > 0 && (r = journal_get(d->journal, d->branch, seq, &e,
	    cause)) == 1) {
		id_short(id, e.id);
		entry_free(&e);
	} else
		id_short(id, zero);
	return r == -1 ? -1 : 0;
}

/* The status, as text or JSON, into b (shared with the HTTP API). */
int
status_build(struct isconfd *d, struct buf *b0, int json, char **cause)
{
	struct jhead	 h;
	uint64_t	 applied;
	char		 id[13];
	struct buf	 b;

	if (journal_head(d->journal, d->branch, &h, cause) == -1 ||
	    journal_applied(d->journal, d->branch, &applied, cause) == -1)
		return -1;
	id_short(id, h.id);
	buf_init(&b);
	if (json) {
		buf_add_u8(&b, '{');
		json_kv(&b, "domain", d->conf.domain, 1);
		json_kv(&b, "host", d->conf.hostname, 1);
		json_kv(&b, "branch", d->branch, 1);
		buf_printf(&b, "\"head\":{\"seq\":%llu,\"id\":\"%s\"},"
		    "\"applied\":%llu,", (unsigned long long)h.seq, id,
		    (unsigned long long)applied);
		if (applied_id(d, applied, id, cause) == -1)
			goto fail;
		buf_printf(&b, "\"applied_id\":\"%s\",", id);
	} else
		buf_printf(&b, "domain:   %s\nhost:     %s\nbranch:   %s\n"
		    "head:     %llu (%s)\napplied:  %llu\n", d->conf.domain,
		    d->conf.hostname, d->branch, (unsigned long long)h.seq, id,
		    (unsigned long long)applied);
	layout_status(d, &b, json);
	if (status_skipped(d, &b, json, cause) == -1 ||
	    status_lock(d, &b, json, cause) == -1 ||
	    wip_status(d, &b, json, cause) == -1)
		goto fail;
	upwaves_status(d, &b, json);
	holds_status(d, &b, json);
	status_up(d, &b, json);
	if (status_mesh(d, &b, json, cause) == -1 ||
	    status_staged(d, &b, json, cause) == -1)
		goto fail;
	refusal_status(d, &b, json);
	status_streams(d, &b, json);
	if (status_last_up(d, &b, json, cause) == -1)
		goto fail;
	if (json)
		buf_add_u8(&b, '}');
	else if (b.len > 0 && b.data[b.len - 1] == '\n')
		b.len--;
	buf_add(b0, b.data, b.len);
	buf_free(&b);
	return 0;
fail:
	buf_free(&b);
	return -1;
}
