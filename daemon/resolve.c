/*
 * resolve BRANCH HEAD: choose the side of a fork that wins.  The
 * decision is a branch of its own, BRANCH.resolve-ID, holding one
 * signed resolve entry (the fork's seq and the winning side's entry
 * there), so it replicates to every host as any branch does, and needs
 * no lock: a host of the losing side may be unable to take one.  Each
 * host applies the latest decision it holds (decision_order): on the
 * winning side nothing moves; on the losing side the branch takes the
 * winner's entries and keeps its own as the copy BRANCH.fork-ID.
 * Nothing is deleted.  A host that applied entries of the losing side
 * is diverged until `up --adopt` (up.c) records them as applied off the
 * branch.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isconfd.h"

static void	verb_resolve(struct client *);

const struct verb_entry verb_resolve_entry = {
	.name = "resolve",
	.exec = verb_resolve,
};

/* The fork record (sync.c's fork_note), parsed. */
struct fork_rec {
	uint64_t	seq;
	char		ours[16], theirs[16], copy[256], their_host[256],
			our_host[256];
};

static int
fork_rec_get(struct isconfd *d, const char *branch, struct fork_rec *f,
    char **cause)
{
	char	*info;
	int	 r;

	memset(f, 0, sizeof *f);
	if ((r = fork_get(d, branch, &info, &f->seq, cause)) != 1)
		return r;
	xstrlcpy(f->our_host, "?", sizeof f->our_host);
	sscanf(info, "%*u %15s %15s %255s %255s %255s", f->ours, f->theirs,
	    f->copy, f->their_host, f->our_host);
	free(info);
	return 1;
}

/* Every decision on branch: fn for each (its branch, entry, payload). */
typedef void (*decision_cb)(void *, const char *, const struct entry *,
    const struct resolve_info *);

static int
decisions_walk(struct isconfd *d, const char *branch, decision_cb fn,
    void *arg, char **cause)
{
	struct entry		 e;
	struct resolve_info	 ri;
	char			**names, *prefix;
	size_t			  n, i, plen;
	int			  rv = 0, r;

	if (journal_branches(d->journal, &names, &n, cause) == -1)
		return -1;
	xasprintf(&prefix, "%s.resolve-", branch);
	plen = strlen(prefix);
	for (i = 0; i < n; i++) {
		if (rv == 0 && strncmp(names[i], prefix, plen) == 0) {
			r = journal_get(d->journal, names[i], 1, &e, cause);
			if (r == -1)
				rv = -1;
			if (r == 1 && e.kind == ENTRY_RESOLVE &&
			    resolve_decode(&e.payload, &ri) == 0) {
				if (strcmp(ri.branch, branch) == 0)
					fn(arg, names[i], &e, &ri);
				free(ri.branch);
			}
			if (r == 1)
				entry_free(&e);
		}
		free(names[i]);
	}
	free(names);
	free(prefix);
	return rv;
}

/*
 * Which decision is later: its order, ns (a decision made knowing
 * another is ordered after it even if the clocks disagree: see
 * decision_store); one written before decisions had an order, by its
 * entry's time, which is in seconds.  Equal orders (no two hosts'
 * decisions, in practice) fall back to the id.
 */
static uint64_t
decision_order(const struct entry *e, const struct resolve_info *ri)
{
	if (ri->order != 0)
		return ri->order;
	return e->time > 0 ? (uint64_t)e->time * 1000000000 : 0;
}

/* The latest decision, and whether another names another winner. */
struct latest {
	int			found, conflict;
	uint64_t		order;		/* decision_order */
	uint8_t			id[HASH_LEN];
	uint64_t		seq;
	uint8_t			winner[HASH_LEN];
	char			host[256];
	struct buf		*out;		/* each listed, if set */
};

