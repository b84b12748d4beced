/*
 * The fleet view (fleet.h): hosts.c hands each row to fleet_view_take,
 * which counts it in the summary when it matches the query and says
 * whether it falls on the page.  The summary counts every matching
 * host, by branch and by wave, in its one state (fleet.h), and the
 * failed ones by the entry they failed on.  What rows of a branch
 * share is read from the journal once per view (fleet_branch_get,
 * fleet_diverged): a view costs one pass over memory per host, and
 * SQLite reads per branch.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isconfd.h"
#include "fleet.h"

#define GROUP_BUCKETS	256
/* Failed entries counted apart per branch; beyond, as "other". */
#define FAILS_MAX	256
/* (seq, id) pairs remembered per branch by fleet_diverged. */
#define DIVERGED_MEMO	64

struct fleet_fail {
	uint64_t	seq;
	size_t		hosts;
};

struct fleet_memo {
	uint64_t	 applied;
	uint8_t		 id[32];
	uint64_t	 from;
	char		*copy;
};

/* A branch (or a wave) as the view counts it. */
struct fleet_group {
	char			*name;
	struct fleet_group	*next;		/* hash chain */
	size_t			 hosts;
	size_t			 states[FLEET_NSTATES];
	struct fleet_fail	*fails;
	size_t			 nfails, fails_other;
	int			 loaded;	/* b read */
	struct fleet_branch	 b;
	struct fleet_memo	 memo[DIVERGED_MEMO];
	size_t			 nmemo;
};

struct fleet_groups {
	struct fleet_group	*hash[GROUP_BUCKETS];
	struct fleet_group	**all;		/* in order of first sight */
	size_t			 n, cap;
};

struct fleet_view {
	struct fleet_query	 q;
	struct fleet_groups	 branches, waves;
	size_t			 total, matched, shown, learned;
	char			*scratch;	/* a copy not remembered */
};

struct fleet_view *
fleet_view_new(const struct fleet_query *q)
{
	struct fleet_view	*v = xcalloc(1, sizeof *v);

	v->q = *q;
	return v;
}

static void
groups_free(struct fleet_groups *gs)
{
	struct fleet_group	*g;
	size_t			 i, k;

	for (i = 0; i < gs->n; i++) {
		g = gs->all[i];
		for (k = 0; k < g->nmemo; k++)
			free(g->memo[k].copy);
		free(g->fails);
		free(g->name);
		free(g);
	}
	free(gs->all);
}

void
fleet_view_free(struct fleet_view *v)
{
	if (v == NULL)
		return;
	groups_free(&v->branches);
	groups_free(&v->waves);
	free(v->scratch);
	free(v);
}

static struct fleet_group *
group_get(struct fleet_groups *gs, const char *name)
{
	struct fleet_group	*g;
	uint32_t		 h = 5381;
	const char		*s;

	for (s = name; *s != '\0'; s++)
		h = h * 33 + (unsigned char)*s;
	h %= GROUP_BUCKETS;
	for (g = gs->hash[h]; g != NULL; g = g->next)
		if (strcmp(g->name, name) == 0)
			return g;
	g = xcalloc(1, sizeof *g);
	g->name = xstrdup(name);
	g->next = gs->hash[h];
	gs->hash[h] = g;
	if (gs->n == gs->cap) {
		gs->cap = gs->cap ? 2 * gs->cap : 8;
		gs->all = xreallocarray(gs->all, gs->cap, sizeof *gs->all);
	}
	gs->all[gs->n++] = g;
	return g;
}

static void
group_count(struct fleet_group *g, const struct fleet_row *r)
{
	size_t	i;

	g->hosts++;
	g->states[r->state]++;
	if (r->state != FLEET_FAILED)
		return;
	for (i = 0; i < g->nfails; i++)
		if (g->fails[i].seq == r->failed_seq) {
			g->fails[i].hosts++;
			return;
		}
	if (g->nfails == FAILS_MAX) {
		g->fails_other++;
		return;
	}
	g->fails = xreallocarray(g->fails, g->nfails + 1, sizeof *g->fails);
	g->fails[g->nfails].seq = r->failed_seq;
	g->fails[g->nfails++].hosts = 1;
}

