/*
 * up: replay, in journal order, every entry of this host's branch that
 * its history lacks, using the same code on every host.  An entry is
 * recorded as applied only after it succeeded; the first failure stops
 * the replay.  An exec that is interrupted (crash, reboot) is therefore
 * not recorded and runs again on the next up.  A reboot entry stops the
 * replay unless -r: then it is recorded and IS_REBOOT_CMD runs.  An
 * exec runs in its own process group, recorded while it runs
 * (upexec.c); a stop or IS_EXEC_TIMEOUT ends the group.  An entry that
 * a later, checked-in skip entry names is recorded as skipped instead
 * of applied (issue 16): up looks ahead for skips, since the skip comes
 * after the entry it skips.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "isconfd.h"
#include "stmtd.h"

static void	verb_up(struct client *);

const struct verb_entry verb_up_entry = {
	.name = "up",
	.exec = verb_up,
};

struct up_job {
	struct client	*c;
	char		*branch;
	uint64_t	 next;
	uint64_t	 head;
	uint8_t		 prev[HASH_LEN];
	int		 done;		/* entries applied this run */
	int64_t		 started;	/* of the current entry, ns */
	uint64_t	 fork_at;	/* 0, or the seq of a known fork */
	char		*fork_info;
	struct entry	 cur;
	long long	 since;		/* epoch s */
	pid_t		 pid;		/* the exec running, or 0 */
	struct event	*timer;		/* IS_EXEC_TIMEOUT */
	int		 timeout;	/* s, as configured at its start */
	int		 timed_out;
	int		 stopped;	/* ended because isconfd stops */
	int		 waiting;	/* for an earlier run's exec */
	int		 adopt;		/* up --adopt */
	struct skips	 skips;		/* checked-in skips after next */
	int		 skipped;	/* entries skipped this run */
	int		 no_waves;	/* up --no-waves */
	uint64_t	 asked_at;	/* receipts asked for at this lock */
	struct event	*gate_timer;	/* ... their answers awaited */
	int		 sig;		/* the signal that ended the exec */
	char		*usage;		/* what the current entry used */
};

static void	up_step(struct up_job *);

/* The current entry's command line or path, escaped for the operator's
 * terminal and the log (caller frees). */
static char *
up_detail(struct up_job *job)
{
	char	*detail = entry_detail(&job->cur), *esc = str_esc(detail);

	free(detail);
	return esc;
}

static void
up_record(struct up_job *job, const char *result, int status)
{
	struct isconfd	*d = job->c->d;
	char		*v;

	/* The signal last: records without it read as "not signalled". */
	xasprintf(&v, "%lld %s %llu %d %d", (long long)(now_ns() / 1000000000),
	    result, (unsigned long long)job->cur.seq, status, job->sig);
	journal_state_set(d->journal, "last_up", v, NULL);
	free(v);
}

static void
up_end(struct up_job *job, int code)
{
	/* A wait that began or ended: peers show it (hosts, fleet view). */
	wavenews_own(job->c->d, stmtd_announce(job->c->d));
	if (job->timer != NULL)
		event_free(job->timer);
	if (job->gate_timer != NULL)
		event_free(job->gate_timer);
	if (job->c->d->up == job)
		job->c->d->up = NULL;
	entry_free(&job->cur);
	skips_free(&job->skips);
	free(job->usage);
	client_exit(job->c, code);
	free(job->branch);
	free(job->fork_info);
	free(job);
}

/* Stop the up at the current entry, recording result (failed,
 * stopped, needs-reboot) with the status; a failure ends with a hint of what to do
 * (a reboot entry's message says it already). */
static void
up_halt(struct up_job *job, const char *result, int status, const char *fmt,
    const char *why)
{
	char	*detail = up_detail(job);

	client_err(job->c, fmt, (unsigned long long)job->cur.seq,
	    entry_kind_name(job->cur.kind), detail, why);
	if (strcmp(result, "failed") == 0 && job->cur.kind != ENTRY_REBOOT)
		client_hint(job->c, "fix the cause and run 'isconf up' again, "
		    "or skip entry %llu from a host of %s: isconf lock --skip "
		    "%llu MESSAGE, the fix, isconf ci (isconf(8): RECOVERING "
		    "FROM A BAD CHANGE)", (unsigned long long)job->cur.seq,
		    job->branch, (unsigned long long)job->cur.seq);
	log_warnx("up stopped at %s:%llu (%s %s): %s", job->branch,
	    (unsigned long long)job->cur.seq, entry_kind_name(job->cur.kind),
	    detail, why);
	up_record(job, result, status);
	if (strcmp(result, "failed") == 0)
		job->c->d->replay_failures++;
	free(detail);
	up_end(job, 1);
}

