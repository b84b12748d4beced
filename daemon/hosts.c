/*
 * hosts: the fleet as this host knows it: this host, every peer it
 * hears directly (branch, applied, head, last failure, when last
 * heard), then every host only learned of from peers' member records
 * (members.c: when someone last heard it), as a table or --json;
 * /api/v1/hosts shows the same.  A peer's position is what its last
 * verified receipt (stmtd.h) says, never what a hello says: any holder
 * of the HMAC key can send a hello in its name.  --verify shows the
 * statement each row rests on; --unpin HOST forgets the key pinned for
 * HOST (re-keying, isconf(8)).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isconfd.h"
#include "stmtd.h"

static void	verb_hosts(struct client *);

const struct verb_entry verb_hosts_entry = {
	.name = "hosts",
	.exec = verb_hosts,
};

/* One host of the view: this host, or a peer as gossip tells of it. */
struct host_row {
	const char	*host;
	const char	*branch;
	uint64_t	 applied;
	uint64_t	 head;
	double		 seen_ago;	/* s */
	int		 reachable;
	uint64_t	 failed_seq;	/* its last up failed there, or 0 */
	uint32_t	 failed_status;
	uint32_t	 skipped;	/* entries it skipped */
	int		 self;
	const struct sockaddr_in *addr;	/* a peer's */
	int		 unverified;	/* no receipt of it held */
	uint64_t	 key_refused;	/* statements of another key */
	const struct stmt_host *sh;	/* its statements, NULL for self */
	const struct stmt *st;		/* the one the row rests on */
	uint64_t	 fork_seq;	/* a fork of its branch known here */
	uint64_t	 diverged;	/* it applied a losing side from */
	char		 kept_as[256];	/* the copy keeping that side */
	char		 fork_ours[16], fork_theirs[16];
	const char	*wave;		/* its canary wave, "" if none */
	uint64_t	 waiting;	/* this host's up waits there */
};

/* The fork of the row's branch, as this host recorded it: both heads
 * (this host's side first). */
static int
host_fork(struct isconfd *d, struct host_row *r, char **cause)
{
	char	*info;
	int	 found;

	if ((found = fork_open(d, r->branch, &info, &r->fork_seq, cause)) != 1)
		return found;
	sscanf(info, "%*u %15s %15s", r->fork_ours, r->fork_theirs);
	free(info);
	return 0;
}

static void
host_json(struct buf *b, const struct host_row *r)
{
	buf_printf(b, "{\"host\":");
	buf_add_json(b, r->host);
	buf_printf(b, ",\"branch\":");
	buf_add_json(b, r->branch);
	buf_printf(b, ",\"applied\":%llu,\"head\":%llu,\"lag\":%llu,"
	    "\"last_seen_s\":%.1f,\"reachable\":%s,\"self\":%s,"
	    "\"skipped\":%u,\"direct\":true,\"address\":",
	    (unsigned long long)r->applied,
	    (unsigned long long)r->head, (unsigned long long)(r->head >
	    r->applied ? r->head - r->applied : 0), r->seen_ago,
	    r->reachable ? "true" : "false", r->self ? "true" : "false",
	    r->skipped);
	if (r->addr != NULL)
		buf_printf(b, "\"%s:%u\"", inet_ntoa(r->addr->sin_addr),
		    ntohs(r->addr->sin_port));
	else
		buf_printf(b, "null");
	buf_printf(b, ",\"last_failure\":");
	if (r->failed_seq != 0)
		buf_printf(b, "{\"entry\":%llu,\"status\":%u}",
		    (unsigned long long)r->failed_seq, r->failed_status);
	else
		buf_printf(b, "null");
	if (r->fork_seq != 0)
		buf_printf(b, ",\"fork\":{\"entry\":%llu,\"heads\":[\"%s\","
		    "\"%s\"]}}", (unsigned long long)r->fork_seq, r->fork_ours,
		    r->fork_theirs);
	else
		buf_printf(b, ",\"fork\":null}");
	if (r->diverged != 0) {
		b->len--;
		buf_printf(b, ",\"diverged\":{\"from\":%llu,\"to\":%llu,"
		    "\"kept_as\":", (unsigned long long)r->diverged,
		    (unsigned long long)r->applied);
		buf_add_json(b, r->kept_as);
		buf_printf(b, "}}");
	}
	b->len--;
	buf_printf(b, ",\"receipt\":%s,\"key_refused\":%llu,\"wave\":",
	    r->unverified ? "false" : "true",
	    (unsigned long long)r->key_refused);
	buf_add_json(b, r->wave != NULL ? r->wave : "");
	buf_printf(b, ",\"waiting\":%llu}", (unsigned long long)r->waiting);
}

