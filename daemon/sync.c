/*
 * Pulling journal entries from peers.  A host asks a peer for the
 * entries of a branch after its own head; what comes back is stored
 * only if it extends that head, chains, and carries valid signatures
 * (bound to the branch, trusted when trusted_keys exists).  When a
 * peer's history does not extend ours, the whole branch is fetched to
 * find where they part: that is a fork.  Both sides are kept (theirs as
 * BRANCH.fork-ID), the fork is recorded, and up stops before it.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isconfd.h"

#define SYNC_MAX_ENTRIES	100000

struct sync_wait {
	struct isconfd	*d;
	int		 outstanding;
	int		 answered;
	struct event	*timer;
	sync_done_cb	 cb;
	void		*arg;
};

struct sync_run {
	struct isconfd		*d;
	char			*branch;
	struct sockaddr_in	 peer;
	int			 full;
	struct net_conn		*conn;
	struct entry		*es;
	size_t			 n;
	int			 answered;
	struct sync_wait	*wait;
	struct sync_run		*next;
};

static int
check_sig(struct isconfd *d, const struct entry *e, const char *branch,
    char **cause)
{
	struct sig_info	si;
	int		rv = 0;

	if (sig_decode(&e->payload, &si) == -1)
		return set_cause(cause, "entry %llu: no signer",
		    (unsigned long long)e->seq);
	if (hostkey_verify(e, branch, si.pubkey) != 0)
		rv = set_cause(cause, "entry %llu: bad signature",
		    (unsigned long long)e->seq);
	else if (hostkey_trusted(d, si.pubkey, cause) == -1)
		rv = -1;
	free(si.parent_branch);
	return rv;
}

int
entries_verify(struct isconfd *d, const char *branch, const struct entry *es,
    size_t n, const uint8_t *parent, char **cause)
{
	struct sig_info	 si;
	char		*b;
	size_t		 i;
	int		 rv = 0;

	for (i = 0; i < n; i++) {
		if (memcmp(es[i].parent, i ? es[i - 1].id : parent,
		    HASH_LEN) != 0 || (i && es[i].seq != es[i - 1].seq + 1))
			return set_cause(cause, "hash chain broken at entry "
			    "%llu", (unsigned long long)es[i].seq);
		if ((es[i].kind == ENTRY_CI || es[i].kind == ENTRY_FORK) &&
		    !es[i].has_sig)
			return set_cause(cause, "entry %llu is not signed",
			    (unsigned long long)es[i].seq);
	}
	if (n > 0 && !es[n - 1].has_sig)
		return set_cause(cause, "the last entry is not signed");
	b = xstrdup(branch);
	for (i = n; i-- > 0 && rv == 0; ) {
		if (es[i].has_sig)
			rv = check_sig(d, &es[i], b, cause);
		if (rv == 0 && es[i].kind == ENTRY_FORK &&
		    sig_decode(&es[i].payload, &si) == 0) {
			free(b);
			b = si.parent_branch;
		}
	}
	free(b);
	return rv;
}

int
fork_get(struct isconfd *d, const char *branch, char **info, uint64_t *seq,
    char **cause)
{
	char	*key;
	int	 r;

	*seq = 0;
	xasprintf(&key, "fork:%s", branch);
	r = journal_state_get(d->journal, key, info, cause);
	free(key);
	if (r == 1)
		*seq = strtoull(*info, NULL, 10);
	return r;
}

static void
fork_record(struct isconfd *d, struct sync_run *s, size_t k)
{
	struct entry	 mine;
	char		 ours[13], theirs[13], *fname, *key, *v, *cause = NULL;
	uint64_t	 seq;
	int		 r;

	if ((r = fork_get(d, s->branch, &v, &seq, &cause)) == 1)
		free(v);
	/* Known already, or our entry k + 1 gone meanwhile: nothing to do. */
	if (r != 0 || (r = journal_get(d->journal, s->branch, k + 1, &mine,
	    &cause)) != 1) {
		if (r == -1)
			log_warnx("recording a fork of %s: %s", s->branch,
			    cause);
		free(cause);
		return;
	}
	id_short(ours, mine.id);
	id_short(theirs, s->es[k].id);
	entry_free(&mine);
	xasprintf(&fname, "%s.fork-%s", s->branch, theirs);
	if ((r = journal_branch_exists(d->journal, fname, &cause)) == -1)
		log_warnx("keeping the other side of the fork: %s", cause);
	else if (r == 0 && (journal_fork(d->journal, s->branch, fname, k, &s->es[k],
	    &cause) == -1 || journal_append(d->journal, fname, s->es + k + 1,
	    s->n - k - 1, 0, &cause) == -1))
		log_warnx("keeping the other side of the fork: %s", cause);
	xasprintf(&key, "fork:%s", s->branch);
	xasprintf(&v, "%zu %s %s %s %s", k + 1, ours, theirs, fname,
	    inet_ntoa(s->peer.sin_addr));
	journal_state_set(d->journal, key, v, NULL);
	log_warnx("FORK on %s at entry %zu: ours %s, %s has %s (kept as "
	    "branch %s); up stops before it", s->branch, k + 1, ours,
	    inet_ntoa(s->peer.sin_addr), theirs, fname);
	free(key);
	free(v);
	free(fname);
	free(cause);
}

