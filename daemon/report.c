/*
 * report: how the last up went, entry by entry (time taken, exit
 * status, the failing command's last output), and the last transaction
 * this host checked in as origin.  In the spirit of disco's report: what
 * ran, how long, what failed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isconfd.h"

static void	verb_report(struct client *);

const struct verb_entry verb_report_entry = {
	.name = "report",
	.exec = verb_report,
};

int
report_last_up(struct isconfd *d, struct last_up *u, char **cause)
{
	char	*v, *start = NULL, *usage = NULL;
	int	 r;

	memset(u, 0, sizeof *u);
	if ((r = journal_state_get(d->journal, "last_up", &v, cause)) != 1)
		return r;
	if (journal_state_get(d->journal, "last_up_start", &start,
	    cause) == -1 || journal_state_get(d->journal, "last_up_output",
	    &u->output, cause) == -1 || journal_state_get(d->journal,
	    "last_up_usage", &usage, cause) == -1) {
		free(v);
		free(start);
		free(u->output);
		return -1;
	}
	if (usage != NULL)
		xstrlcpy(u->usage, usage, sizeof u->usage);
	free(usage);
	/* Older records lack the signal: 0. */
	r = sscanf(v, "%lld %15s %llu %d %d", &u->time, u->result, &u->seq,
	    &u->status, &u->signal) >= 4;
	if (start == NULL || sscanf(start, "%lld %llu", &u->start,
	    &u->first) != 2)
		u->first = u->seq;
	free(v);
	free(start);
	if (r == 0) {
		free(u->output);
		u->output = NULL;
	}
	return r;
}

/* A row's status and ms columns, then what it used (text). */
static void
row_text(struct buf *b, uint64_t seq, const struct entry *e,
    const char *status, const char *ms, const char *usage)
{
	struct usage	us;

	usage_parse(usage, &us);
	buf_printf(b, "  %-5llu %-6s %-6s %8s  ", (unsigned long long)seq,
	    entry_kind_name(e->kind), status, ms);
	usage_text(b, &us);
	buf_printf(b, "  ");
}

static int
row(struct isconfd *d, struct buf *b, uint64_t seq, int json, int first,
    const struct last_up *u, char **cause)
{
	struct entry	 e;
	struct japplied	 a;
	struct usage	 us;
	char		*detail, st[16], ms[32], why[64];
	int		 applied, r;

	if ((r = journal_get(d->journal, d->branch, seq, &e, cause)) != 1)
		return r;
	if ((applied = journal_applied_get(d->journal, d->branch, seq, &a,
	    cause)) == -1) {
		entry_free(&e);
		return -1;
	}
	detail = entry_detail(&e);
	if (json) {
		buf_printf(b, "%s{\"seq\":%llu,\"kind\":\"%s\",\"detail\":",
		    first ? "" : ",", (unsigned long long)seq,
		    entry_kind_name(e.kind));
		buf_add_json(b, detail);
		json_argv(b, &e);
		usage_parse(applied ? a.usage : u->usage, &us);
		usage_json(b, &us);
		if (applied && a.status == JA_SKIPPED)
			buf_printf(b, ",\"status\":null,\"skipped\":true}");
		else if (applied)
			buf_printf(b, ",\"status\":%d,\"duration_ms\":%lld}",
			    a.status, (long long)a.duration_ms);
		else if (strcmp(u->result, "needs-reboot") == 0)
			buf_printf(b, ",\"status\":null,\"stopped\":"
			    "\"needs-reboot\"}");
		else {
			buf_printf(b, ",\"status\":%d", u->status);
			json_signal(b, u->signal);
			buf_printf(b, ",\"failed\":true}");
		}
	} else if (applied && a.status == JA_SKIPPED) {
		row_text(b, seq, &e, "SKIP", "-", NULL);
		buf_printf(b, "%s\n", detail);
	} else if (applied) {
		snprintf(st, sizeof st, "%d", a.status);
		snprintf(ms, sizeof ms, "%lld", (long long)a.duration_ms);
		row_text(b, seq, &e, st, ms, a.usage);
		buf_printf(b, "%s\n", detail);
	} else if (strcmp(u->result, "needs-reboot") == 0) {
		row_text(b, seq, &e, "STOP", "-", NULL);
		buf_printf(b, "a reboot: run isconf -r up\n");
	} else {
		row_text(b, seq, &e, "FAILED", "-", u->usage);
		buf_printf(b, "%s: %s\n", status_why(why, sizeof why,
		    u->status, u->signal), detail);
	}
	free(detail);
	entry_free(&e);
	return 0;
}

