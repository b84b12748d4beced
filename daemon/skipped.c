/*
 * Skipped entries (issue 16): which entries of a branch a checked-in
 * skip entry says not to apply, and the checks a new skip must pass.
 * up skips an entry when a skip entry later in the branch names its seq
 * and id; skip and lock --skip journal one; ci and lock decide by them
 * whether a host that is behind may open or close a transaction.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "isconfd.h"

void
skips_free(struct skips *s)
{
	size_t	i;

	for (i = 0; i < s->n; i++)
		skip_info_free(&s->v[i]);
	free(s->v);
	free(s->by);
	memset(s, 0, sizeof *s);
}

int
skips_load(struct isconfd *d, const char *branch, uint64_t after,
    struct skips *s, char **cause)
{
	struct entry	*es;
	struct jhead	 h;
	size_t		 n, i;

	skips_free(s);
	if (journal_head(d->journal, branch, &h, cause) == -1 ||
	    journal_list_kind(d->journal, branch, ENTRY_SKIP, after, &es, &n,
	    cause) == -1)
		return -1;
	s->v = xcalloc(n ? n : 1, sizeof *s->v);
	s->by = xcalloc(n ? n : 1, sizeof *s->by);
	for (i = 0; i < n; i++) {
		/* entry_decode checked the payload already. */
		if (skip_decode(&es[i].payload, &s->v[s->n]) == 0)
			s->by[s->n++] = es[i].seq;
	}
	s->upto = h.seq;
	journal_entries_free(es, n);
	return 0;
}

int
skips_taken(struct isconfd *d, const char *branch, struct skips *s,
    char **cause)
{
	struct japplied	a;
	size_t		i, k = 0;
	int		r;

	if (skips_load(d, branch, 0, s, cause) == -1)
		return -1;
	for (i = 0; i < s->n; i++) {
		if ((r = journal_applied_get(d->journal, branch, s->v[i].seq,
		    &a, cause)) == -1) {
			skips_free(s);
			return -1;
		}
		if (r == 0 || a.status != JA_SKIPPED) {
			skip_info_free(&s->v[i]);
			continue;
		}
		s->v[k] = s->v[i];
		s->by[k++] = s->by[i];
	}
	s->n = k;
	return 0;
}

int
skips_find(const struct skips *s, const struct entry *e, uint64_t *by)
{
	size_t	i;

	for (i = 0; i < s->n; i++)
		if (s->v[i].seq == e->seq && s->by[i] > e->seq &&
		    memcmp(s->v[i].id, e->id, HASH_LEN) == 0) {
			*by = s->by[i];
			return 1;
		}
	return 0;
}

/* SEQ or BRANCH:SEQ; 0 and the seq, or -1 (cause: what is wrong). */
static int
skip_parse(struct isconfd *d, const char *arg, uint64_t *seq, char **cause)
{
	const char	*colon = strrchr(arg, ':'), *num = arg;
	char		*end;

	if (colon != NULL) {
		if ((size_t)(colon - arg) != strlen(d->branch) ||
		    strncmp(arg, d->branch, (size_t)(colon - arg)) != 0)
			return set_cause(cause, "%s is not an entry of %s, the "
			    "branch this host follows: only its entries can "
			    "be skipped here", arg, d->branch);
		num = colon + 1;
	}
	errno = 0;
	*seq = strtoull(num, &end, 10);
	if (*num < '0' || *num > '9' || *end != '\0' || errno != 0 ||
	    *seq == 0)
		return set_cause(cause, "'%s' is not an entry number (SEQ or "
		    "%s:SEQ, as isconf log shows it)", arg, d->branch);
	return 0;
}

/* Skipped already: by a checked-in skip, or in this host's wip. */
static int
skip_done(struct isconfd *d, const struct entry *e, char **cause)
{
	struct skips	 s;
	struct entry	*wip;
	struct skip_info k;
	uint64_t	 by;
	size_t		 n, i;
	int		 found;

	memset(&s, 0, sizeof s);
	if (skips_load(d, d->branch, e->seq, &s, cause) == -1)
		return -1;
	found = skips_find(&s, e, &by);
	skips_free(&s);
	if (found)
		return set_cause(cause, "entry %llu is skipped already (by "
		    "entry %llu)", (unsigned long long)e->seq,
		    (unsigned long long)by);
	if (journal_wip_list(d->journal, d->branch, &wip, &n, cause) == -1)
		return -1;
	for (i = 0, found = 0; i < n && !found; i++) {
		if (wip[i].kind == ENTRY_SKIP &&
		    skip_decode(&wip[i].payload, &k) == 0) {
			found = k.seq == e->seq;
			skip_info_free(&k);
		}
	}
	journal_entries_free(wip, n);
	if (found)
		return set_cause(cause, "entry %llu is skipped already in "
		    "this transaction", (unsigned long long)e->seq);
	return 0;
}

int
skip_check(struct isconfd *d, const char *arg, struct skip_info *k,
    char **cause)
{
	struct entry	e;
	struct jhead	h;
	int		r, rv = -1;

	memset(k, 0, sizeof *k);
	if (skip_parse(d, arg, &k->seq, cause) == -1 ||
	    journal_head(d->journal, d->branch, &h, cause) == -1)
		return -1;
	if (k->seq > h.seq)
		return set_cause(cause, "%s has no entry %llu: its head here "
		    "is %llu", d->branch, (unsigned long long)k->seq,
		    (unsigned long long)h.seq);
	if ((r = journal_get(d->journal, d->branch, k->seq, &e, cause)) != 1)
		return r == 0 ? set_cause(cause, "entry %s:%llu is missing "
		    "from the journal", d->branch,
		    (unsigned long long)k->seq) : -1;
	if (e.kind != ENTRY_SNAP && e.kind != ENTRY_EXEC &&
	    e.kind != ENTRY_REBOOT)
		set_cause(cause, "entry %llu is a %s entry: only snap, exec "
		    "and reboot entries can be skipped",
		    (unsigned long long)k->seq, entry_kind_name(e.kind));
	else if (skip_done(d, &e, cause) == 0) {
		memcpy(k->id, e.id, HASH_LEN);
		rv = 0;
	}
	entry_free(&e);
	return rv;
}

/* The first entry of the wip after the lock: is it a skip of seq? */
int
skip_opens_wip(struct isconfd *d, uint64_t seq, char **cause)
{
	struct entry	*wip;
	struct skip_info k;
	size_t		 n;
	int		 r = 0;

	if (journal_wip_list(d->journal, d->branch, &wip, &n, cause) == -1)
		return -1;
	if (n >= 2 && wip[1].kind == ENTRY_SKIP &&
	    skip_decode(&wip[1].payload, &k) == 0) {
		r = k.seq == seq;
		skip_info_free(&k);
	}
	journal_entries_free(wip, n);
	return r;
}