/* A failure: stop, and say what the operator can do next. */
static void
up_fail(struct up_job *job, int status, const char *fmt, const char *why)
{
	up_halt(job, "failed", status, fmt, why);
}

/* Record the current entry as applied.  -1: the job failed and is
 * gone. */
static int
up_applied(struct up_job *job, int status)
{
	struct isconfd	*d = job->c->d;
	char		*cause = NULL;
	int64_t		 ms = (now_ns() - job->started) / 1000000;

	if (journal_mark_applied(d->journal, job->branch, &job->cur, status,
	    ms, &cause) == -1 || (job->usage != NULL && journal_set_usage(
	    d->journal, job->branch, job->cur.seq, job->usage, &cause) == -1)) {
		up_fail(job, 1, "entry %llu (%s %s): cannot record it as "
		    "applied: %s", cause);
		free(cause);
		return -1;
	}
	CRASH_POINT("up-after-apply");	/* applied and recorded */
	memcpy(job->prev, job->cur.id, HASH_LEN);
	d->entries_applied++;
	job->next++;
	job->done++;
	entry_free(&job->cur);
	free(job->usage);
	job->usage = NULL;
	return 0;
}

/* Keep a failed command's last output lines for status, log and report
 * (printable text only). */
static void
up_keep_output(struct isconfd *d, const struct buf *tail)
{
	char	*text = xmalloc(tail->len + 1);
	size_t	 i;

	for (i = 0; i < tail->len; i++) {
		unsigned char ch = tail->data[i];
		text[i] = (ch >= 0x20 && ch < 0x7f) || ch == '\n' ||
		    ch == '\t' ? (char)ch : '?';
	}
	text[i] = '\0';
	journal_state_set(d->journal, "last_up_output", text, NULL);
	free(text);
}

static void
up_exec_done(struct isconfd *d, pid_t pid, int wstatus,
    const struct rusage *ru, const struct buf *tail, void *arg)
{
	struct up_job	*job = arg;
	int		 status = child_status(wstatus);
	char		 why[128], how[64];

	(void)pid;
	job->pid = 0;
	job->sig = child_termsig(wstatus);
	status_why(how, sizeof how, status, job->sig);
	free(job->usage);
	job->usage = usage_exec(ru);
	/* The failed entry's, for report (its history has no row). */
	journal_state_set(d->journal, "last_up_usage", status != 0 ?
	    job->usage : NULL, NULL);
	if (job->timer != NULL) {
		event_free(job->timer);
		job->timer = NULL;
	}
	upexec_ended(d);
	if (job->stopped) {
		up_halt(job, "stopped", status, "entry %llu (%s %s) was "
		    "ended (%s): isconfd is stopping; not recorded as "
		    "applied, the next up runs it again", how);
		isconfd_stop(d);
		return;
	}
	if (status != 0) {
		up_keep_output(d, tail);
		if (job->timed_out)
			snprintf(why, sizeof why, "timed out after %d s "
			    "(IS_EXEC_TIMEOUT) and was ended (%s)",
			    job->timeout, how);
		else
			snprintf(why, sizeof why, "%s", how);
		up_fail(job, status, "entry %llu (%s %s) failed: %s; "
		    "stopping here", why);
		return;
	}
	if (up_applied(job, 0) == 0)
		up_step(job);
}

static void
up_reboot_done(struct isconfd *d, pid_t pid, int wstatus,
    const struct rusage *ru, const struct buf *tail, void *arg)
{
	struct up_job	*job = arg;
	int		 status = child_status(wstatus);
	char		 why[64];

	(void)ru;
	(void)pid;
	if (status != 0) {
		up_keep_output(d, tail);
		client_err(job->c, "IS_REBOOT_CMD (%s) failed: %s",
		    d->conf.reboot_cmd, status_why(why, sizeof why, status,
		    child_termsig(wstatus)));
		up_end(job, 1);
		return;
	}
	/* up_applied has cleared cur: the reboot is the entry before next. */
	job->cur.seq = job->next - 1;
	up_record(job, "reboot", 0);
	up_end(job, 0);
}

