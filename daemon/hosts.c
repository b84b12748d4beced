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
#include "fleet.h"
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
	uint64_t	 waiting;	/* its up waits before this entry */
	int		 held;		/* ... because of a hold */
	char		 why[512];	/* ... as its up said ("" if none) */
};

/* The fork of the row's branch, as this host recorded it: both heads
 * (this host's side first); read once per branch and view. */
static int
host_fork(struct isconfd *d, struct fleet_view *fv, struct host_row *r,
    char **cause)
{
	const struct fleet_branch	*fb;

	if (fleet_branch_get(d, fv, r->branch, &fb, cause) == -1)
		return -1;
	r->fork_seq = fb->fork_seq;
	memcpy(r->fork_ours, fb->fork_ours, sizeof r->fork_ours);
	memcpy(r->fork_theirs, fb->fork_theirs, sizeof r->fork_theirs);
	return 0;
}

/* The row's one state in the fleet view (fleet.h). */
static enum fleet_state
host_state(const struct host_row *r)
{
	if (r->fork_seq != 0 || r->diverged != 0)
		return FLEET_FORKED;
	if (r->unverified)
		return FLEET_UNKNOWN;
	if (r->failed_seq != 0)
		return FLEET_FAILED;
	if (r->held)
		return FLEET_HELD;
	if (r->waiting)
		return FLEET_WAVE;
	return r->applied < r->head ? FLEET_BEHIND : FLEET_HEAD;
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
	buf_printf(b, ",\"waiting\":%llu,\"held\":%s,\"why\":",
	    (unsigned long long)r->waiting, r->held ? "true" : "false");
	if (r->waiting != 0)
		buf_add_json(b, r->why);
	else
		buf_printf(b, "null");
	buf_printf(b, "}");
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
	else if (r->waiting != 0)
		snprintf(state, sizeof state, "%s at %llu", r->held ? "HELD" :
		    "WAITING", (unsigned long long)r->waiting);
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
	if (r->self)
		buf_printf(b, "%-20s %-16s %8llu %8llu  %-24s %s\n", r->host,
		    r->branch, (unsigned long long)r->applied,
		    (unsigned long long)r->head, state, "(this host)");
	else
		buf_printf(b, "%-20s %-16s %8llu %8llu  %-24s %.0f s ago%s\n",
		    r->host, r->branch, (unsigned long long)r->applied,
		    (unsigned long long)r->head, state, r->seen_ago,
		    r->reachable ? "" : " (unreachable)");
	/* Why it waits, as its up said (a peer's: from its receipt). */
	if (r->waiting != 0 && *r->why != '\0') {
		buf_printf(b, "  ");
		buf_add_esc(b, r->why);
		buf_add_u8(b, '\n');
	}
}

/* Count the row in the view; show it if it is on the page. */
static void
host_print(struct isconfd *d, struct fleet_view *fv, struct buf *b,
    const struct host_row *r, int json, int verify)
{
	struct fleet_row	fr;

	fr.host = r->host;
	fr.branch = r->branch;
	fr.wave = r->wave;
	fr.state = host_state(r);
	fr.failed_seq = r->failed_seq;
	if (!fleet_view_take(fv, &fr))
		return;
	if (!json)
		host_line(b, r);
	else {
		if (fleet_view_shown(fv) > 1)
			buf_add_u8(b, ',');
		host_json(b, r);
	}
	if (verify)
		host_verify(d, b, r, json);
}

/* Where a diverged host's losing side is kept (found: 1, 0 or -1 as
 * the lookup of copy returned). */
static int
host_kept_as(struct host_row *r, int found, const char *copy)
{
	if (found == 1 && copy != NULL)
		xstrlcpy(r->kept_as, copy, sizeof r->kept_as);
	return found == -1 ? -1 : 0;
}

/* Why this host's last up waits, as it said. */
static int
host_why(struct isconfd *d, struct host_row *r, char **cause)
{
	char	*why;

	if (journal_state_get(d->journal, "last_up_why", &why, cause) == -1)
		return -1;
	if (why != NULL)
		xstrlcpy(r->why, why, sizeof r->why);
	free(why);
	return 0;
}

/* This host: its branch, head, what it applied, its last up's failure. */
static int
host_self(struct isconfd *d, struct fleet_view *fv, struct host_row *r,
    char **cause)
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
		r->held = strcmp(u.result, "held") == 0;
		free(u.output);
	}
	if (r->waiting != 0 && host_why(d, r, cause) == -1)
		return -1;
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
		found = host_kept_as(r, found, copy);
		free(copy);
		if (found == -1)
			return -1;
	}
	return host_fork(d, fv, r, cause);
}

/*
 * A peer: its position as its receipt says (until one is held, only the
 * branch its hellos name, marked so); the head of its branch as our
 * journal has it, which holds only verified entries.  No journal read
 * of its own: what its branch's rows share is read once (fleet.c).
 */
