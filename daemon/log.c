/*
 * log: a branch's journal, entry by entry, as a table or --json; with
 * --applied, what this host's history says of each entry.
 */
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

static void
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
		print_entry(&b, &e, json, seq == 1);
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