static void
latest_one(void *arg, const char *name, const struct entry *e,
    const struct resolve_info *ri)
{
	struct latest	*l = arg;
	uint64_t	 order;
	char		 id[13];

	(void)name;
	if (l->out != NULL) {
		id_short(id, ri->winner);
		buf_printf(l->out, "%s%s by %s", l->out->len ? ", " : "", id,
		    e->host);
	}
	if (l->found && (ri->seq != l->seq ||
	    memcmp(ri->winner, l->winner, HASH_LEN) != 0))
		l->conflict = 1;
	order = decision_order(e, ri);
	if (l->found && (order < l->order || (order == l->order &&
	    memcmp(e->id, l->id, HASH_LEN) < 0)))
		return;
	l->found = 1;
	l->order = order;
	memcpy(l->id, e->id, HASH_LEN);
	l->seq = ri->seq;
	memcpy(l->winner, ri->winner, HASH_LEN);
	xstrlcpy(l->host, e->host, sizeof l->host);
}

static int
latest_get(struct isconfd *d, const char *branch, struct latest *l,
    char **cause)
{
	struct buf	*out = l->out;

	memset(l, 0, sizeof *l);
	l->out = out;
	return decisions_walk(d, branch, latest_one, l, cause);
}

/* The id of branch's entry at seq, 12 hex digits; 0 if none. */
static int
entry_short(struct isconfd *d, const char *branch, uint64_t seq,
    char id[13], uint8_t *full, char **cause)
{
	struct entry	e;
	int		r;

	if ((r = journal_get(d->journal, branch, seq, &e, cause)) != 1)
		return r;
	id_short(id, e.id);
	if (full != NULL)
		memcpy(full, e.id, HASH_LEN);
	entry_free(&e);
	return 1;
}

int
fork_open(struct isconfd *d, const char *branch, char **info, uint64_t *seq,
    char **cause)
{
	struct latest	l = { 0 };
	uint8_t		ours[HASH_LEN];
	char		id[13];
	int		r;

	if ((r = fork_get(d, branch, info, seq, cause)) != 1)
		return r;
	if (latest_get(d, branch, &l, cause) == -1 ||
	    (l.found && entry_short(d, branch, l.seq, id, ours,
	    cause) == -1)) {
		free(*info);
		*info = NULL;
		return -1;
	}
	if (l.found && l.seq == *seq && memcmp(ours, l.winner,
	    HASH_LEN) == 0) {
		free(*info);
		*info = NULL;
		*seq = 0;
		return 0;	/* resolved, and we are on the winner */
	}
	return 1;
}

/* Rewrite the fork record after taking the other side: the sides and
 * their hosts trade places, the copy is now ours. */
static int
fork_rec_swap(struct isconfd *d, const char *branch, const struct fork_rec *f,
    const char *loser, char **cause)
{
	char	*v;
	int	 rv;

	xasprintf(&v, "%llu %s %s %s %s %s", (unsigned long long)f->seq,
	    f->theirs, f->ours, loser, f->our_host, f->their_host);
	rv = state_set_for(d, "fork", branch, v, cause);
	free(v);
	return rv;
}

int
resolve_apply(struct isconfd *d, const char *branch, char **cause)
{
	struct latest	 l = { 0 };
	struct fork_rec	 f;
	uint8_t		 mine[HASH_LEN], theirs[HASH_LEN];
	char		 id[13], *loser = NULL, *origin = NULL;
	int		 r;

	if ((r = fork_rec_get(d, branch, &f, cause)) != 1)
		return r;
	if (latest_get(d, branch, &l, cause) == -1)
		return -1;
	if (!l.found || l.seq != f.seq)
		return 0;
	if ((r = entry_short(d, branch, f.seq, id, mine, cause)) != 1 ||
	    memcmp(mine, l.winner, HASH_LEN) == 0)
		return r == -1 ? -1 : 0;
	/* The winner is the copy's side, if we hold it yet. */
	if ((r = entry_short(d, f.copy, f.seq, id, theirs, cause)) != 1 ||
	    memcmp(theirs, l.winner, HASH_LEN) != 0)
		return r == -1 ? -1 : 0;
	xasprintf(&loser, "%s.fork-%s", branch, f.ours);
	r = -1;
	if (branch_origin(d, branch, &origin, cause) == -1 ||
	    branch_origin_set(d, loser, origin, cause) == -1 ||
	    journal_take_side(d->journal, branch, f.copy, loser, f.seq,
	    cause) == -1 || fork_rec_swap(d, branch, &f, loser, cause) == -1)
		goto out;
	log_info("fork of %s at entry %llu resolved: %s (by %s) wins, this "
	    "host's side kept as branch %s", branch,
	    (unsigned long long)f.seq, f.theirs, f.their_host, loser);
	r = 0;
out:
	free(loser);
	free(origin);
	return r;
}