static void
up_timeout(evutil_socket_t fd, short events, void *arg)
{
	struct up_job	*job = arg;

	(void)fd;
	(void)events;
	log_warnx("entry %llu ran longer than IS_EXEC_TIMEOUT (%d s): "
	    "ending it", (unsigned long long)job->cur.seq, job->timeout);
	job->timed_out = 1;
	child_kill(job->c->d, job->pid, job->c->d->conf.exec_grace);
}

/* The working directory does not resolve beneath IS_ROOT: the entry
 * fails as a chdir in the child did, status 126 and the reason kept. */
static void
up_no_cwd(struct up_job *job, const char *cause)
{
	struct buf	out;

	buf_init(&out);
	buf_printf(&out, "isconf: error: cannot chdir to %s\n", cause);
	up_keep_output(job->c->d, &out);
	buf_free(&out);
	up_fail(job, 126, "entry %llu (%s %s) failed: cannot chdir to %s; "
	    "stopping here", cause);
}

static int
up_exec(struct up_job *job)
{
	struct isconfd		*d = job->c->d;
	struct exec_info	 x;
	struct timeval		 tv = { d->conf.exec_timeout, 0 };
	char			*cause = NULL, *detail;
	pid_t			 pid;
	int			 cwdfd;

	if (exec_decode(&job->cur.payload, &x) == -1) {
		up_fail(job, 1, "entry %llu (%s%s): %s", "malformed payload");
		return -1;
	}
	if ((cwdfd = state_root_opendir(d, x.cwd, &cause)) == -1) {
		exec_info_free(&x);
		up_no_cwd(job, cause);
		free(cause);
		return -1;
	}
	pid = child_spawn(d, x.argv, cwdfd, job->c->outfd, job->c->errfd,
	    up_exec_done, job, &cause);
	close(cwdfd);
	exec_info_free(&x);
	if (pid == -1) {
		up_fail(job, 1, "entry %llu (%s %s): %s", cause);
		free(cause);
		return -1;
	}
	job->pid = pid;
	detail = entry_detail(&job->cur);
	upexec_started(d, job->branch, job->cur.seq, detail, pid);
	free(detail);
	if ((job->timeout = d->conf.exec_timeout) > 0) {
		job->timer = evtimer_new(d->base, up_timeout, job);
		evtimer_add(job->timer, &tv);
	}
	return 0;
}

static int
up_snap(struct up_job *job)
{
	struct snap_info	 s;
	char			*cause = NULL;
	int			 rv;

	if (snap_decode(&job->cur.payload, &s) == -1) {
		up_fail(job, 1, "entry %llu (%s%s): %s", "malformed payload");
		return -1;
	}
	if ((rv = chunklist_load(job->c->d, &s, &cause)) == 1)
		rv = install_snap(job->c->d, &s, &cause);
	else
		rv = -1;
	free(job->usage);
	job->usage = usage_install(s.type == SNAP_FILE ? s.size : 0);
	snap_info_free(&s);
	if (rv == -1) {
		up_fail(job, 1, "entry %llu (%s %s) failed: %s", cause);
		free(cause);
		return -1;
	}
	return up_applied(job, 0);
}

static int
up_reboot(struct up_job *job)
{
	char	*cause = NULL;

	/* A planned stop, not a failure: status and report say so. */
	if (!(job->c->req.flags & CTL_F_REBOOT)) {
		up_halt(job, "needs-reboot", 1, "entry %llu (%s%s) %s",
		    "needs a reboot: run 'isconf -r up' to reboot and go on");
		return -1;
	}
	if (up_applied(job, 0) == -1)
		return -1;
	if (reboot_run(job->c, up_reboot_done, job, &cause) == -1) {
		client_err(job->c, "reboot: %s", cause);
		free(cause);
		up_end(job, 1);
	}
	return -1;	/* the reboot command's end finishes the job */
}

/* Why up stops at a fork, naming both sides and who made them (the
 * record of sync.c's fork_note). */
static void
fork_why(struct client *c, const char *branch, const char *info,
    uint64_t seq)
{
	char	ours[16] = "?", theirs[16] = "?", fbranch[256] = "?",
		peer[256] = "?", me[256] = "?";

	sscanf(info, "%*u %15s %15s %255s %255s %255s", ours, theirs, fbranch,
	    peer, me);
	client_err(c, "%s forked at entry %llu: this host has %s (by %s), "
	    "%s has %s (kept as branch %s); up stops before the fork until "
	    "it is resolved: isconf resolve %s %s (or %s), on any host",
	    branch, (unsigned long long)seq, ours, me, peer, theirs, fbranch,
	    branch, ours, theirs);
}

