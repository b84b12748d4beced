/*
 * status, log and key: read-only views of this host.  Each table has a
 * --json form built from the same values.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isconfd.h"

static void
json_kv(struct buf *b, const char *k, const char *v, int comma)
{
	buf_add_json(b, k);
	buf_add_u8(b, ':');
	buf_add_json(b, v);
	if (comma)
		buf_add_u8(b, ',');
}

static void
client_buf(struct client *c, struct buf *b)
{
	buf_add_u8(b, 0);
	client_out(c, "%s", (char *)b->data);
	buf_free(b);
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

/* The last few lines of a failed command's output, indented. */
static void
output_tail(struct buf *b, const char *out, int lines)
{
	const char	*p = out + strlen(out);
	int		 n = 0;

	while (p > out && p[-1] == '\n')
		p--;
	while (p > out && n <= lines)
		if (*--p == '\n')
			n++;
	if (*p == '\n')
		p++;
	for (; *p != '\0'; p++) {
		if (p == out || p[-1] == '\n')
			buf_printf(b, "          | ");
		buf_add_u8(b, (uint8_t)*p);
	}
	if (b->len > 0 && b->data[b->len - 1] != '\n')
		buf_add_u8(b, '\n');
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
		buf_printf(b, "\"entry\":%llu,\"status\":%d,\"detail\":",
		    u.seq, u.status);
		buf_add_json(b, detail ? detail : "");
		buf_printf(b, ",\"output\":");
		buf_add_json(b, u.output ? u.output : "");
		buf_add_u8(b, '}');
	} else if (detail != NULL) {
		buf_printf(b, "last up:  %s, FAILED at entry %llu (", when,
		    u.seq);
		buf_add_esc(b, detail);
		buf_printf(b, ") with status %d\n", u.status);
		if (u.output != NULL && *u.output != '\0')
			output_tail(b, u.output, 5);
	} else
		buf_printf(b, "last up:  %s, %s at entry %llu\n", when,
		    u.result, u.seq);
	free(detail);
	free(u.output);
	return 0;
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

