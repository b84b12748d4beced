/*
 * Pulling journal entries from peers.  A host asks a peer for the
 * entries of a branch after its own head; what comes back is stored
 * only if it extends that head, chains, and carries valid signatures
 * (bound to the branch, trusted when trusted_keys exists).  When a
 * peer's history does not extend ours, the whole branch is fetched to
 * find where they part: that is a fork.  Both sides are kept (theirs as
 * BRANCH.fork-ID), the fork is recorded, and up stops before it.
 *
 * A signature covers a whole transaction at its ci, which may come
 * 100,000 entries after the first, so entries are checked as they
 * arrive (each must extend the one before, and is bounded by the frame
 * size) and held in a small batch; a full batch goes to the journal's
 * staging table (journal/stage.c), never into memory.  When a signed
 * entry verifies, everything up to it moves into the journal in one
 * transaction.  A run the server cut (its END names a head past what
 * came) leaves its staged tail for the next run, which asks for the
 * entries after it; a stream whose end does not verify, or that stages
 * more than a bound, is refused and its staging dropped.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "isconfd.h"

/* In memory before staging; on disk, per run, before a signature. */
#define SYNC_BATCH_BYTES	(1u << 20)
#define SYNC_BATCH_ENTRIES	1024
#define SYNC_STAGE_MAX		(256ull << 20)
/* A peer gone this long leaves its staged entries to be dropped. */
#define SYNC_STAGE_TTL		3600

const char *const sync_refusal_names[REFUSED_NREASONS] = {
	"unsigned_tail", "broken_chain", "staging_limit", "bad_signature",
	"other",
};

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
	char			*key;		/* staging run: the peer */
	struct sockaddr_in	 peer;
	int			 full;
	struct net_conn		*conn;
	struct jhead		 head;		/* ours when the run started */
	struct jhead		 base;		/* stored or agreed up to */
	struct jhead		 tail;		/* the last entry taken */
	uint64_t		 staged_upto;	/* (base, this] on disk */
	uint64_t		 staged_bytes;
	struct entry		*batch;		/* (staged_upto, tail] */
	size_t			 nbatch;
	size_t			 batch_bytes;
	uint64_t		 fork_at;	/* forking: theirs differ after */
	int			 forking;
	uint64_t		 got;		/* entries this run */
	int			 stored;
	int			 done;		/* refused or nothing to do */
	int			 again;		/* cut by the server: resume */
	int			 answered;
	char			*unverified;	/* why a signature failed */
	struct sync_wait	*wait;
	char			*signed_for;	/* the origin of a copy */
	int			 origin_new;	/* told by the peer */
	struct sync_run		*next;
};

static int
check_sig(struct isconfd *d, const struct entry *e, const char *branch,
    char **cause)
{
	uint8_t		pubkey[PUBKEY_LEN];
	int		rv = 0;

	if (entry_signer(e, pubkey) == -1)
		return set_cause(cause, "entry %llu: no signer",
		    (unsigned long long)e->seq);
	if (hostkey_verify(e, branch, pubkey) != 0)
		rv = set_cause(cause, "entry %llu: bad signature",
		    (unsigned long long)e->seq);
	else if (hostkey_trusted(d, pubkey, cause) == -1)
		rv = -1;
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
		if (entry_signed_kind(es[i].kind) && !es[i].has_sig)
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
	int	r;

	*seq = 0;
	r = state_get_for(d, "fork", branch, info, cause);
	if (r == 1)
		*seq = strtoull(*info, NULL, 10);
	return r;
}

/*
 * The signatures below a signed entry that verified, newest first, as
 * entries_verify checks them: each bound to the branch it was made for
 * (a fork entry's parent for the entries before it).
 */
struct sig_walk {
	struct isconfd	*d;
	char		*branch;
};

static int
sig_walk_one(void *arg, const struct entry *e, char **cause)
{
	struct sig_walk	*w = arg;
	struct sig_info	 si;

	if (!e->has_sig)
		return 0;
	if (check_sig(w->d, e, w->branch, cause) == -1)
		return -1;
	if (e->kind == ENTRY_FORK && sig_decode(&e->payload, &si) == 0) {
		free(w->branch);
		w->branch = si.parent_branch;
	}
	return 0;
}