/* A fork: both sides are kept; stop before it, naming both. */
static void
up_fork(struct up_job *job)
{
	fork_why(job->c, job->branch, job->fork_info, job->fork_at);
	job->cur.seq = job->fork_at;
	up_record(job, "fork", 1);
	up_end(job, 1);
}

/*
 * Skip the current entry if a checked-in skip names it: 1 skipped (and
 * recorded), 0 not, -1 the job failed and is gone.  Skips are loaded
 * once per up, again when entries arrived past the head they covered.
 */
static int
up_skip(struct up_job *job)
{
	struct isconfd	*d = job->c->d;
	char		*cause = NULL, *detail;
	uint64_t	 by;

	if (job->cur.kind != ENTRY_SNAP && job->cur.kind != ENTRY_EXEC &&
	    job->cur.kind != ENTRY_REBOOT)
		return 0;
	if (job->cur.seq > job->skips.upto && skips_load(d, job->branch,
	    job->cur.seq, &job->skips, &cause) == -1) {
		up_fail(job, 1, "entry %llu (%s %s): cannot read the skips "
		    "after it: %s", cause);
		free(cause);
		return -1;
	}
	if (!skips_find(&job->skips, &job->cur, &by))
		return 0;
	detail = up_detail(job);
	client_info(job->c, "[%llu/%llu] %s%s%s: skipped (entry %llu skips "
	    "it)", (unsigned long long)job->cur.seq,
	    (unsigned long long)job->head, entry_kind_name(job->cur.kind),
	    *detail ? " " : "", detail, (unsigned long long)by);
	log_info("up skipped %s:%llu (%s %s): entry %llu skips it",
	    job->branch, (unsigned long long)job->cur.seq,
	    entry_kind_name(job->cur.kind), detail, (unsigned long long)by);
	free(detail);
	job->started = now_ns();
	if (up_applied(job, JA_SKIPPED) == -1)
		return -1;
	job->done--;
	job->skipped++;
	d->entries_applied--;
	return 1;
}

/* ", N skipped" for the last line of an up (static storage). */
static const char *
skipped_note(const struct up_job *job)
{
	static char	note[32];

	snprintf(note, sizeof note, ", %d skipped", job->skipped);
	return note;
}

/* Stop before the transaction at the current entry, waiting (why):
 * not a failure; status says why until the next up. */
static void
up_wait(struct up_job *job, const char *why, int code)
{
	struct isconfd	*d = job->c->d;

	client_err(job->c, "%s", why);
	client_hint(job->c, "up stops before entry %llu and applies nothing "
	    "of that transaction; run 'isconf up' again later%s",
	    (unsigned long long)job->cur.seq, code == EXIT_WAVE_WAIT ?
	    ", or 'isconf up --no-waves' to apply it regardless" :
	    " ('isconf release' ends the hold)");
	log_info("up on %s waits before entry %llu: %s", job->branch,
	    (unsigned long long)job->cur.seq, why);
	up_record(job, code == EXIT_WAVE_WAIT ? "waiting" : "held", 0);
	journal_state_set(d->journal, "last_up_why", why, NULL);
	up_end(job, code);
}

static void
up_gate_again(evutil_socket_t fd, short events, void *arg)
{
	struct up_job	*job = arg;

	(void)fd;
	(void)events;
	event_free(job->gate_timer);
	job->gate_timer = NULL;
	up_step(job);
}

/*
 * Before a transaction: 0 go on; 1 the job waits or ended.  The hosts
 * of earlier waves whose receipts held do not cover the transaction
 * are asked for newer ones first (whether the held ones let it
 * through or not), and the verdict taken again once they had
 * UPWAVES_ASK_MS to answer.
 */