static int
row_matches(const struct fleet_query *q, const struct fleet_row *r)
{
	if (q->branch[0] != '\0' && (r->branch == NULL ||
	    strcmp(q->branch, r->branch) != 0))
		return 0;
	if (q->wave[0] != '\0' && (r->wave == NULL ||
	    strcmp(q->wave, r->wave) != 0))
		return 0;
	if (q->state != -1 && (int)r->state != q->state)
		return 0;
	if (q->failed != 0 && (r->state != FLEET_FAILED ||
	    r->failed_seq != q->failed))
		return 0;
	return q->name[0] == '\0' || fleet_glob(q->name, r->host);
}

int
fleet_view_take(struct fleet_view *v, const struct fleet_row *r)
{
	uint64_t	at;

	v->total++;
	if (!row_matches(&v->q, r))
		return 0;
	at = v->matched++;
	if (r->branch == NULL)
		v->learned++;
	else
		group_count(group_get(&v->branches, r->branch), r);
	if (r->wave != NULL && r->wave[0] != '\0')
		group_count(group_get(&v->waves, r->wave), r);
	if (at < v->q.offset || (!v->q.all && at - v->q.offset >= v->q.limit))
		return 0;
	v->shown++;
	return 1;
}

size_t
fleet_view_shown(const struct fleet_view *v)
{
	return v->shown;
}

int
fleet_branch_get(struct isconfd *d, struct fleet_view *v,
    const char *branch, const struct fleet_branch **out, char **cause)
{
	struct fleet_group	*g = group_get(&v->branches, branch);
	struct jhead		 h;
	char			*info;
	int			 found;

	*out = &g->b;
	if (g->loaded)
		return 0;
	if (journal_head(d->journal, branch, &h, cause) == -1 ||
	    (found = fork_open(d, branch, &info, &g->b.fork_seq,
	    cause)) == -1)
		return -1;
	g->b.head = h.seq;
	if (found == 1) {
		sscanf(info, "%*u %15s %15s", g->b.fork_ours,
		    g->b.fork_theirs);
		free(info);
	} else
		g->b.fork_seq = 0;
	g->loaded = 1;
	return 0;
}

int
fleet_diverged(struct isconfd *d, struct fleet_view *v, const char *branch,
    uint64_t applied, const uint8_t id[32], uint64_t *from,
    const char **copy, char **cause)
{
	struct fleet_group	*g = group_get(&v->branches, branch);
	struct fleet_memo	*m;
	char			*c;
	size_t			 i;

	*copy = NULL;
	for (i = 0; i < g->nmemo; i++) {
		m = &g->memo[i];
		if (m->applied == applied && memcmp(m->id, id, 32) == 0) {
			*from = m->from;
			*copy = m->copy;
			return 0;
		}
	}
	if (diverged_peer(d, branch, applied, id, from, &c, cause) == -1)
		return -1;
	if (g->nmemo == DIVERGED_MEMO) {
		free(v->scratch);
		*copy = v->scratch = c;
		return 0;
	}
	m = &g->memo[g->nmemo++];
	m->applied = applied;
	memcpy(m->id, id, 32);
	m->from = *from;
	*copy = m->copy = c;
	return 0;
}

static void
states_json(struct buf *b, const struct fleet_group *g)
{
	int	i;

	buf_printf(b, "\"hosts\":%zu,\"states\":{", g->hosts);
	for (i = 0; i < FLEET_NSTATES; i++)
		buf_printf(b, "%s\"%s\":%zu", i ? "," : "",
		    fleet_state_names[i], g->states[i]);
	buf_printf(b, "}");
}