/* Which side HEAD (an id prefix) names: its entry at seq in winner. */
static int
side_of(struct isconfd *d, const char *branch, const struct fork_rec *f,
    const char *prefix, uint8_t winner[HASH_LEN], char **cause)
{
	const char	*sides[2] = { branch, f->copy };
	struct jhead	 h;
	struct entry	 e;
	char		 hex[2 * HASH_LEN + 1];
	uint64_t	 seq;
	int		 found = -1, i, r;

	for (i = 0; i < 2; i++) {
		if (journal_head(d->journal, sides[i], &h, cause) == -1)
			return -1;
		for (seq = f->seq; seq <= h.seq; seq++) {
			if ((r = journal_get(d->journal, sides[i], seq, &e,
			    cause)) == -1)
				return -1;
			if (r == 0)
				break;
			hex_encode(hex, e.id, HASH_LEN);
			entry_free(&e);
			if (strncmp(hex, prefix, strlen(prefix)) != 0)
				continue;
			if (found != -1 && found != i)
				return set_cause(cause, "%s names an entry "
				    "of both sides; give more digits", prefix);
			found = i;
		}
	}
	if (found == -1)
		return set_cause(cause, "no entry of either side of the fork "
		    "of %s at entry %llu starts with %s", branch,
		    (unsigned long long)f->seq, prefix);
	return entry_short(d, sides[found], f->seq, hex, winner, cause) == 1 ?
	    0 : set_cause(cause, "entry %s:%llu is gone", sides[found],
	    (unsigned long long)f->seq);
}

/* The signed decision: one resolve entry, the branch named after it. */
static int
decision_store(struct client *c, const char *branch, uint64_t seq,
    const uint8_t winner[HASH_LEN], char **name, char **cause)
{
	struct isconfd		*d = c->d;
	struct latest		 l = { 0 };
	struct entry		 e;
	struct resolve_info	 ri;
	char			 id[13];
	int			 rv;

	/* Later than every decision known here, whatever the clocks say:
	 * "the later resolve wins" by the order they were made in. */
	if (latest_get(d, branch, &l, cause) == -1)
		return -1;
	ri.order = (uint64_t)now_ns();
	if (l.found && ri.order <= l.order)
		ri.order = l.order + 1;
	memset(&e, 0, sizeof e);
	e.kind = ENTRY_RESOLVE;
	e.seq = 1;
	e.time = now_ns() / 1000000000;
	e.host = xstrdup(d->conf.hostname);
	e.author = xstrdup(c->req.author);
	id_short(id, winner);
	xasprintf(&e.message, "resolve %s: %s wins", branch, id);
	memcpy(ri.pubkey, d->pk, PUBKEY_LEN);
	ri.branch = (char *)branch;
	ri.seq = seq;
	memcpy(ri.winner, winner, HASH_LEN);
	resolve_encode(&ri, &e.payload);
	entry_compute_id(&e);
	id_short(id, e.id);
	xasprintf(name, "%s.resolve-%s", branch, id);
	hostkey_sign(d, &e, *name);
	rv = journal_append(d->journal, *name, &e, 1, 0, cause);
	entry_free(&e);
	return rv;
}

