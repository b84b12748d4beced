/*
 * Domain and branch names: the manual's \w+[-\w\.]+, matched whole and
 * ASCII only, capped at 255 bytes.  "." and ".." can never match, and no
 * name contains "/", so a name is safe wherever it is used.  Host names
 * too.  In lib/ because net/ checks the host name of every datagram and
 * depends on lib/ only.
 */
#include <ctype.h>
#include <string.h>

#include "util.h"

static int
is_word(int c)
{
	return isascii(c) && (isalnum(c) || c == '_');
}

/* 1 if s holds word characters, '-' and '.' only. */
static int
name_chars(const char *s)
{
	for (; *s != '\0'; s++)
		if (!is_word((unsigned char)*s) && *s != '-' && *s != '.')
			return 0;
	return 1;
}

int
name_valid(const char *s)
{
	size_t	n;

	if (s == NULL || (n = strlen(s)) < 2 || n > 255)
		return 0;
	return is_word((unsigned char)s[0]) && name_chars(s + 1);
}

/* Host names: letters, digits, '-', '_' and '.', 1 to 255 bytes. */
int
host_name_valid(const char *s)
{
	size_t	n;

	if (s == NULL || (n = strlen(s)) < 1 || n > 255 || s[0] == '.')
		return 0;
	return name_chars(s);
}