static int
up_gate(struct up_job *job)
{
	struct isconfd	*d = job->c->d;
	struct timeval	 tv = { UPWAVES_ASK_MS / 1000,
			    (UPWAVES_ASK_MS % 1000) * 1000 };
	char		*why = NULL, *cause = NULL;
	size_t		 asked = 0;
	int		 first = job->asked_at != job->cur.seq;

	if (job->cur.kind != ENTRY_LOCK)
		return 0;
	if ((why = holds_why(d, job->branch)) != NULL) {
		up_wait(job, why, EXIT_HELD);
		free(why);
		return 1;
	}
	if (job->no_waves)
		return 0;
	switch (upwaves_check(d, job->branch, &job->cur, first ? &asked :
	    NULL, &why, &cause)) {
	case -1:
		up_fail(job, 1, "entry %llu (%s%s): cannot tell whether the "
		    "earlier waves applied it: %s", cause);
		free(cause);
		return 1;
	case 0:
		return 0;
	}
	if (first && asked > 0) {
		job->asked_at = job->cur.seq;
		entry_free(&job->cur);
		job->gate_timer = evtimer_new(d->base, up_gate_again, job);
		evtimer_add(job->gate_timer, &tv);
	} else
		up_wait(job, why, EXIT_WAVE_WAIT);
	free(why);
	return 1;
}

/* Apply entries until one has to wait for a child, or the end. */
static void
up_step(struct up_job *job)
{
	struct isconfd	*d = job->c->d;
	char		*cause = NULL, *detail;
	int		 r;

	for (;;) {
		if (d->stopping) {
			client_err(job->c, "isconfd is stopping; up ends "
			    "before entry %llu", (unsigned long long)job->next);
			up_end(job, 1);
			return;
		}
		if (job->fork_at != 0 && job->next >= job->fork_at) {
			up_fork(job);
			return;
		}
		r = journal_get(d->journal, job->branch, job->next, &job->cur,
		    &cause);
		if (r == 0)
			break;
		if (r == -1) {
			client_err(job->c, "up: %s", cause);
			free(cause);
			up_end(job, 1);
			return;
		}
		if (memcmp(job->cur.parent, job->prev, HASH_LEN) != 0) {
			client_err(job->c, "journal of %s broken at entry "
			    "%llu: %s", job->branch,
			    (unsigned long long)job->next,
			    "parent does not match");
			up_end(job, 1);
			return;
		}
		if ((r = up_skip(job)) == -1)
			return;
		if (r == 1)
			continue;
		if (up_gate(job) == 1)
			return;
		CRASH_POINT("up-before-apply");
		job->started = now_ns();
		detail = up_detail(job);
		client_info(job->c, "[%llu/%llu] %s%s%s",
		    (unsigned long long)job->cur.seq,
		    (unsigned long long)job->head,
		    entry_kind_name(job->cur.kind), *detail ? " " : "", detail);
		free(detail);
		switch (job->cur.kind) {
		case ENTRY_EXEC:
			up_exec(job);
			return;
		case ENTRY_SNAP:
			if (up_snap(job) == -1)
				return;
			break;
		case ENTRY_REBOOT:
			up_reboot(job);
			return;
		default:
			if (up_applied(job, 0) == -1)
				return;
			break;
		}
	}
	client_info(job->c, "%s is up to date at entry %llu (%d applied now%s)",
	    job->branch, (unsigned long long)(job->next - 1), job->done,
	    job->skipped ? skipped_note(job) : "");
	job->cur.seq = job->next - 1;
	up_record(job, "ok", 0);
	up_end(job, 0);
}

/* The earlier run's exec has exited: its entry runs again.  Or /proc
 * stopped telling whether it runs (why): up stops. */
static void
up_resume(struct isconfd *d, void *arg, const char *why)
{
	struct up_job	*job = arg;

	(void)d;
	job->waiting = 0;
	if (why != NULL) {
		client_err(job->c, "up: %s", why);
		up_end(job, 1);
		return;
	}
	client_info(job->c, "it has exited; its exit status is unknown, so "
	    "the entry runs again");
	up_step(job);
}

/* 1 if an exec an earlier daemon started is still alive (up waits), or
 * if /proc cannot tell (up ends: running the entry again beside it
 * could run it twice at once). */
static int
up_wait_earlier(struct isconfd *d, struct up_job *job)
{
	char	when[64], *cause = NULL, *cmd;

	switch (upexec_wait(d, up_resume, job, &cause)) {
	case -1:
		client_err(job->c, "up: %s", cause);
		free(cause);
		up_end(job, 1);
		return 1;
	case 0:
		return 0;
	}
	job->waiting = 1;
	fmt_time(when, sizeof when, d->upexec->since);
	cmd = str_esc(d->upexec->command);
	client_info(job->c, "entry %llu (%s) from an earlier run is still "
	    "running as pid %ld since %s; waiting",
	    (unsigned long long)d->upexec->seq, cmd, (long)d->upexec->pid,
	    when);
	free(cmd);
	return 1;
}

