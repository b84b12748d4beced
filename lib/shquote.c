/*
 * Shell quoting for display: a command's argv shown so that pasting it
 * into a shell runs the same command (up progress, errors, log, report,
 * the dashboard).  A plain word is shown as is; any other in single
 * quotes; one with control bytes or bytes that are not UTF-8 as $'...'
 * (bash, ksh, zsh, POSIX.1-2024), so that it stays on one line and
 * shows nothing a terminal would act on.
 */
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Bytes a shell takes literally anywhere in a word. */
static int
sh_plain(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9') || strchr("_@%+=:,./-", ch) != NULL;
}

/* 1 if s needs $'...': a control byte, DEL, or bytes that are not
 * printable UTF-8. */
static int
sh_needs_ansi(const unsigned char *s)
{
	uint32_t	cp;
	size_t		n;

	for (; *s != '\0'; s++) {
		if (*s < 0x20 || *s == 0x7f)
			return 1;
		if (*s >= 0x80) {
			if ((n = utf8_len(s, &cp)) == 0 || cp < 0xa0)
				return 1;
			s += n - 1;
		}
	}
	return 0;
}

static void
sh_ansi(struct buf *b, const unsigned char *s)
{
	uint32_t	cp;
	size_t		n;

	buf_add(b, "$'", 2);
	for (; *s != '\0'; s++) {
		if (*s == '\'' || *s == '\\')
			buf_printf(b, "\\%c", *s);
		else if (*s == '\n')
			buf_add(b, "\\n", 2);
		else if (*s == '\t')
			buf_add(b, "\\t", 2);
		else if (*s >= 0x20 && *s < 0x7f)
			buf_add_u8(b, *s);
		else if (*s >= 0x80 && (n = utf8_len(s, &cp)) != 0 &&
		    cp >= 0xa0) {
			buf_add(b, s, n);
			s += n - 1;
		} else
			buf_printf(b, "\\x%02x", *s);
	}
	buf_add_u8(b, '\'');
}

void
buf_add_shword(struct buf *b, const char *word, int first)
{
	const unsigned char	*s = (const unsigned char *)word;
	const unsigned char	*p;

	for (p = s; *p != '\0' && sh_plain(*p); p++)
		;
	/* A first word with '=' would be read as an assignment. */
	if (*s != '\0' && *p == '\0' && !(first && strchr(word, '=')))
		buf_add(b, s, (size_t)(p - s));
	else if (sh_needs_ansi(s))
		sh_ansi(b, s);
	else {
		buf_add_u8(b, '\'');
		for (p = s; *p != '\0'; p++) {
			if (*p == '\'')
				buf_add(b, "'\\''", 4);
			else
				buf_add_u8(b, *p);
		}
		buf_add_u8(b, '\'');
	}
}

void
buf_add_argv(struct buf *b, char *const argv[], size_t argc)
{
	size_t	i;

	for (i = 0; i < argc; i++) {
		if (i > 0)
			buf_add_u8(b, ' ');
		buf_add_shword(b, argv[i], i == 0);
	}
}

char *
argv_quote(char *const argv[], size_t argc)
{
	struct buf	b;

	buf_init(&b);
	buf_add_argv(&b, argv, argc);
	buf_add_u8(&b, 0);
	return (char *)b.data;
}
