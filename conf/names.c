/*
 * Domain and branch names: the manual's \w+[-\w\.]+, matched whole and
 * ASCII only, capped at 255 bytes.  "." and ".." can never match, and no
 * name contains "/", so a name is safe wherever it is used.
 */
#include <ctype.h>
#include <string.h>

#include "util.h"
#include "conf.h"

static int
is_word(int c)
{
	return isascii(c) && (isalnum(c) || c == '_');
}

int
name_valid(const char *s)
{
	size_t	i, n;

	if (s == NULL || (n = strlen(s)) < 2 || n > 255)
		return 0;
	if (!is_word((unsigned char)s[0]))
		return 0;
	for (i = 1; i < n; i++) {
		int c = (unsigned char)s[i];
		if (!is_word(c) && c != '-' && c != '.')
			return 0;
	}
	return 1;
}

/* Host names: letters, digits, '-', '_' and '.', 1 to 255 bytes. */
int
host_name_valid(const char *s)
{
	size_t	i, n;

	if (s == NULL || (n = strlen(s)) < 1 || n > 255 || s[0] == '.')
		return 0;
	for (i = 0; i < n; i++) {
		int c = (unsigned char)s[i];
		if (!is_word(c) && c != '-' && c != '.')
			return 0;
	}
	return 1;
}