/*
 * A fork resolved against the side this host applied: its history no
 * longer matches the branch.  Refused, saying what moves it on; with
 * --adopt, the entries it applied of the losing side are recorded as
 * applied on the losing side's copy instead (nothing is undone), and
 * up goes on from the last entry both sides share.
 */
static int
up_diverged(struct isconfd *d, struct client *c, const char *branch,
    int adopt, char **cause)
{
	uint64_t	 applied, bad;
	char		*copy;
	int		 r;

	if (journal_applied(d->journal, branch, &applied, cause) == -1 ||
	    (r = journal_history_matches(d->journal, branch, branch,
	    applied, &bad, cause)) == -1)
		return -1;
	if (r == 0)
		return 0;
	if ((r = diverged_copy(d, branch, bad, &copy, cause)) != 1)
		return r == -1 ? -1 : set_cause(cause, "entry %s:%llu, "
		    "applied here, is not the journal's", branch,
		    (unsigned long long)bad);
	if (!adopt) {
		set_cause(cause, "this host applied entries of the losing side "
		    "of %s's fork from entry %llu on (kept as branch %s); "
		    "'isconf up --adopt' moves it onto the winning side "
		    "(nothing is undone)", branch,
		    (unsigned long long)bad, copy);
		free(copy);
		return -1;
	}
	r = journal_history_move(d->journal, branch, copy, bad, cause);
	if (r == 0) {
		client_info(c, "adopted the winning side of %s: entries "
		    "from %llu on that this host applied are recorded as "
		    "applied on %s", branch, (unsigned long long)bad,
		    copy);
		log_info("up --adopt: %s from %llu, applied entries kept on "
		    "%s", branch, (unsigned long long)bad, copy);
	}
	free(copy);
	return r;
}

/*
 * Where replay starts: after the last entry this host applied.  A read
 * that fails stops up: guessing "nothing applied" would run every entry
 * again.  -1 with cause.
 */
static int
up_position(struct isconfd *d, struct up_job *job, uint64_t *applied,
    char **cause)
{
	struct jhead	h;
	struct entry	e;
	int		r;

	if (fork_open(d, job->branch, &job->fork_info, &job->fork_at,
	    cause) == -1 || up_diverged(d, job->c, job->branch, job->adopt,
	    cause) == -1 ||
	    journal_applied(d->journal, job->branch, applied,
	    cause) == -1 || journal_head(d->journal, job->branch, &h,
	    cause) == -1)
		return -1;
	job->head = h.seq;
	job->next = *applied + 1;
	if (*applied == 0)
		return 0;
	if ((r = journal_get(d->journal, job->branch, *applied, &e,
	    cause)) == 0)
		set_cause(cause, "entry %s:%llu, applied here, is missing "
		    "from the journal", job->branch,
		    (unsigned long long)*applied);
	if (r != 1)
		return -1;
	memcpy(job->prev, e.id, HASH_LEN);
	entry_free(&e);
	return 0;
}

static void
up_begin(struct isconfd *d, void *arg, int fetched)
{
	struct up_job	*job = arg;
	uint64_t	 applied;
	char		*v, *cause = NULL;

	(void)fetched;
	if (up_position(d, job, &applied, &cause) == -1) {
		client_err(job->c, "up: %s; nothing was applied", cause);
		log_warnx("up on %s stopped: %s", job->branch, cause);
		free(cause);
		up_end(job, 1);
		return;
	}
	/* For report: where this up started, and no old failure output. */
	xasprintf(&v, "%lld %llu", (long long)(now_ns() / 1000000000),
	    (unsigned long long)applied + 1);
	journal_state_set(d->journal, "last_up_start", v, NULL);
	journal_state_set(d->journal, "last_up_output", NULL, NULL);
	journal_state_set(d->journal, "last_up_why", NULL, NULL);
	journal_state_set(d->journal, "last_up_usage", NULL, NULL);
	free(v);
	if (up_wait_earlier(d, job) == 0)
		up_step(job);
}

static void
up_synced(struct isconfd *d, void *arg, int answered)
{
	struct up_job	*job = arg;

	if (answered == 0)
		client_info(job->c, "no peer answered within 5 s; replaying "
		    "what this host has");
	sync_chunks(d, job->branch, job->c, up_begin, job);
}