static int
report_up(struct isconfd *d, struct buf *b, int json, char **cause)
{
	struct last_up	u;
	uint64_t	seq, last;
	char		when[64];
	int		r;

	if ((r = report_last_up(d, &u, cause)) != 1) {
		buf_printf(b, json ? "\"last_up\":null" : "last up: never\n");
		return r;
	}
	last = strcmp(u.result, "failed") == 0 ? u.seq : u.seq;
	fmt_time(when, sizeof when, u.time);
	if (json) {
		buf_printf(b, "\"last_up\":{\"start\":%lld,\"end\":%lld,"
		    "\"result\":\"%s\",\"entries\":[", u.start, u.time,
		    u.result);
	} else {
		buf_printf(b, "last up: ended %s: %s\n  %-5s %-6s %-6s %8s  ",
		    when, u.result, "seq", "kind", "status", "ms");
		usage_header(b);
		buf_printf(b, "  detail\n");
	}
	for (seq = u.first; seq > 0 && seq <= last; seq++)
		if (row(d, b, seq, json, seq == u.first, &u, cause) == -1) {
			free(u.output);
			return -1;
		}
	if (json) {
		buf_printf(b, "],\"output\":");
		buf_add_json(b, u.output ? u.output : "");
		buf_add_u8(b, '}');
	} else if (u.output != NULL && *u.output != '\0')
		buf_printf(b, "  output of the failed entry (last lines):\n%s%s",
		    u.output, u.output[strlen(u.output) - 1] == '\n' ? "" :
		    "\n");
	free(u.output);
	return 0;
}

static int
report_ci(struct isconfd *d, struct buf *b, int json, char **cause)
{
	struct entry	 e;
	struct japplied	 a;
	struct usage	 us;
	char		*v, *detail;
	char		 when[64];
	long long	 t;
	unsigned long long first, last, seq;
	int		 r;

	if (journal_state_get(d->journal, "last_ci", &v, cause) == -1)
		return -1;
	if (v == NULL || sscanf(v, "%lld %llu %llu", &t, &first, &last) != 3) {
		buf_printf(b, json ? ",\"last_ci\":null" :
		    "last transaction checked in here: none\n");
		free(v);
		return 0;
	}
	free(v);
	fmt_time(when, sizeof when, t);
	if (json)
		buf_printf(b, ",\"last_ci\":{\"time\":%lld,\"entries\":[", t);
	else {
		buf_printf(b, "last transaction checked in here: %s, entries "
		    "%llu-%llu\n  %-5s %-6s %-23s  ", when, first, last, "seq",
		    "kind", "time");
		usage_header(b);
		buf_printf(b, "  detail\n");
	}
	for (seq = first; seq <= last; seq++) {
		if ((r = journal_get(d->journal, d->branch, seq, &e,
		    cause)) == -1)
			return -1;
		if (r == 0)
			break;
		/* What the origin's own runs used (not its lock or ci). */
		if (journal_applied_get(d->journal, d->branch, seq, &a,
		    cause) == -1) {
			entry_free(&e);
			return -1;
		}
		usage_parse(a.usage, &us);
		detail = entry_detail(&e);
		fmt_time(when, sizeof when, e.time);
		if (json) {
			buf_printf(b, "%s{\"seq\":%llu,\"kind\":\"%s\","
			    "\"time\":%lld,\"detail\":", seq == first ? "" :
			    ",", seq, entry_kind_name(e.kind),
			    (long long)e.time);
			buf_add_json(b, detail);
			json_argv(b, &e);
			usage_json(b, &us);
			buf_add_u8(b, '}');
		} else {
			buf_printf(b, "  %-5llu %-6s %-23s  ", seq,
			    entry_kind_name(e.kind), when);
			usage_text(b, &us);
			buf_printf(b, "  %s\n", detail);
		}
		free(detail);
		entry_free(&e);
	}
	if (json)
		buf_printf(b, "]}");
	return 0;
}

static void
verb_report(struct client *c)
{
	struct buf	b;
	int		json = c->req.flags & CTL_F_JSON;
	char		*cause = NULL;

	buf_init(&b);
	if (json)
		buf_add_u8(&b, '{');
	if (report_up(c->d, &b, json, &cause) == -1 ||
	    report_ci(c->d, &b, json, &cause) == -1) {
		client_fail(c, cause);
		free(cause);
		buf_free(&b);
		return;
	}
	if (json)
		buf_add_u8(&b, '}');
	else if (b.len > 0)
		b.len--;
	buf_add_u8(&b, 0);
	client_out(c, "%s", (char *)b.data);
	buf_free(&b);
	client_exit(c, 0);
}