/* --verify: the statement the row rests on and whether it verifies
 * now (signature, trusted_keys, pin), as a line or a JSON member. */
static void
host_verify(struct isconfd *d, struct buf *b, const struct host_row *r,
    int json)
{
	const char	*why;
	char		 pk[2 * STMT_PK_LEN + 1], *raw;
	int		 ok;

	if (r->st == NULL) {
		if (json) {
			b->len--;
			buf_printf(b, ",\"statement\":null}");
		} else
			buf_printf(b, "  no receipt held: applied and failure "
			    "unknown\n");
		return;
	}
	ok = stmtd_check(d, r->sh, r->st, &why);
	hex_encode(pk, r->st->pk, STMT_PK_LEN);
	if (!json) {
		buf_printf(b, "  %s %llu.%llu key %.16s...: %s%s\n",
		    stmt_kind_name(r->st->kind),
		    (unsigned long long)r->st->epoch,
		    (unsigned long long)r->st->seq, pk, ok ? "verified" :
		    "NOT VERIFIED: ", ok ? "" : why);
		if (r->key_refused > 0) {
			hex_encode(pk, r->sh->refused_pk, STMT_PK_LEN);
			buf_printf(b, "  refused %llu statements signed by "
			    "key %.16s... (not the pinned one)\n",
			    (unsigned long long)r->key_refused, pk);
		}
		return;
	}
	raw = xmalloc(2 * r->st->rawlen + 1);
	hex_encode(raw, r->st->raw, r->st->rawlen);
	b->len--;
	buf_printf(b, ",\"statement\":{\"kind\":\"%s\",\"epoch\":%llu,"
	    "\"seq\":%llu,\"key\":\"%s\",\"verified\":%s,\"why\":",
	    stmt_kind_name(r->st->kind), (unsigned long long)r->st->epoch,
	    (unsigned long long)r->st->seq, pk, ok ? "true" : "false");
	if (ok)
		buf_printf(b, "null");
	else
		buf_add_json(b, why);
	buf_printf(b, ",\"hex\":\"%s\"}}", raw);
	free(raw);
}

/* The table's line; this host's last failure is in status, not here. */
static void
host_line(struct buf *b, const struct host_row *r)
{
	char	state[64], skipped[32] = "";
	size_t	n;

	if (r->skipped > 0)
		snprintf(skipped, sizeof skipped, ", %u skipped", r->skipped);
	if (r->fork_seq != 0)
		snprintf(state, sizeof state, "FORK at %llu",
		    (unsigned long long)r->fork_seq);
	else if (r->diverged != 0 && r->diverged == r->applied)
		snprintf(state, sizeof state, "DIVERGED at %llu",
		    (unsigned long long)r->diverged);
	else if (r->diverged != 0)
		snprintf(state, sizeof state, "DIVERGED at %llu-%llu",
		    (unsigned long long)r->diverged,
		    (unsigned long long)r->applied);
	else if (r->self && r->waiting != 0)
		snprintf(state, sizeof state, "WAITING at %llu",
		    (unsigned long long)r->waiting);
	else if (r->self)
		snprintf(state, sizeof state, "%s", r->applied < r->head ?
		    "behind" : "up to date");
	else if (r->unverified)
		snprintf(state, sizeof state, "no receipt yet");
	else if (r->failed_seq != 0)
		snprintf(state, sizeof state, "FAILED at %llu (%u)",
		    (unsigned long long)r->failed_seq, r->failed_status);
	else if (r->applied < r->head)
		snprintf(state, sizeof state, "behind by %llu",
		    (unsigned long long)(r->head - r->applied));
	else
		snprintf(state, sizeof state, "up to date");
	n = strlen(state);
	snprintf(state + n, sizeof state - n, "%s%s%s%s", skipped,
	    r->key_refused ? ", KEY REFUSED" : "", r->wave != NULL &&
	    *r->wave != '\0' ? ", wave " : "", r->wave != NULL ? r->wave : "");
	if (r->self) {
		buf_printf(b, "%-20s %-16s %8llu %8llu  %-24s %s\n", r->host,
		    r->branch, (unsigned long long)r->applied,
		    (unsigned long long)r->head, state, "(this host)");
		return;
	}
	buf_printf(b, "%-20s %-16s %8llu %8llu  %-24s %.0f s ago%s\n",
	    r->host, r->branch, (unsigned long long)r->applied,
	    (unsigned long long)r->head, state, r->seen_ago,
	    r->reachable ? "" : " (unreachable)");
}

