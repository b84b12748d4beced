/*
 * Printing that several verbs' tables, their --json and the HTTP API
 * share (status, log, /api/v1/branches/NAME/journal): a JSON key and
 * value, the last lines of a failed command's output, an entry.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isconfd.h"

void
json_kv(struct buf *b, const char *k, const char *v, int comma)
{
	buf_add_json(b, k);
	buf_add_u8(b, ':');
	buf_add_json(b, v);
	if (comma)
		buf_add_u8(b, ',');
}

/* The last few lines of a failed command's output, indented. */
void
output_tail(struct buf *b, const char *out, int lines)
{
	const char	*p = out + strlen(out);
	int		 n = 0;

	while (p > out && p[-1] == '\n')
		p--;
	while (p > out && n <= lines)
		if (*--p == '\n')
			n++;
	if (*p == '\n')
		p++;
	for (; *p != '\0'; p++) {
		if (p == out || p[-1] == '\n')
			buf_printf(b, "          | ");
		buf_add_u8(b, (uint8_t)*p);
	}
	if (b->len > 0 && b->data[b->len - 1] != '\n')
		buf_add_u8(b, '\n');
}

const char *
sig_name(int sig)
{
	static char	 name[32];
	const char	*abbrev = sigabbrev_np(sig);

	if (abbrev != NULL)
		snprintf(name, sizeof name, "SIG%s", abbrev);
	else
		snprintf(name, sizeof name, "signal %d", sig);
	return name;
}

const char *
status_why(char *buf, size_t len, int status, int sig)
{
	if (sig != 0)
		snprintf(buf, len, "killed by %s", sig_name(sig));
	else
		snprintf(buf, len, "exit status %d", status);
	return buf;
}

void
json_signal(struct buf *b, int sig)
{
	if (sig == 0)
		buf_printf(b, ",\"signal\":null");
	else
		buf_printf(b, ",\"signal\":\"%s\"", sig_name(sig));
}

/* An exec entry's argv as a JSON array, ",\"argv\":[...]": the words
 * as they are, beside the shell-quoted detail. */
void
json_argv(struct buf *b, const struct entry *e)
{
	struct exec_info	x;
	size_t			i;

	if (e->kind != ENTRY_EXEC || exec_decode(&e->payload, &x) == -1)
		return;
	buf_printf(b, ",\"argv\":[");
	for (i = 0; i < x.argc; i++) {
		if (i > 0)
			buf_add_u8(b, ',');
		buf_add_json(b, x.argv[i]);
	}
	buf_add_u8(b, ']');
	exec_info_free(&x);
}

/* One entry, as a log line or a JSON object, without its end (the
 * caller adds what it shows beside and the end). */
void
print_entry(struct buf *b, const struct entry *e, int json, int first)
{
	char	 when[64], id[13], *detail = entry_detail(e);

	id_short(id, e->id);
	fmt_time(when, sizeof when, e->time);
	if (json) {
		buf_printf(b, "%s{\"seq\":%llu,\"id\":\"%s\",\"kind\":\"%s\","
		    "\"time\":%lld,", first ? "" : ",",
		    (unsigned long long)e->seq, id, entry_kind_name(e->kind),
		    (long long)e->time);
		json_kv(b, "host", e->host, 1);
		json_kv(b, "author", e->author, 1);
		json_kv(b, "message", e->message, 1);
		json_kv(b, "detail", detail, 0);
		json_argv(b, e);
	} else {
		/* Escaped: a tab or newline in them would shift the
		 * columns or fake an entry. */
		buf_printf(b, "%llu\t%s\t%s\t%s\t%s\t",
		    (unsigned long long)e->seq, when, entry_kind_name(e->kind),
		    e->host, e->author);
		buf_add_esc(b, e->message);
		buf_add_u8(b, '\t');
		buf_add_esc(b, detail);
	}
	free(detail);
}