static void
dry_snap(struct buf *b, const struct entry *e, int json)
{
	struct snap_info	 s;
	const char		*type;

	if (snap_decode(&e->payload, &s) == -1)
		return;
	type = s.type == SNAP_FILE ? "file" : s.type == SNAP_DIR ?
	    "directory" : "symlink";
	if (json) {
		buf_printf(b, ",\"action\":\"install\",\"type\":\"%s\","
		    "\"mode\":\"%04o\",\"size\":%llu,\"owner\":", type,
		    (unsigned)s.own.mode, (unsigned long long)s.size);
		buf_add_json(b, s.own.user);
		buf_printf(b, ",\"group\":");
		buf_add_json(b, s.own.group);
	} else
		buf_printf(b, "install %s %s (%04o %s:%s, %llu bytes)", type,
		    s.path, (unsigned)s.own.mode, s.own.user, s.own.group,
		    (unsigned long long)s.size);
	snap_info_free(&s);
}

/* One line (or JSON object) saying what up would do with an entry. */
static void
dry_entry(struct buf *b, const struct entry *e, int json, int reboot_ok)
{
	struct exec_info	 x;
	char			*detail = entry_detail(e);

	if (json) {
		buf_printf(b, "{\"seq\":%llu,\"kind\":\"%s\",\"detail\":",
		    (unsigned long long)e->seq, entry_kind_name(e->kind));
		buf_add_json(b, detail);
		json_argv(b, e);
	} else
		buf_printf(b, "[%llu] ", (unsigned long long)e->seq);
	if (e->kind == ENTRY_SNAP)
		dry_snap(b, e, json);
	else if (e->kind == ENTRY_EXEC && exec_decode(&e->payload, &x) == 0) {
		if (json) {
			buf_printf(b, ",\"action\":\"run\",\"cwd\":");
			buf_add_json(b, x.cwd);
		} else {
			buf_printf(b, "run in ");
			buf_add_esc(b, x.cwd);
			buf_printf(b, ": ");
			buf_add_esc(b, detail);
		}
		exec_info_free(&x);
	} else if (e->kind == ENTRY_REBOOT)
		buf_printf(b, json ? ",\"action\":\"%s\"" : "%s",
		    reboot_ok ? "reboot" : "stop: a reboot needs -r");
	else
		buf_printf(b, json ? ",\"action\":\"record\"" :
		    "record %s", entry_kind_name(e->kind));
	buf_printf(b, json ? "}" : "\n");
	free(detail);
}

/* up -n's line for an entry a later skip entry skips. */
static void
dry_skipped(struct buf *b, const struct entry *e, uint64_t by, int json)
{
	char	*detail = entry_detail(e);

	if (json) {
		buf_printf(b, "{\"seq\":%llu,\"kind\":\"%s\",\"detail\":",
		    (unsigned long long)e->seq, entry_kind_name(e->kind));
		buf_add_json(b, detail);
		buf_printf(b, ",\"action\":\"skip\",\"skipped_by\":%llu}",
		    (unsigned long long)by);
	} else {
		buf_printf(b, "[%llu] skip %s ", (unsigned long long)e->seq,
		    entry_kind_name(e->kind));
		buf_add_esc(b, detail);
		buf_printf(b, ": entry %llu skips it\n",
		    (unsigned long long)by);
	}
	free(detail);
}