int
stage_verify(struct isconfd *d, const char *branch, const char *run,
    uint64_t lo, uint64_t hi, char **bound, char **cause)
{
	struct sig_walk	w = { d, *bound };
	int		rv;

	rv = journal_stage_walk(d->journal, branch, run, lo, hi, 0,
	    sig_walk_one, &w, cause);
	*bound = w.branch;
	return rv;
}

/* Every signature in (base, tail) after the one at tail (the last in
 * the batch), which the caller verified. */
static int
run_verify_below(struct sync_run *s, char **cause)
{
	struct sig_walk	w = { s->d, xstrdup(s->signed_for) };
	size_t		i;
	int		rv = 0;

	for (i = s->nbatch; i-- > 0 && rv == 0; )
		rv = sig_walk_one(&w, &s->batch[i], cause);
	if (rv == 0 && s->staged_upto > s->base.seq)
		rv = stage_verify(s->d, s->branch, s->key, s->base.seq,
		    s->staged_upto + 1, &w.branch, cause);
	free(w.branch);
	return rv;
}

static void
batch_clear(struct sync_run *s)
{
	journal_entries_free(s->batch, s->nbatch);
	s->batch = NULL;
	s->nbatch = 0;
	s->batch_bytes = 0;
}

/* Give up on the run: nothing it staged is kept.  Counted by reason
 * for status and /metrics. */
static int
run_refuse_why(struct sync_run *s, enum sync_refusal r, const char *why)
{
	char	*cause = NULL;

	s->d->sync_refused[r]++;
	log_warnx("refused entries of %s from %s: %s", s->branch,
	    inet_ntoa(s->peer.sin_addr), why ? why : "?");
	if (s->conn != NULL)
		refusal_send(s->d, s->conn, why ? why : "?");
	batch_clear(s);
	if (journal_stage_drop(s->d->journal, s->branch, s->key,
	    &cause) == -1) {
		log_warnx("dropping staged entries of %s: %s", s->branch,
		    cause);
		free(cause);
	}
	s->done = 1;
	s->again = 0;
	return -1;
}

static int
run_refuse(struct sync_run *s, const char *why)
{
	return run_refuse_why(s, REFUSED_OTHER, why);
}

static int
run_flush(struct sync_run *s)
{
	char	*cause = NULL;

	if (s->nbatch == 0)
		return 0;
	if (journal_stage_put(s->d->journal, s->branch, s->key, s->batch,
	    s->nbatch, &cause) == -1) {
		run_refuse(s, cause);
		free(cause);
		return -1;
	}
	s->staged_upto = s->tail.seq;
	s->staged_bytes += s->batch_bytes;
	batch_clear(s);
	return 0;
}

/* The signed entry just taken verified: store all up to it. */
static int
run_commit(struct sync_run *s)
{
	char	*cause = NULL;
	int64_t	 t0, ms;

	if (run_verify_below(s, &cause) == -1) {
		run_refuse_why(s, REFUSED_BAD_SIG, cause);
		free(cause);
		return -1;
	}
	t0 = now_ns();
	if ((s->origin_new && branch_origin_set(s->d, s->branch, s->signed_for,
	    &cause) == -1) ||
	    journal_stage_commit(s->d->journal, s->branch, s->key, s->branch,
	    s->staged_upto, s->batch, s->nbatch, &cause) == -1) {
		run_refuse(s, cause);
		free(cause);
		return -1;
	}
	/* The loop waits for the commit: a long one is worth seeing. */
	if ((ms = (now_ns() - t0) / 1000000) >= 100)
		log_info("%s: stored entries %llu-%llu from %s in %lld ms",
		    s->branch, (unsigned long long)s->base.seq + 1,
		    (unsigned long long)s->tail.seq,
		    inet_ntoa(s->peer.sin_addr), (long long)ms);
	batch_clear(s);
	s->base = s->tail;
	s->staged_upto = s->tail.seq;
	s->staged_bytes = 0;
	s->stored = 1;
	return 0;
}

/*
 * A fork: theirs differ after fork_at.  Their side is kept as
 * BRANCH.fork-ID once all of it has come and verified, the fork is
 * recorded, and up stops before it.
 */