/* A full fetch: find where the peer's branch and ours part. */
static void
store_full(struct isconfd *d, struct sync_run *s, const struct jhead *h)
{
	struct entry	e;
	uint8_t		zero[HASH_LEN] = { 0 };
	char		*cause = NULL;
	size_t		k;

	if (entries_verify(d, s->branch, s->es, s->n, zero, &cause) == -1) {
		refusal_send(d, s->conn, cause);
		log_warnx("refused entries of %s from %s: %s", s->branch,
		    inet_ntoa(s->peer.sin_addr), cause);
		free(cause);
		return;
	}
	for (k = 0; k < s->n && k < h->seq; k++) {
		if (journal_get(d->journal, s->branch, k + 1, &e,
		    &cause) != 1) {
			log_warnx("comparing entries of %s from %s: %s",
			    s->branch, inet_ntoa(s->peer.sin_addr), cause ?
			    cause : "an entry below the head is missing");
			free(cause);
			return;
		}
		int same = memcmp(e.id, s->es[k].id, HASH_LEN) == 0;
		entry_free(&e);
		if (!same) {
			fork_record(d, s, k);
			return;
		}
	}
	if (k < s->n && journal_append(d->journal, s->branch, s->es + k,
	    s->n - k, 0, &cause) == -1) {
		log_warnx("storing entries of %s: %s", s->branch, cause);
		free(cause);
	}
}

static int
prefetch_off(struct isconfd *d)
{
	const char	*v = env_get(&d->conf.env, "IS_PREFETCH");

	return v != NULL && strcmp(v, "0") == 0;
}

static void
sync_store(struct isconfd *d, struct sync_run *s)
{
	struct jhead	 h;
	char		*cause = NULL;

	if (s->n == 0)
		return;
	if (journal_head(d->journal, s->branch, &h, &cause) == -1) {
		log_warnx("storing entries of %s: %s", s->branch, cause);
		free(cause);
		return;
	}
	if (s->full) {
		store_full(d, s, &h);
	} else if (s->es[0].seq != h.seq + 1 ||
	    memcmp(s->es[0].parent, h.id, HASH_LEN) != 0) {
		if (s->es[0].seq == h.seq + 1)
			sync_branch(d, s->branch, &s->peer, 1);
		return;
	} else if (entries_verify(d, s->branch, s->es, s->n, h.id,
	    &cause) == -1 || journal_append(d->journal, s->branch, s->es,
	    s->n, 0, &cause) == -1) {
		refusal_send(d, s->conn, cause);
		log_warnx("refused entries of %s from %s: %s", s->branch,
		    inet_ntoa(s->peer.sin_addr), cause);
		free(cause);
		return;
	}
	if (journal_head(d->journal, s->branch, &h, NULL) == 0)
		log_info("%s: now at entry %llu (from %s)", s->branch,
		    (unsigned long long)h.seq, inet_ntoa(s->peer.sin_addr));
	/* Pass the news on: this is how a ci spreads past the origin's
	 * own fan-out. */
	mesh_announce(d, ANNOUNCE_NEWS);
	/* Fetch the new files now, so up finds them here (IS_PREFETCH=0:
	 * only when up runs, for hosts short of bandwidth or disk). */
	if (strcmp(s->branch, d->branch) == 0 && !prefetch_off(d))
		sync_chunks(d, s->branch, NULL, NULL, NULL);
}