static void
host_print(struct isconfd *d, struct buf *b, const struct host_row *r,
    int json, int verify)
{
	if (!json)
		host_line(b, r);
	else {
		if (!r->self)
			buf_add_u8(b, ',');
		host_json(b, r);
	}
	if (verify)
		host_verify(d, b, r, json);
}

/* Where a diverged host's losing side is kept (found: 1, 0 or -1 as
 * the lookup of copy returned; copy is freed). */
static int
host_kept_as(struct host_row *r, int found, char *copy)
{
	if (found == 1)
		xstrlcpy(r->kept_as, copy, sizeof r->kept_as);
	free(copy);
	return found == -1 ? -1 : 0;
}

/* This host: its branch, head, what it applied, its last up's failure. */
static int
host_self(struct isconfd *d, struct host_row *r, char **cause)
{
	struct jhead	h;
	struct last_up	u;
	struct skips	s;
	char		*copy;
	int		found;

	memset(r, 0, sizeof *r);
	memset(&s, 0, sizeof s);
	if (skips_taken(d, d->branch, &s, cause) == -1)
		return -1;
	r->skipped = (uint32_t)s.n;
	skips_free(&s);
	if (journal_head(d->journal, d->branch, &h, cause) == -1 ||
	    journal_applied(d->journal, d->branch, &r->applied, cause) == -1 ||
	    (found = report_last_up(d, &u, cause)) == -1)
		return -1;
	if (found == 1) {
		if (strcmp(u.result, "failed") == 0) {
			r->failed_seq = u.seq;
			r->failed_status = (uint32_t)u.status;
		}
		if (strcmp(u.result, "waiting") == 0 ||
		    strcmp(u.result, "held") == 0)
			r->waiting = u.seq;
		free(u.output);
	}
	r->wave = upwaves_mine(d);
	r->host = d->conf.hostname;
	r->branch = d->branch;
	r->head = h.seq;
	r->reachable = r->self = 1;
	if (stmtd_own(d, &r->st, cause) == -1)
		return -1;
	/* Its history no longer the branch's: a fork resolved against
	 * what it applied (up --adopt). */
	if ((found = journal_history_matches(d->journal, d->branch,
	    d->branch, r->applied, &r->diverged, cause)) == -1)
		return -1;
	if (found == 1) {
		found = diverged_copy(d, d->branch, r->diverged, &copy, cause);
		if (host_kept_as(r, found, copy) == -1)
			return -1;
	}
	return host_fork(d, r, cause);
}

/*
 * A peer: its position as its receipt says (until one is held, only the
 * branch its hellos name, marked so); the head of its branch as our
 * journal has it, which holds only verified entries.
 */
static int
host_peer(struct isconfd *d, const struct peer *p, int64_t now,
    struct host_row *r, char **cause)
{
	struct stmt_host	*sh;
	struct jhead		 h;
	char			*copy;
	int			 found;