static int
host_peer(struct isconfd *d, struct fleet_view *fv, const struct peer *p,
    int64_t now, struct host_row *r, char **cause)
{
	struct stmt_host		*sh;
	const struct fleet_branch	*fb;
	const char			*copy;

	memset(r, 0, sizeof *r);
	if (stmtd_host(d, p->host, &sh, cause) == -1)
		return -1;
	r->sh = sh;
	r->key_refused = sh->refused;
	r->host = p->host;
	r->branch = p->branch;
	r->wave = "";
	r->unverified = sh->raw == NULL;
	if (sh->raw != NULL) {
		r->st = &sh->st;
		r->branch = sh->rc.branch;
		r->wave = sh->rc.wave != NULL ? sh->rc.wave : "";
		r->applied = sh->rc.applied;
		r->failed_seq = sh->rc.failed_seq;
		r->failed_status = sh->rc.failed_status;
		r->skipped = sh->rc.skipped;
		r->waiting = sh->rc.waiting;
		r->held = sh->rc.held;
		xstrlcpy(r->why, sh->rc.why != NULL ? sh->rc.why : "",
		    sizeof r->why);
	}
	if (fleet_branch_get(d, fv, r->branch, &fb, cause) == -1)
		return -1;
	r->head = fb->head > r->applied ? fb->head : r->applied;
	r->seen_ago = (now - p->last_seen) / 1e9;
	r->reachable = peer_reachable(d, p);
	r->addr = &p->addr;
	/* Whether it applied a losing side, from what its signed receipt
	 * says it applied last (resolve.c). */
	if (sh->raw != NULL) {
		if (fleet_diverged(d, fv, r->branch, r->applied,
		    sh->rc.applied_id, &r->diverged, &copy, cause) == -1)
			return -1;
		host_kept_as(r, r->diverged != 0, copy);
	}
	return host_fork(d, fv, r, cause);
}

/* The hosts view, as a table or JSON, into b (shared with the HTTP
 * API, /api/v1/hosts): the rows q asks for, then (JSON) the summary. */
int
hosts_query(struct isconfd *d, struct buf *b, int json,
    const struct fleet_query *q, int summary, char **cause)
{
	struct fleet_view	*fv = fleet_view_new(q);
	struct peer		*p;
	struct host_row		 r;
	int64_t			 now = now_ns();
	int			 rv = -1;

	if (json)
		buf_printf(b, "{\"hosts\":[");
	else if (!summary)
		buf_printf(b, "%-20s %-16s %8s %8s  %-24s %s\n", "HOST",
		    "BRANCH", "APPLIED", "HEAD", "STATE", "SEEN");
	if (host_self(d, fv, &r, cause) == -1)
		goto out;
	host_print(d, fv, b, &r, json, q->verify);
	TAILQ_FOREACH(p, &d->peers, entry) {
		if (host_peer(d, fv, p, now, &r, cause) == -1)
			goto out;
		host_print(d, fv, b, &r, json, q->verify);
	}
	members_hosts(d, b, json, fv);
	if (json) {
		buf_printf(b, "]");
		fleet_view_summary(fv, b, 1);
		buf_printf(b, "}");
	} else if (summary)
		fleet_view_summary(fv, b, 0);
	else
		fleet_view_more(fv, b);
	if (!json)
		b->len--;	/* the last newline */
	rv = 0;
out:
	fleet_view_free(fv);
	return rv;
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

#define HOSTS_USAGE "usage: isconf hosts [--summary] [--all] [--verify] " \
	"[--branch B] [--state S] [--wave W] [--failed SEQ] [--name GLOB] " \
	"[--offset N] [--limit N] | isconf hosts --unpin HOST"

/* The options as the query's keys (fleet.h): --KEY VALUE each. */
static int
hosts_args(const struct request *q, struct fleet_query *fq, int *summary)
{
	size_t		i, k;
	const char	*opt;

	for (i = 1; i < q->argc; i++) {
		opt = q->argv[i];
		if (strcmp(opt, "--summary") == 0) {
			*summary = 1;
			continue;
		}
		if (strcmp(opt, "--all") == 0 || strcmp(opt, "--verify") == 0) {
			*(opt[2] == 'a' ? &fq->all : &fq->verify) = 1;
			continue;
		}
		if (strncmp(opt, "--", 2) != 0 || i + 1 == q->argc)
			return -1;
		for (k = 0; fleet_query_keys[k] != NULL; k++)
			if (strcmp(opt + 2, fleet_query_keys[k]) == 0)
				break;
		if (fleet_query_keys[k] == NULL || fleet_query_arg(fq, opt + 2, q->argv[++i]) == -1)
			return -1;
	}
	return 0;
}

static void
verb_hosts(struct client *c)
{
	const struct request	*q = &c->req;
	struct fleet_query	 fq;
	struct buf		 b;
	char			*cause = NULL;
	int			 summary = 0, rv;

	if (q->argc == 3 && strcmp(q->argv[1], "--unpin") == 0) {
		hosts_unpin(c, q->argv[2]);
		return;
	}
	fleet_query_init(&fq);
	if (hosts_args(q, &fq, &summary) == -1) {
		client_err(c, HOSTS_USAGE);
		client_exit(c, EXIT_USAGE);
		return;
	}
	if (summary) {
		fq.limit = 0;	/* the counts only */
		fq.all = 0;
	}
	buf_init(&b);
	rv = hosts_query(c->d, &b, c->req.flags & CTL_F_JSON, &fq, summary,
	    &cause);
	client_reply_built(c, rv, &b, cause);
}