static int
fork_store(struct sync_run *s, const char *fname, char **cause)
{
	struct entry	first;
	int		r;

	if ((r = journal_branch_exists(s->d->journal, fname, cause)) != 0)
		return r == -1 ? -1 : 0;
	if (s->staged_upto > s->fork_at) {
		if (journal_stage_get(s->d->journal, s->branch, s->key,
		    s->fork_at + 1, &first, cause) != 1)
			return set_cause(cause, "staged entry %llu is gone",
			    (unsigned long long)s->fork_at + 1);
	} else
		entry_copy(&first, &s->batch[0]);
	/* Recorded first: a copy without its origin would not verify. */
	r = branch_origin_set(s->d, fname, s->signed_for, cause);
	if (r == 0)
		r = journal_fork(s->d->journal, s->branch, fname, s->fork_at,
		    &first, cause);
	entry_free(&first);
	if (r == -1)
		return -1;
	return journal_stage_commit(s->d->journal, s->branch, s->key, fname,
	    s->staged_upto, s->batch, s->nbatch, cause);
}

/*
 * Record the fork of branch at seq: mine and theirs are the two sides'
 * entries there, fname the copy that keeps theirs.  The record names
 * the hosts that made each side (their entries' host), not the address
 * that relayed them: "SEQ OURS THEIRS COPY THEIR_HOST OUR_HOST".
 */
static void
fork_note(struct isconfd *d, const char *branch, uint64_t seq,
    const struct entry *mine, const struct entry *theirs, const char *fname)
{
	char	 ours[13], their[13], *v, *cause = NULL;

	id_short(ours, mine->id);
	id_short(their, theirs->id);
	xasprintf(&v, "%llu %s %s %s %s %s", (unsigned long long)seq, ours,
	    their, fname, theirs->host, mine->host);
	if (state_set_for(d, "fork", branch, v, &cause) == -1) {
		log_warnx("recording the fork of %s: %s", branch, cause);
		free(cause);
	} else {
		log_warnx("FORK on %s at entry %llu: ours %s by %s, theirs %s "
		    "by %s (kept as branch %s); up stops before it", branch,
		    (unsigned long long)seq, ours, mine->host, their,
		    theirs->host, fname);
		/* A decision may have come before the fork was seen. */
		if (resolve_apply(d, branch, &cause) == -1) {
			log_warnx("resolving %s: %s", branch, cause);
			free(cause);
		}
	}
	free(v);
}

static void
fork_record(struct sync_run *s)
{
	struct isconfd	*d = s->d;
	struct entry	 mine, theirs;
	char		 id[13], *fname, *cause = NULL;
	uint64_t	 k = s->fork_at;
	int		 r;

	if ((r = journal_get(d->journal, s->branch, k + 1, &mine,
	    &cause)) != 1) {
		run_refuse(s, cause ? cause : "our side of the fork is gone");
		free(cause);
		return;
	}
	if (s->staged_upto > k) {
		if (journal_stage_get(d->journal, s->branch, s->key, k + 1,
		    &theirs, &cause) != 1) {
			run_refuse(s, cause ? cause : "staging lost");
			free(cause);
			entry_free(&mine);
			return;
		}
	} else
		entry_copy(&theirs, &s->batch[0]);
	id_short(id, theirs.id);
	xasprintf(&fname, "%s.fork-%s", s->branch, id);
	if (fork_store(s, fname, &cause) == -1) {
		log_warnx("keeping the other side of the fork: %s", cause);
		free(cause);
	}
	batch_clear(s);
	if (journal_stage_drop(d->journal, s->branch, s->key, NULL) == -1)
		log_warnx("dropping staged entries of %s", s->branch);
	fork_note(d, s->branch, k + 1, &mine, &theirs, fname);
	entry_free(&mine);
	entry_free(&theirs);
	free(fname);
}

/*
 * A fork copy came from a peer: if we hold its origin and never saw
 * the other side's head ourselves (a host that hears only hosts of
 * its own side learns of the fork from the copy alone), the copy and
 * our branch part somewhere: that is the fork.
 */
static void
fork_from_copy(struct isconfd *d, const char *copy, const char *origin)
{
	struct entry	 mine, theirs;
	uint64_t	 seq;
	char		*v, *cause = NULL;
	int		 r;

	if (!branch_copy_of(copy, origin))
		return;
	if ((r = fork_get(d, origin, &v, &seq, &cause)) == 1) {
		free(v);
		return;		/* known, resolved or not */
	}
	if (r == 0)
		r = journal_first_diff(d->journal, origin, copy, &seq, &cause);
	if (r != 1)
		goto out;
	if ((r = journal_get(d->journal, origin, seq, &mine, &cause)) != 1)
		goto out;
	if ((r = journal_get(d->journal, copy, seq, &theirs, &cause)) == 1) {
		fork_note(d, origin, seq, &mine, &theirs, copy);
		entry_free(&theirs);
	}
	entry_free(&mine);
out:
	if (r == -1)
		log_warnx("comparing %s with its copy %s: %s", origin, copy,
		    cause);
	free(cause);
}