static int
status_mesh(struct isconfd *d, struct buf *b, int json, char **cause)
{
	char		*fork;
	uint64_t	 seq = 0;
	int		 r;
	char		 ours[16] = "", theirs[16] = "", fb[256] = "", peer[64] = "";

	struct net_stats	*ns, zero;

	memset(&zero, 0, sizeof zero);
	ns = d->net ? net_stats(d->net) : &zero;
	if (json)
		buf_printf(b, "\"peers\":{\"known\":%zu,\"reachable\":%zu},"
		    "\"dropped\":{\"malformed\":%llu,\"auth\":%llu,"
		    "\"domain\":%llu,\"replay\":%llu},", d->npeers,
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
	if ((r = fork_get(d, d->branch, &fork, &seq, cause)) != 1) {
		if (json)
			buf_printf(b, "\"fork\":null,");
		return r;
	}
	sscanf(fork, "%*u %15s %15s %255s %63s", ours, theirs, fb, peer);
	if (json) {
		buf_printf(b, "\"fork\":{\"seq\":%llu,", (unsigned long long)seq);
		json_kv(b, "ours", ours, 1);
		json_kv(b, "theirs", theirs, 1);
		json_kv(b, "branch", fb, 1);
		json_kv(b, "peer", peer, 0);
		buf_printf(b, "},");
	} else
		buf_printf(b, "FORK:     at entry %llu: ours %s, theirs %s (from "
		    "%s, kept as branch %s)\n", (unsigned long long)seq, ours,
		    theirs, peer, fb);
	free(fork);
	return 0;
}

void
verb_status(struct client *c)
{
	struct buf	 b;
	char		*cause = NULL;

	buf_init(&b);
	if (status_build(c->d, &b, c->req.flags & CTL_F_JSON, &cause) == -1) {
		buf_free(&b);
		client_fail(c, cause);
		free(cause);
		return;
	}
	client_buf(c, &b);
	client_exit(c, 0);
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
	if (status_lock(d, &b, json, cause) == -1)
		goto fail;
	status_up(d, &b, json);
	if (status_mesh(d, &b, json, cause) == -1 ||
	    status_last_up(d, &b, json, cause) == -1)
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

/* log --applied: this host's history for one entry. */
static int
log_applied(struct isconfd *d, struct buf *b, const char *branch,
    const struct entry *e, const struct last_up *u, int json, char **cause)
{
	struct japplied	a;
	char		when[64];
	int		failed = u != NULL && strcmp(u->result, "failed") == 0 &&
			    u->seq == e->seq && strcmp(branch, d->branch) == 0;
	int		r;

	if ((r = journal_applied_get(d->journal, branch, e->seq, &a,
	    cause)) == -1)
		return -1;
	if (r == 1) {
		fmt_time(when, sizeof when, a.time);
		if (json)
			buf_printf(b, ",\"applied\":{\"time\":%lld,"
			    "\"duration_ms\":%lld,\"status\":%d}",
			    (long long)a.time, (long long)a.duration_ms,
			    a.status);
		else
			buf_printf(b, "\tapplied %s in %lld ms, status %d", when,
			    (long long)a.duration_ms, a.status);
	} else if (failed && json) {
		buf_printf(b, ",\"applied\":null,\"failed\":{\"status\":%d,"
		    "\"output\":", u->status);
		buf_add_json(b, u->output ? u->output : "");
		buf_add_u8(b, '}');
	} else if (failed) {
		buf_printf(b, "\tFAILED with status %d", u->status);
		if (u->output != NULL && *u->output != '\0') {
			buf_add_u8(b, '\n');
			output_tail(b, u->output, 5);
			b->len--;	/* log_entry ends the line */
		}
	} else
		buf_printf(b, json ? ",\"applied\":null" : "\tnot applied");
	return 0;
}

/* One entry, without its end: log adds the applied part and the end. */
static void
log_entry(struct buf *b, const struct entry *e, int json, int first)
{
	char	 when[64], id[13], *detail = entry_detail(e);

	id_short(id, e->id);
	fmt_time(when, sizeof when, e->time);
	if (json) {
		buf_printf(b, "%s{\"seq\":%llu,\"id\":\"%s\",\"kind\":\"%s\","
		    "\"time\":%lld,", first ? "" : ",",
		    (unsigned long long)e->seq, id, entry_kind_name(e->kind),
		    (long long)e->time);
		json_kv(b, "host", e->host, 1);
		json_kv(b, "author", e->author, 1);
		json_kv(b, "message", e->message, 1);
		json_kv(b, "detail", detail, 0);
	} else {
		/* Escaped: a tab or newline in them would shift the
		 * columns or fake an entry. */
		buf_printf(b, "%llu\t%s\t%s\t%s\t%s\t",
		    (unsigned long long)e->seq, when, entry_kind_name(e->kind),
		    e->host, e->author);
		buf_add_esc(b, e->message);
		buf_add_u8(b, '\t');
		buf_add_esc(b, detail);
	}
	free(detail);
}

void
verb_log(struct client *c)
{
	struct isconfd	*d = c->d;
	const char	*branch = d->branch;
	struct last_up	 u, *up = NULL;
	struct entry	 e;
	struct buf	 b;
	uint64_t	 seq;
	size_t		 i;
	char		*cause = NULL;
	int		 json = c->req.flags & CTL_F_JSON, r, applied = 0;

	for (i = 1; i < c->req.argc; i++) {
		if (strcmp(c->req.argv[i], "--applied") == 0)
			applied = 1;
		else
			branch = c->req.argv[i];
	}
	if ((r = journal_branch_exists(d->journal, branch, &cause)) == 0) {
		client_err(c, "no branch %s is known here", branch);
		client_exit(c, 1);
		return;
	}
	if (r == -1 || (applied && (r = report_last_up(d, &u,
	    &cause)) == -1)) {
		client_fail(c, cause);
		free(cause);
		return;
	}
	if (applied && r == 1)
		up = &u;
	buf_init(&b);
	if (json)
		buf_add_u8(&b, '[');
	for (seq = 1; (r = journal_get(d->journal, branch, seq, &e,
	    &cause)) == 1; seq++) {
		log_entry(&b, &e, json, seq == 1);
		if (applied && log_applied(d, &b, branch, &e, up, json,
		    &cause) == -1)
			r = -1;
		buf_add_u8(&b, json ? '}' : '\n');
		entry_free(&e);
		if (r == -1)
			break;
		if (b.len > 256 * 1024) {	/* keep frames small */
			if (!json)
				b.len--;
			client_buf(c, &b);
			buf_init(&b);
		}
	}
	if (up != NULL)
		free(u.output);
	if (json)
		buf_add_u8(&b, ']');
	else if (b.len > 0)
		b.len--;
	if (b.len > 0)
		client_buf(c, &b);
	else
		buf_free(&b);
	if (r == -1) {
		client_err(c, "%s", cause);
		free(cause);
		client_exit(c, 1);
		return;
	}
	client_exit(c, 0);
}

void
verb_key(struct client *c)
{
	char	hex[2 * PUBKEY_LEN + 1];

	hex_encode(hex, c->d->pk, PUBKEY_LEN);
	client_out(c, "%s", hex);
	client_exit(c, 0);
}