/* up -n: what up would do, from what this host has; changes nothing. */
static void
up_dry_run(struct client *c)
{
	struct isconfd	*d = c->d;
	struct entry	 e;
	struct buf	 b;
	struct skips	 skips;
	uint64_t	 seq, applied, fork_at = 0, by;
	char		*fork = NULL, *cause = NULL;
	int		 json = c->req.flags & CTL_F_JSON, n = 0, r;
	int		 reboot_ok = c->req.flags & CTL_F_REBOOT;

	memset(&skips, 0, sizeof skips);
	if (up_diverged(d, c, d->branch, 0, &cause) == -1 ||
	    fork_open(d, d->branch, &fork, &fork_at, &cause) == -1 ||
	    journal_applied(d->journal, d->branch, &applied, &cause) == -1 ||
	    skips_load(d, d->branch, applied, &skips, &cause) == -1) {
		client_fail(c, cause);
		free(cause);
		free(fork);
		return;
	}
	buf_init(&b);
	if (json)
		buf_add_u8(&b, '[');
	for (seq = applied + 1; (r = journal_get(d->journal, d->branch, seq,
	    &e, &cause)) == 1; seq++) {
		if (fork != NULL && seq >= fork_at) {
			entry_free(&e);
			if (!json)
				buf_printf(&b, "[%llu] stop: a fork (isconf "
				    "status)\n", (unsigned long long)seq);
			break;
		}
		if (json && n > 0)
			buf_add_u8(&b, ',');
		n++;
		if (skips_find(&skips, &e, &by)) {
			dry_skipped(&b, &e, by, json);
			entry_free(&e);
			continue;
		}
		dry_entry(&b, &e, json, reboot_ok);
		if (e.kind == ENTRY_REBOOT) {
			entry_free(&e);
			break;
		}
		entry_free(&e);
	}
	if (r == -1) {
		client_fail(c, cause);
		goto out;
	}
	if (json)
		buf_add_u8(&b, ']');
	else if (n == 0 && fork == NULL)
		buf_printf(&b, "nothing to do: %s is applied up to entry %llu\n",
		    d->branch, (unsigned long long)applied);
	if (!json && b.len > 0)
		b.len--;
	buf_add_u8(&b, 0);
	if (b.len > 1)
		client_out(c, "%s", (char *)b.data);
	/* up would stop at the fork, and fail: so does up -n. */
	if (fork != NULL)
		fork_why(c, d->branch, fork, fork_at);
	client_exit(c, fork != NULL ? 1 : 0);
out:
	buf_free(&b);
	skips_free(&skips);
	free(fork);
	free(cause);
}

/* First bring the branch up to date from reachable peers (bounded),
 * then fetch the chunks its snaps need, then replay. */
static void
verb_up(struct client *c)
{
	struct isconfd	*d = c->d;
	struct up_job	*job;

	if (c->req.argc == 2 && strcmp(c->req.argv[1], "-n") == 0) {
		up_dry_run(c);
		return;
	}
	if (c->req.argc == 2 && strcmp(c->req.argv[1], "--adopt") != 0 &&
	    strcmp(c->req.argv[1], "--no-waves") != 0) {
		client_err(c, "usage: isconf up [-n | --adopt | --no-waves]");
		client_exit(c, EXIT_USAGE);
		return;
	}
	if (state_no_wip(c, "up") == -1)
		return;
	job = xcalloc(1, sizeof *job);
	job->c = c;
	job->branch = xstrdup(d->branch);
	job->adopt = c->req.argc == 2 &&
	    strcmp(c->req.argv[1], "--adopt") == 0;
	job->no_waves = c->req.argc == 2 && !job->adopt;
	job->since = now_ns() / 1000000000;
	d->up = job;
	if (d->net != NULL && d->npeers + d->nstatics > 0)
		sync_branch_all(d, job->branch, 5000, up_synced, job);
	else
		up_begin(d, job, 0);
}

int
up_info(struct isconfd *d, long long *since, uint64_t *seq, uint64_t *head,
    int *waiting)
{
	struct up_job	*job = d->up;

	if (job == NULL)
		return 0;
	*since = job->since;
	*seq = job->next;
	*head = job->head;
	*waiting = job->waiting;
	return 1;
}

/* isconfd is stopping.  The exec the up runs is ended (its end, in
 * up_exec_done, records it as stopped, not applied, and stops the
 * daemon); an up waiting for an earlier run's exec ends now. */
int
up_stop(struct isconfd *d)
{
	struct up_job	*job = d->up;

	if (job == NULL)
		return 0;
	if (job->pid > 0) {
		if (!job->stopped) {
			job->stopped = 1;
			log_info("stopping: ending entry %llu (pid %ld)",
			    (unsigned long long)job->cur.seq, (long)job->pid);
			child_kill(d, job->pid, d->conf.exec_grace);
		}
		return 1;
	}
	if (job->gate_timer != NULL) {
		client_err(job->c, "isconfd is stopping; up ends before entry "
		    "%llu", (unsigned long long)job->next);
		up_end(job, 1);
		return 0;
	}
	if (job->waiting) {
		upexec_wait(d, NULL, NULL, NULL);
		client_err(job->c, "isconfd is stopping; up ends before entry "
		    "%llu", (unsigned long long)job->next);
		up_end(job, 1);
	}
	return 0;
}