/* All of their side, staged: the last entry signed, every signature
 * verifying for the branch it was made for. */
static int
run_verify_side(struct sync_run *s)
{
	struct entry		last;
	char			*cause = NULL;
	enum sync_refusal	 why = REFUSED_OTHER;
	int			 r;

	if ((r = journal_stage_get(s->d->journal, s->branch, s->key,
	    s->tail.seq, &last, &cause)) == 1) {
		if (!last.has_sig)
			why = REFUSED_UNSIGNED;
		r = last.has_sig ? 0 : set_cause(&cause, "the last entry is "
		    "not signed");
		entry_free(&last);
	} else if (r == 0)
		set_cause(&cause, "staging lost");
	if (r == 0 && run_verify_below(s, &cause) == 0)
		return 0;
	if (r == 0)
		why = REFUSED_BAD_SIG;
	run_refuse_why(s, why, cause);
	free(cause);
	return -1;
}

/* Known already: nothing to record, nothing to keep. */
static int
fork_known(struct sync_run *s)
{
	char		*v, *cause = NULL;
	uint64_t	 seq;
	int		 r;

	if ((r = fork_open(s->d, s->branch, &v, &seq, &cause)) == 1)
		free(v);
	if (r == -1) {
		log_warnx("recording a fork of %s: %s", s->branch, cause);
		free(cause);
	}
	return r != 0;
}

/*
 * A full fetch, an entry we have by its seq: the same id means the same
 * history (and it was checked when we stored it); the first that
 * differs is where the branches part.  1: taken, 0: the other side
 * starts here, -1: stop.
 */
static int
run_compare(struct sync_run *s, const struct entry *e)
{
	struct entry	mine;
	char		*cause = NULL;
	int		 same;

	if (journal_get(s->d->journal, s->branch, e->seq, &mine,
	    &cause) != 1) {
		log_warnx("comparing entries of %s from %s: %s", s->branch,
		    inet_ntoa(s->peer.sin_addr), cause ? cause :
		    "an entry below the head is missing");
		free(cause);
		s->done = 1;
		return -1;
	}
	same = memcmp(mine.id, e->id, HASH_LEN) == 0;
	entry_free(&mine);
	if (same) {
		s->base.seq = e->seq;
		memcpy(s->base.id, e->id, HASH_LEN);
		s->staged_upto = e->seq;
		return 1;
	}
	if (fork_known(s)) {
		s->done = 1;
		return -1;
	}
	s->forking = 1;
	s->fork_at = e->seq - 1;
	return 0;
}

/* The first entry of an incremental run does not extend what we hold. */
static int
run_diverged(struct sync_run *s, const struct entry *e)
{
	s->done = 1;
	if (s->tail.seq != s->head.seq) {
		/* A staged tail from before that this peer does not
		 * continue: drop it and start again from the head. */
		run_refuse(s, "the staged entries are not theirs");
		s->again = 1;
		return -1;
	}
	if (e->seq == s->head.seq + 1)
		s->again = 2;	/* a full fetch: find the fork */
	return -1;
}

static int
run_take(struct sync_run *s, struct entry *e)
{
	struct buf	raw;
	int		r;

	if (!s->full && s->got == 0 && (e->seq != s->tail.seq + 1 ||
	    memcmp(e->parent, s->tail.id, HASH_LEN) != 0))
		return run_diverged(s, e);
	if (e->seq != s->tail.seq + 1 ||
	    memcmp(e->parent, s->tail.id, HASH_LEN) != 0)
		return run_refuse_why(s, REFUSED_CHAIN, "hash chain broken");
	if (entry_signed_kind(e->kind) && !e->has_sig)
		return run_refuse_why(s, REFUSED_UNSIGNED,
		    "a ci, fork or resolve entry is not signed");
	s->got++;
	s->tail.seq = e->seq;
	memcpy(s->tail.id, e->id, HASH_LEN);
	if (s->full && !s->forking && e->seq <= s->head.seq &&
	    (r = run_compare(s, e)) != 0)
		return r == 1 ? 0 : -1;
	buf_init(&raw);
	entry_encode(e, &raw);
	s->batch_bytes += raw.len;
	buf_free(&raw);
	s->batch = xreallocarray(s->batch, s->nbatch + 1, sizeof *s->batch);
	s->batch[s->nbatch++] = *e;
	memset(e, 0, sizeof *e);
	if (s->staged_bytes + s->batch_bytes > TEST_KNOB("ISCONF_STAGE_MAX",
	    SYNC_STAGE_MAX))
		return run_refuse_why(s, REFUSED_STAGE_LIMIT,
		    "more unsigned entries than can be held");
	return 0;
}