static void
wait_done(struct sync_wait *w)
{
	struct sync_run	*s;

	for (s = w->d->syncs; s != NULL; s = s->next)
		if (s->wait == w)
			s->wait = NULL;
	event_free(w->timer);
	w->cb(w->d, w->arg, w->answered);
	free(w);
}

static void
wait_timeout(evutil_socket_t fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	wait_done(arg);
}

static void
run_free(struct sync_run *s)
{
	struct sync_run	**pp;

	for (pp = &s->d->syncs; *pp != NULL; pp = &(*pp)->next)
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	journal_entries_free(s->es, s->n);
	free(s->branch);
	free(s);
}

static void
run_closed(void *arg, struct net_conn *c, const char *error)
{
	struct sync_run		*s = arg;
	struct sync_wait	*w = s->wait;

	(void)c;
	if (error != NULL && !s->answered)
		log_debug("sync %s from %s: %s", s->branch,
		    inet_ntoa(s->peer.sin_addr), error);
	run_free(s);
	if (w != NULL && --w->outstanding == 0)
		wait_done(w);
}

static int
run_frame(void *arg, struct net_conn *c, uint8_t type, const uint8_t *p,
    size_t len)
{
	struct sync_run	*s = arg;
	struct entry	 e;

	if (type == F_ENTRY) {
		if (s->n >= SYNC_MAX_ENTRIES ||
		    wire_entry_decode(p, len, &e) == -1)
			return -1;
		s->es = xreallocarray(s->es, s->n + 1, sizeof *s->es);
		s->es[s->n++] = e;
		return 0;
	}
	if (type == F_END) {
		s->answered = 1;
		if (s->wait != NULL)
			s->wait->answered++;
		sync_store(s->d, s);
		net_conn_finish(c);
		return 0;
	}
	return -1;
}

static struct sync_run *
run_find(struct isconfd *d, const char *branch, const struct sockaddr_in *a)
{
	struct sync_run	*s;

	for (s = d->syncs; s != NULL; s = s->next)
		if (strcmp(s->branch, branch) == 0 &&
		    s->peer.sin_addr.s_addr == a->sin_addr.s_addr)
			return s;
	return NULL;
}

static struct sync_run *
run_start(struct isconfd *d, const char *branch,
    const struct sockaddr_in *peer, int full, struct sync_wait *w)
{
	struct sync_run	*s;
	struct jhead	 h;
	struct buf	 b;
	char		*cause = NULL;

	if (d->net == NULL)
		return NULL;
	if (journal_head(d->journal, branch, &h, &cause) == -1) {
		log_warnx("sync of %s: %s; skipped", branch, cause);
		free(cause);
		return NULL;
	}
	s = xcalloc(1, sizeof *s);
	s->d = d;
	s->branch = xstrdup(branch);
	s->peer = *peer;
	s->full = full;
	s->wait = w;
	s->next = d->syncs;
	d->syncs = s;
	buf_init(&b);
	buf_add_str(&b, branch);
	buf_add_u64(&b, full ? 0 : h.seq);
	if ((s->conn = net_connect(d->net, peer, run_frame, run_closed,
	    s)) == NULL) {
		buf_free(&b);
		run_free(s);
		return NULL;
	}
	net_conn_send(s->conn, F_GET_ENTRIES, b.data, b.len);
	buf_free(&b);
	return s;
}

void
sync_branch(struct isconfd *d, const char *branch,
    const struct sockaddr_in *peer, int full)
{
	struct sync_run	*s = run_find(d, branch, peer);

	if (s != NULL && (s->full || !full))
		return;
	run_start(d, branch, peer, full, NULL);
}

void
sync_branch_all(struct isconfd *d, const char *branch, int timeout_ms,
    sync_done_cb cb, void *arg)
{
	struct sync_wait	*w;
	struct sockaddr_in	*to;
	struct timeval		 tv;
	size_t			 i, n;

	w = xcalloc(1, sizeof *w);
	w->d = d;
	w->cb = cb;
	w->arg = arg;
	w->timer = evtimer_new(d->base, wait_timeout, w);
	w->outstanding = 1;	/* held until every run has started */
	n = mesh_targets(d, &to);
	for (i = 0; i < n; i++)
		if (run_start(d, branch, &to[i], 0, w) != NULL)
			w->outstanding++;
	free(to);
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	evtimer_add(w->timer, &tv);
	if (--w->outstanding == 0) {
		w->answered = -1;	/* nobody to ask */
		wait_done(w);
	}
}