static void
verb_resolve(struct client *c)
{
	struct isconfd	*d = c->d;
	const char	*branch = c->req.argv[1], *prefix = c->req.argv[2];
	struct fork_rec	 f;
	uint8_t		 winner[HASH_LEN];
	char		*cause = NULL, *name = NULL, id[13];
	size_t		 i;
	int		 r;

	if (!branch_name_ok(c, branch))
		return;
	for (i = 0; prefix[i] != '\0'; i++)
		if (strchr("0123456789abcdef", prefix[i]) == NULL)
			break;
	if (i < 4 || prefix[i] != '\0' || i > 2 * HASH_LEN) {
		client_err(c, "'%s' is not an entry id (4 to 64 hex digits)",
		    prefix);
		client_exit(c, EXIT_USAGE);
		return;
	}
	if ((r = fork_rec_get(d, branch, &f, &cause)) == 0) {
		client_err(c, "resolve: no fork of %s is known here", branch);
		client_exit(c, 1);
		return;
	}
	if (r == -1 || side_of(d, branch, &f, prefix, winner, &cause) == -1 ||
	    decision_store(c, branch, f.seq, winner, &name, &cause) == -1 ||
	    resolve_apply(d, branch, &cause) == -1) {
		client_err(c, "resolve: %s", cause);
		client_exit(c, 1);
		goto out;
	}
	id_short(id, winner);
	client_info(c, "resolved the fork of %s at entry %llu: %s wins "
	    "(decision %s); hosts that applied the other side's entries "
	    "move with 'isconf up --adopt'", branch,
	    (unsigned long long)f.seq, id, name);
	log_info("resolve %s at %llu: %s wins (%s)", branch,
	    (unsigned long long)f.seq, id, name);
	mesh_announce(d, ANNOUNCE_CHANGE);
	client_exit(c, 0);
out:
	free(name);
	free(cause);
}

int
resolve_status(struct isconfd *d, const char *branch, struct buf *b,
    int json, char **cause)
{
	struct latest	l = { 0 };
	struct buf	list;
	char		id[13];

	buf_init(&list);
	l.out = &list;
	if (latest_get(d, branch, &l, cause) == -1) {
		buf_free(&list);
		return -1;
	}
	buf_add_u8(&list, 0);
	if (l.found)
		id_short(id, l.winner);
	if (json && l.found) {
		buf_printf(b, "\"resolved\":{\"entry\":%llu,\"winner\":\"%s\","
		    "\"by\":", (unsigned long long)l.seq, id);
		buf_add_json(b, l.host);
		buf_printf(b, ",\"conflict\":%s},", l.conflict ? "true" :
		    "false");
	} else if (json)
		buf_printf(b, "\"resolved\":null,");
	else if (l.found)
		buf_printf(b, "resolved: fork at entry %llu: %s wins (by %s)%s"
		    "%s\n", (unsigned long long)l.seq, id, l.host,
		    l.conflict ? "; CONFLICTING decisions, the latest wins: " :
		    "", l.conflict ? (char *)list.data : "");
	buf_free(&list);
	return 0;
}

void
resolve_news(struct isconfd *d, const char *branch, const char *origin)
{
	struct entry		 e;
	struct resolve_info	 ri;
	char			*of = NULL, *cause = NULL;
	int			 r;

	if (strstr(branch, ".resolve-") == NULL)
		of = xstrdup(origin);
	else if ((r = journal_get(d->journal, branch, 1, &e, &cause)) == 1) {
		if (e.kind == ENTRY_RESOLVE &&
		    resolve_decode(&e.payload, &ri) == 0)
			of = ri.branch;
		entry_free(&e);
	}
	if (of != NULL && resolve_apply(d, of, &cause) == -1)
		log_warnx("applying the decisions on %s: %s", of, cause);
	free(of);
	free(cause);
}

int
diverged_copy(struct isconfd *d, const char *branch, uint64_t bad,
    char **copy, char **cause)
{
	struct fork_rec	f;
	int		r;

	*copy = NULL;
	if ((r = fork_rec_get(d, branch, &f, cause)) != 1)
		return r;
	if (bad < f.seq)
		return 0;
	*copy = xstrdup(f.copy);
	return 1;
}

/*
 * Another host diverged: it announced (its hello) that the last entry
 * it applied of branch is at applied with this id.  It applied the
 * losing side when a decision holds here, applied is at or past the
 * fork, and the id is the losing copy's entry there (after the
 * decision, the fork record's copy is always the losing side).  1,
 * from (the fork's seq) and the copy (the caller frees it); 0 if not,
 * or not known here; -1.
 */