/* A signed entry came: if it verifies, store everything up to it. */
static int
run_try_commit(struct sync_run *s)
{
	const struct entry	*e = &s->batch[s->nbatch - 1];
	char			*cause = NULL;

	/* One that does not verify may be bound to the parent of a fork
	 * still to come: it waits, staged, for a later signature. */
	if (s->forking || check_sig(s->d, e, s->signed_for, &cause) == -1) {
		if (cause != NULL) {
			free(s->unverified);
			s->unverified = cause;
		}
		return 0;
	}
	free(s->unverified);
	s->unverified = NULL;
	return run_commit(s);
}

static int
run_entry(struct sync_run *s, struct entry *e)
{
	int	has_sig = e->has_sig;

	if (s->done || run_take(s, e) == -1)
		return -1;
	if (s->nbatch == 0)
		return 0;
	if (has_sig && run_try_commit(s) == -1)
		return -1;
	if (s->batch_bytes >= SYNC_BATCH_BYTES ||
	    s->nbatch >= SYNC_BATCH_ENTRIES)
		return run_flush(s);
	return 0;
}

static int
prefetch_off(struct isconfd *d)
{
	const char	*v = env_get(&d->conf.env, "IS_PREFETCH");

	return v != NULL && strcmp(v, "0") == 0;
}

static void
run_stored(struct isconfd *d, struct sync_run *s)
{
	struct jhead	h;

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
	sync_stored_news(d, s->branch, s->signed_for);
}

void
sync_stored_news(struct isconfd *d, const char *branch,
    const char *signed_for)
{
	if (strcmp(signed_for, branch) != 0)
		fork_from_copy(d, branch, signed_for);
	resolve_news(d, branch, signed_for);
}

/*
 * The server's END: its head.  A tail short of it was cut (the server
 * sends at most so many entries a run): staged, the next run resumes
 * after it.  Else the stream is whole, and what is not stored yet must
 * end in a signature that verifies.
 */
static void
run_end(struct sync_run *s, uint64_t their_head)
{
	int	pending = s->tail.seq > s->base.seq;

	if (s->done)
		return;
	if (s->tail.seq < their_head && !s->full) {
		if (run_flush(s) == 0 && s->got > 0)
			s->again = 1;
		PAUSE_POINT("sync-cut");	/* a test kills the host */
		return;
	}
	if (s->tail.seq < their_head) {
		/* Not resumed: a full fetch starts from the first entry. */
		run_refuse(s, "a full fetch longer than one run");
		return;
	}
	if (s->forking) {
		if (run_flush(s) == 0 && run_verify_side(s) == 0)
			fork_record(s);
		return;
	}
	if (pending)
		run_refuse_why(s, s->unverified != NULL ? REFUSED_BAD_SIG :
		    REFUSED_UNSIGNED, s->unverified != NULL ? s->unverified :
		    "the last entry is not signed");
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
	batch_clear(s);
	free(s->branch);
	free(s->signed_for);
	free(s->key);
	free(s->unverified);
	free(s);
}

static void
run_closed(void *arg, struct net_conn *c, const char *error)
{
	struct sync_run		*s = arg;
	struct sync_wait	*w = s->wait;
	struct isconfd		*d = s->d;
	struct sockaddr_in	 peer = s->peer;
	char			*branch = xstrdup(s->branch);
	int			 again = s->again;

	(void)c;
	if (error != NULL && !s->answered)
		log_debug("sync %s from %s: %s", s->branch,
		    inet_ntoa(s->peer.sin_addr), error);
	/* Gone mid-stream: what came is staged for the next run. */
	if (!s->done)
		run_flush(s);
	if (s->stored)
		run_stored(d, s);
	run_free(s);
	if (w != NULL && --w->outstanding == 0)
		wait_done(w);
	if (again)
		sync_branch(d, branch, &peer, again == 2);
	free(branch);
}

/*
 * The peer says the branch is a fork copy, and names the branch its
 * signatures were made for.  Taken only if the copy is named after it
 * and agrees with what we recorded.
 */