	memset(r, 0, sizeof *r);
	if (stmtd_host(d, p->host, &sh, cause) == -1)
		return -1;
	r->sh = sh;
	r->key_refused = sh->refused;
	r->host = p->host;
	r->branch = p->branch;
	r->unverified = sh->raw == NULL;
	if (sh->raw != NULL) {
		r->st = &sh->st;
		r->branch = sh->rc.branch;
		r->applied = sh->rc.applied;
		r->failed_seq = sh->rc.failed_seq;
		r->failed_status = sh->rc.failed_status;
		r->skipped = sh->rc.skipped;
		r->wave = sh->rc.wave;
	}
	if (journal_head(d->journal, r->branch, &h, cause) == -1)
		return -1;
	r->head = h.seq > r->applied ? h.seq : r->applied;
	r->seen_ago = (now - p->last_seen) / 1e9;
	r->reachable = peer_reachable(d, p);
	r->addr = &p->addr;
	/* Whether it applied a losing side, from what its signed receipt
	 * says it applied last (resolve.c). */
	if (sh->raw != NULL) {
		found = diverged_peer(d, r->branch, r->applied,
		    sh->rc.applied_id, &r->diverged, &copy, cause);
		if (host_kept_as(r, found, copy) == -1)
			return -1;
	}
	return host_fork(d, r, cause);
}

/* The hosts view, as a table or JSON, into b (shared with the HTTP
 * API, /api/v1/hosts). */
static int
hosts_view(struct isconfd *d, struct buf *b, int json, int verify,
    char **cause)
{
	struct peer	*p;
	struct host_row	 r;
	int64_t		 now = now_ns();

	if (host_self(d, &r, cause) == -1)
		return -1;
	if (json)
		buf_printf(b, "{\"hosts\":[");
	else
		buf_printf(b, "%-20s %-16s %8s %8s  %-24s %s\n", "HOST",
		    "BRANCH", "APPLIED", "HEAD", "STATE", "SEEN");
	host_print(d, b, &r, json, verify);
	TAILQ_FOREACH(p, &d->peers, entry) {
		if (host_peer(d, p, now, &r, cause) == -1)
			return -1;
		host_print(d, b, &r, json, verify);
	}
	members_hosts(d, b, json);
	if (json)
		buf_printf(b, "]}");
	else
		b->len--;	/* the last newline */
	return 0;
}

int
hosts_build(struct isconfd *d, struct buf *b, int json, char **cause)
{
	return hosts_view(d, b, json, 0, cause);
}

int
hosts_build_verify(struct isconfd *d, struct buf *b, int json,
    char **cause)
{
	return hosts_view(d, b, json, 1, cause);
}

/* --unpin HOST: forget its pinned key and what it said (re-keying). */
static void
hosts_unpin(struct client *c, const char *host)
{
	char	*cause = NULL;
	int	 r;

	if (!host_name_valid(host)) {
		client_err(c, "%s: not a host name", host);
		client_exit(c, EXIT_USAGE);
		return;
	}
	if ((r = stmtd_unpin(c->d, host, &cause)) == -1) {
		client_fail(c, cause);
		free(cause);
		return;
	}
	client_info(c, r ? "%s: pinned key forgotten; the next key that "
	    "speaks for it is pinned" : "%s: no key was pinned", host);
	client_exit(c, 0);
}

static void
verb_hosts(struct client *c)
{
	const struct request	*q = &c->req;

	if (q->argc == 1)
		client_reply(c, hosts_build);
	else if (q->argc == 2 && strcmp(q->argv[1], "--verify") == 0)
		client_reply(c, hosts_build_verify);
	else if (q->argc == 3 && strcmp(q->argv[1], "--unpin") == 0)
		hosts_unpin(c, q->argv[2]);
	else {
		client_err(c, "usage: isconf hosts [--verify | --unpin HOST]");
		client_exit(c, EXIT_USAGE);
	}
}