int
diverged_peer(struct isconfd *d, const char *branch, uint64_t applied,
    const uint8_t id[HASH_LEN], uint64_t *from, char **copy, char **cause)
{
	struct fork_rec	f;
	struct latest	l = { 0 };
	uint8_t		mine[HASH_LEN], theirs[HASH_LEN];
	char		sid[13];
	int		r;

	*from = 0;
	*copy = NULL;
	if ((r = fork_rec_get(d, branch, &f, cause)) != 1 || applied < f.seq)
		return r == -1 ? -1 : 0;
	if (latest_get(d, branch, &l, cause) == -1)
		return -1;
	if (!l.found || l.seq != f.seq)
		return 0;
	if ((r = entry_short(d, branch, f.seq, sid, mine, cause)) != 1 ||
	    memcmp(mine, l.winner, HASH_LEN) != 0)
		return r == -1 ? -1 : 0;
	if ((r = entry_short(d, f.copy, applied, sid, theirs, cause)) != 1 ||
	    memcmp(theirs, id, HASH_LEN) != 0)
		return r == -1 ? -1 : 0;
	*from = f.seq;
	*copy = xstrdup(f.copy);
	return 1;
}

/* Entries from to to: each, or a range when there are many. */
static void
seqs_print(struct buf *b, uint64_t from, uint64_t to)
{
	uint64_t	seq;

	if (to - from >= 10) {
		buf_printf(b, " %llu-%llu", (unsigned long long)from,
		    (unsigned long long)to);
		return;
	}
	for (seq = from; seq <= to; seq++)
		buf_printf(b, " %llu", (unsigned long long)seq);
}

/* The other hosts that applied a losing side, as their hellos tell:
 * the DIVERGED lines (or "diverged_hosts"). */
int
resolve_diverged_peers(struct isconfd *d, struct buf *b, int json,
    char **cause)
{
	struct peer	*p;
	uint64_t	 from;
	char		*copy;
	int		 r, n = 0;

	if (json)
		buf_printf(b, "\"diverged_hosts\":[");
	TAILQ_FOREACH(p, &d->peers, entry) {
		if ((r = diverged_peer(d, p->branch, p->applied,
		    p->applied_id, &from, &copy, cause)) == -1)
			return -1;
		if (r == 0)
			continue;
		if (json) {
			buf_printf(b, "%s{\"host\":", n++ ? "," : "");
			buf_add_json(b, p->host);
			buf_printf(b, ",\"branch\":");
			buf_add_json(b, p->branch);
			buf_printf(b, ",\"from\":%llu,\"to\":%llu,"
			    "\"kept_as\":", (unsigned long long)from,
			    (unsigned long long)p->applied);
			buf_add_json(b, copy);
			buf_printf(b, "}");
		} else {
			buf_printf(b, "DIVERGED: host %s applied entries",
			    p->host);
			seqs_print(b, from, p->applied);
			buf_printf(b, " of the losing side of %s (kept as "
			    "branch %s); isconf up --adopt there moves it onto "
			    "the winner\n", p->branch, copy);
		}
		free(copy);
	}
	if (json)
		buf_printf(b, "],");
	return 0;
}

int
resolve_diverged(struct isconfd *d, struct buf *b, int json, char **cause)
{
	uint64_t	 applied, bad;
	char		*copy = NULL;
	int		 r;

	if (journal_applied(d->journal, d->branch, &applied, cause) == -1 ||
	    (r = journal_history_matches(d->journal, d->branch, d->branch,
	    applied, &bad, cause)) == -1 || (r == 1 && (r = diverged_copy(d,
	    d->branch, bad, &copy, cause)) == -1))
		return -1;
	if (r == 0) {
		if (json)
			buf_printf(b, "\"diverged\":null,");
		return 0;
	}
	if (json) {
		buf_printf(b, "\"diverged\":{\"from\":%llu,\"to\":%llu,"
		    "\"kept_as\":", (unsigned long long)bad,
		    (unsigned long long)applied);
		buf_add_json(b, copy);
		buf_printf(b, "},");
	} else {
		buf_printf(b, "DIVERGED: applied entries");
		seqs_print(b, bad, applied);
		buf_printf(b, " of the losing side (kept as branch %s); "
		    "isconf up --adopt moves this host onto the winner\n",
		    copy);
	}
	free(copy);
	return 0;
}