static int
run_origin(struct sync_run *s, const uint8_t *p, size_t len)
{
	char	*origin;
	int	 same;

	if (wire_origin_decode(p, len, &origin) == -1)
		return run_refuse(s, "a malformed origin");
	if (!branch_copy_of(s->branch, origin)) {
		free(origin);
		return run_refuse(s, "the branch is not named as a copy of "
		    "the origin given");
	}
	same = strcmp(origin, s->signed_for) == 0;
	if (!same && strcmp(s->signed_for, s->branch) != 0) {
		free(origin);
		return run_refuse(s, "the branch is a copy of another here");
	}
	s->origin_new = !same;
	free(s->signed_for);
	s->signed_for = origin;
	return 0;
}

static int
run_frame(void *arg, struct net_conn *c, uint8_t type, const uint8_t *p,
    size_t len)
{
	struct sync_run	*s = arg;
	struct entry	 e;
	uint64_t	 their_head;
	int		 rv;

	if (type == F_ENTRY) {
		if (wire_entry_decode(p, len, &e) == -1)
			return run_refuse(s, "a malformed entry");
		rv = run_entry(s, &e);
		entry_free(&e);
		return rv;
	}
	if (type == F_ORIGIN && s->got == 0)
		return run_origin(s, p, len);
	if (type == F_END && !s->answered &&
	    wire_end_decode(p, len, &their_head) == 0) {
		s->answered = 1;
		if (s->wait != NULL)
			s->wait->answered++;
		run_end(s, their_head);
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

/* Stale staging: a peer that went away long ago. */
static void
stage_expire(struct isconfd *d)
{
	static time_t	 last;
	time_t		 now = time(NULL);
	char		*cause = NULL;
	int		 n;

	if (now - last < 60 && last != 0)
		return;
	last = now;
	if ((n = journal_stage_expire(d->journal, now -
	    (time_t)TEST_KNOB("ISCONF_STAGE_TTL", SYNC_STAGE_TTL),
	    &cause)) == -1) {
		log_warnx("dropping stale staged entries: %s", cause);
		free(cause);
	} else if (n > 0)
		log_info("dropped %d staged entries of peers gone for an "
		    "hour", n);
}

/*
 * What an earlier run from this peer staged: resumed if it extends our
 * head (the next run asks for the entries after it), else dropped.
 */
static void
run_resume(struct sync_run *s)
{
	struct journal	*j = s->d->journal;
	struct jstage	 sp;
	struct entry	 e;
	char		*cause = NULL;
	int		 r, ok = 0;

	stage_expire(s->d);
	if ((r = journal_stage_span(j, s->branch, s->key, &sp,
	    &cause)) == 0)
		return;
	if (r == 1 && !s->full && sp.last > s->head.seq &&
	    sp.first <= s->head.seq + 1) {
		r = journal_stage_get(j, s->branch, s->key, s->head.seq + 1, &e,
		    &cause);
		if (r == 1) {
			ok = memcmp(e.parent, s->head.id, HASH_LEN) == 0;
			entry_free(&e);
		}
	}
	if (ok) {
		s->tail.seq = sp.last;
		memcpy(s->tail.id, sp.last_id, HASH_LEN);
		s->staged_upto = sp.last;
		s->staged_bytes = sp.bytes;
		log_debug("sync %s from %s: resuming after staged entry %llu",
		    s->branch, inet_ntoa(s->peer.sin_addr),
		    (unsigned long long)sp.last);
	} else if (r == -1 || journal_stage_drop(j, s->branch, s->key,
	    &cause) == -1)
		log_warnx("staged entries of %s: %s", s->branch, cause);
	free(cause);
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
	if (branch_origin(d, branch, &s->signed_for, &cause) == -1) {
		log_warnx("sync of %s: %s; skipped", branch, cause);
		free(cause);
		free(s);
		return NULL;
	}
	s->d = d;
	s->branch = xstrdup(branch);
	xasprintf(&s->key, "%s%s", inet_ntoa(peer->sin_addr), full ?
	    " full" : "");
	s->peer = *peer;
	s->full = full;
	s->head = h;
	if (!full)
		s->base = s->tail = h;
	s->wait = w;
	s->next = d->syncs;
	d->syncs = s;
	run_resume(s);
	buf_init(&b);
	buf_add_str(&b, branch);
	buf_add_u64(&b, s->tail.seq);
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
