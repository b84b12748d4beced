/*
 * A host's configuration as shell scripts read it (isconf env, -D):
 * "export NAME='value'" lines, POSIX single-quoted so that any value
 * (spaces, quotes, newlines, $) reads back as it is, or one JSON object.
 * The daemon prints its own; the client its reading of main.cf when no
 * daemon runs.
 */
#include <ctype.h>
#include <string.h>

#include "util.h"
#include "conf.h"

/* A shell variable name: what `export` accepts. */
static int
shell_name(const char *s)
{
	if (!isalpha((unsigned char)*s) && *s != '_')
		return 0;
	while (*++s != '\0')
		if (!isalnum((unsigned char)*s) && *s != '_')
			return 0;
	return 1;
}

/* 'value', each ' written as '\'' (the one character single quotes
 * cannot hold). */
static void
shell_quote(struct buf *b, const char *s)
{
	const char	*q;

	buf_add_u8(b, '\'');
	while ((q = strchr(s, '\'')) != NULL) {
		buf_add(b, s, (size_t)(q - s));
		buf_add(b, "'\\''", 4);
		s = q + 1;
	}
	buf_add(b, s, strlen(s));
	buf_add_u8(b, '\'');
}

void
conf_export(const struct conf *c, struct buf *b, int json,
    const char *source)
{
	size_t	i;

	if (json) {
		buf_printf(b, "{\"source\":");
		buf_add_json(b, source);
		buf_printf(b, ",\"maincf\":");
		if (c->maincf != NULL)
			buf_add_json(b, c->maincf);
		else
			buf_printf(b, "null");
		buf_printf(b, ",\"variables\":{");
		for (i = 0; i < c->env.n; i++) {
			buf_printf(b, "%s", i > 0 ? "," : "");
			buf_add_json(b, c->env.v[i].name);
			buf_add_u8(b, ':');
			buf_add_json(b, c->env.v[i].value);
		}
		buf_printf(b, "}}\n");
		return;
	}
	for (i = 0; i < c->env.n; i++) {
		/* An IS_ name from the environment may hold anything. */
		if (!shell_name(c->env.v[i].name))
			continue;
		buf_printf(b, "export %s=", c->env.v[i].name);
		shell_quote(b, c->env.v[i].value);
		buf_add_u8(b, '\n');
	}
}