static void
summary_json(const struct fleet_view *v, struct buf *b)
{
	const struct fleet_group	*g;
	size_t				 i, k, n = 0;

	buf_printf(b, ",\"total\":%zu,\"matched\":%zu,\"offset\":%llu,"
	    "\"limit\":", v->total, v->matched,
	    (unsigned long long)v->q.offset);
	if (v->q.all)
		buf_printf(b, "null");
	else
		buf_printf(b, "%llu", (unsigned long long)v->q.limit);
	buf_printf(b, ",\"summary\":{\"branches\":[");
	for (i = 0; i < v->branches.n; i++) {
		g = v->branches.all[i];
		if (g->hosts == 0)
			continue;	/* read for a row that did not match */
		buf_printf(b, "%s{\"branch\":", n++ ? "," : "");
		buf_add_json(b, g->name);
		buf_printf(b, ",\"head\":%llu,", (unsigned long long)g->b.head);
		states_json(b, g);
		buf_printf(b, ",\"failures\":[");
		for (k = 0; k < g->nfails; k++)
			buf_printf(b, "%s{\"entry\":%llu,\"hosts\":%zu}",
			    k ? "," : "", (unsigned long long)g->fails[k].seq,
			    g->fails[k].hosts);
		buf_printf(b, "],\"failures_other\":%zu}", g->fails_other);
	}
	buf_printf(b, "],\"waves\":[");
	for (i = 0; i < v->waves.n; i++) {
		g = v->waves.all[i];
		buf_printf(b, "%s{\"wave\":", i ? "," : "");
		buf_add_json(b, g->name);
		buf_add_u8(b, ',');
		states_json(b, g);
		buf_add_u8(b, '}');
	}
	buf_printf(b, "],\"learned\":%zu}", v->learned);
}

static void
states_line(struct buf *b, const char *name, const struct fleet_group *g,
    int head)
{
	char	hd[24] = "-";
	int	i;

	if (head)
		snprintf(hd, sizeof hd, "%llu", (unsigned long long)g->b.head);
	buf_printf(b, "%-16s %6s %6zu", name, hd, g->hosts);
	for (i = 0; i < FLEET_NSTATES; i++)
		buf_printf(b, " %7zu", g->states[i]);
	buf_add_u8(b, '\n');
}

static void
summary_text(const struct fleet_view *v, struct buf *b)
{
	const struct fleet_group	*g;
	size_t				 i, k;

	buf_printf(b, "%-16s %6s %6s %7s %7s %7s %7s %7s %7s %7s\n",
	    "BRANCH", "HEAD", "HOSTS", "AT-HEAD", "BEHIND", "WAVE", "HELD",
	    "FORKED", "FAILED", "UNKNOWN");
	for (i = 0; i < v->branches.n; i++) {
		g = v->branches.all[i];
		if (g->hosts == 0)
			continue;
		states_line(b, g->name, g, 1);
		for (k = 0; k < g->nfails; k++)
			buf_printf(b, "  failed at %llu: %zu host%s\n",
			    (unsigned long long)g->fails[k].seq,
			    g->fails[k].hosts, g->fails[k].hosts == 1 ? "" :
			    "s");
		if (g->fails_other > 0)
			buf_printf(b, "  failed elsewhere: %zu hosts\n",
			    g->fails_other);
	}
	for (i = 0; i < v->waves.n; i++) {
		if (i == 0)
			buf_printf(b, "%-16s\n", "WAVE");
		states_line(b, v->waves.all[i]->name, v->waves.all[i], 0);
	}
	if (v->learned > 0)
		buf_printf(b, "learned of only: %zu hosts\n", v->learned);
	buf_printf(b, "%zu of %zu hosts match\n", v->matched, v->total);
}

void
fleet_view_summary(const struct fleet_view *v, struct buf *b, int json)
{
	if (json)
		summary_json(v, b);
	else
		summary_text(v, b);
}

void
fleet_view_more(const struct fleet_view *v, struct buf *b)
{
	uint64_t	end = v->q.offset + v->shown;

	if (v->q.all || end >= v->matched)
		return;
	buf_printf(b, "(%zu of %zu hosts shown: --offset %llu for the next, "
	    "--summary for the counts)\n", v->shown, v->matched,
	    (unsigned long long)end);
}
