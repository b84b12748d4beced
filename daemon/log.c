/*
 * log: a branch's journal, entry by entry, as a table or --json; with
 * --applied, what this host's history says of each entry.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "isconfd.h"

static void	verb_log(struct client *);

const struct verb_entry verb_log_entry = {
	.name = "log",
	.exec = verb_log,
};

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
	if (r == 1 && a.status == JA_SKIPPED) {
		fmt_time(when, sizeof when, a.time);
		if (json)
			buf_printf(b, ",\"applied\":null,\"skipped\":"
			    "{\"time\":%lld}", (long long)a.time);
		else
			buf_printf(b, "\tskipped %s", when);
	} else if (r == 1) {
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
		buf_printf(b, ",\"applied\":null,\"failed\":{\"status\":%d",
		    u->status);
		json_signal(b, u->signal);
		buf_printf(b, ",\"output\":");
		buf_add_json(b, u->output ? u->output : "");
		buf_add_u8(b, '}');
	} else if (failed) {
		if (u->signal != 0)
			buf_printf(b, "\tFAILED, killed by %s",
			    sig_name(u->signal));
		else
			buf_printf(b, "\tFAILED with status %d", u->status);
		if (u->output != NULL && *u->output != '\0') {
			buf_add_u8(b, '\n');
			output_tail(b, u->output, 5);
			b->len--;	/* verb_log ends the line */
		}
	} else
		buf_printf(b, json ? ",\"applied\":null" : "\tnot applied");
	return 0;
}

struct log_opts {
	const char	*branch;	/* NULL: this host's */
	int		 applied;
	int		 wip;
	uint64_t	 last;		/* 0: all */
	uint64_t	 since;		/* first seq shown (0: 1) */
};

/* A number option's value: digits only. */
static int
log_number(const char *s, uint64_t *v)
{
	char	*end;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return *end != '\0' || errno != 0 ? -1 : 0;
}

/* The options, as every verb does: an unknown one is a usage error
 * (22), not a branch name.  0, or -1 after telling the client. */
static int
log_args(struct client *c, struct log_opts *o)
{
	const struct verb_spec	*v = verb_find("log");
	char			 esc[128];
	const char		*a, *bad = NULL;
	size_t			 i;

	memset(o, 0, sizeof *o);
	for (i = 1; i < c->req.argc && bad == NULL; i++) {
		a = c->req.argv[i];
		if (strcmp(a, "--applied") == 0)
			o->applied = 1;
		else if (strcmp(a, "--wip") == 0)
			o->wip = 1;
		else if (strcmp(a, "--last") == 0 || strcmp(a, "--since") == 0) {
			if (log_number(i + 1 < c->req.argc ?
			    c->req.argv[i + 1] : NULL, a[2] == 'l' ? &o->last :
			    &o->since) == -1 || (a[2] == 'l' && o->last == 0))
				bad = "needs a number (--last: 1 or more)";
			i++;
		} else if (a[0] == '-')
			bad = "is not an option of log";
		else if (o->branch != NULL)
			bad = "is a second branch";
		else
			o->branch = a;
	}
	if (bad == NULL && o->wip && (o->applied || o->branch != NULL)) {
		a = o->applied ? "--applied" : o->branch;
		bad = "does not go with --wip (the open transaction is this "
		    "host's branch's, not applied yet)";
	}
	if (bad == NULL)
		return 0;
	log_escape(esc, sizeof esc, a);
	client_err(c, "log: '%s' %s; usage: isconf %s", esc, bad, v->usage);
	client_exit(c, EXIT_USAGE);
	return -1;
}

/* The first seq shown: --since, and --last N of what ends at last. */
static uint64_t
log_first(const struct log_opts *o, uint64_t last)
{
	uint64_t	first = o->since > 0 ? o->since : 1;

	if (o->last > 0 && last >= o->last && last - o->last + 1 > first)
		first = last - o->last + 1;
	return first;
}

/* Send b when it grows large, so that frames stay small. */
static void
log_flush(struct client *c, struct buf *b, int json, int force)
{
	if (!force && b->len <= 256 * 1024)
		return;
	if (!json && b->len > 0)
		b->len--;
	if (b->len > 0)
		client_buf(c, b);
	else
		buf_free(b);
	buf_init(b);
}

/* log --wip: the open transaction, numbered as ci would number it. */
static int
log_wip(struct client *c, const struct log_opts *o, struct buf *b,
    int json, char **cause)
{
	struct entry	*es;
	size_t		 n, i;
	uint64_t	 first;
	int		 shown = 0;

	if (wip_load(c->d, &es, &n, cause) == -1)
		return -1;
	first = log_first(o, n > 0 ? es[n - 1].seq : 0);
	for (i = 0; i < n; i++) {
		if (es[i].seq < first)
			continue;
		print_entry(b, &es[i], json, shown++ == 0);
		buf_add_u8(b, json ? '}' : '\n');
	}
	journal_entries_free(es, n);
	return 0;
}

static int
log_committed(struct client *c, const struct log_opts *o, const char *branch,
    struct buf *b, int json, char **cause)
{
	struct isconfd	*d = c->d;
	struct last_up	 u, *up = NULL;
	struct jhead	 h;
	struct entry	 e;
	uint64_t	 seq, first;
	int		 r = 0;

	if (journal_head(d->journal, branch, &h, cause) == -1 ||
	    (o->applied && (r = report_last_up(d, &u, cause)) == -1))
		return -1;
	if (o->applied && r == 1)
		up = &u;
	first = log_first(o, h.seq);
	for (seq = first; (r = journal_get(d->journal, branch, seq, &e,
	    cause)) == 1; seq++) {
		print_entry(b, &e, json, seq == first);
		if (o->applied && log_applied(d, b, branch, &e, up, json,
		    cause) == -1)
			r = -1;
		buf_add_u8(b, json ? '}' : '\n');
		entry_free(&e);
		if (r == -1)
			break;
		log_flush(c, b, json, 0);
	}
	if (up != NULL)
		free(u.output);
	return r == -1 ? -1 : 0;
}

static void
verb_log(struct client *c)
{
	struct isconfd	*d = c->d;
	struct log_opts	 o;
	const char	*branch;
	struct buf	 b;
	char		*cause = NULL;
	int		 json = c->req.flags & CTL_F_JSON, r;

	if (log_args(c, &o) == -1)
		return;
	branch = o.branch != NULL ? o.branch : d->branch;
	if ((r = journal_branch_exists(d->journal, branch, &cause)) == 0) {
		client_err(c, "no branch %s is known here", branch);
		client_exit(c, 1);
		return;
	}
	buf_init(&b);
	if (json)
		buf_add_u8(&b, '[');
	if (r != -1)
		r = o.wip ? log_wip(c, &o, &b, json, &cause) :
		    log_committed(c, &o, branch, &b, json, &cause);
	if (json)
		buf_add_u8(&b, ']');
	log_flush(c, &b, json, 1);
	buf_free(&b);
	if (r == -1) {
		client_fail(c, cause);
		free(cause);
		return;
	}
	client_exit(c, 0);
}
