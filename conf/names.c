/*
 * Domain and branch names: the manual's \w+[-\w\.]+, matched whole and
 * ASCII only, capped at 255 bytes.  "." and ".." can never match, and no
 * name contains "/", so a name is safe wherever it is used.
 */
#include <ctype.h>
#include <stdlib.h>
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

/*
 * A file holding one name (conf/domain, conf/branch): the first non-blank
 * line, trimmed.  Anything else in it is an error naming file and line,
 * never silently ignored.  1 if the file is missing or blank.
 */
int
name_file_read(const char *path, const char *what, char **out, char **cause)
{
	char	*text, *line, *next, *s, esc[80];
	int	 lineno = 0, rv;

	*out = NULL;
	if ((rv = file_read_text(path, 65536, &text, cause)) != 0)
		return rv;
	rv = 1;
	for (line = text; line != NULL; line = next) {
		lineno++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		s = str_trim(line);
		if (*s == '\0')
			continue;
		if (*out != NULL) {
			rv = set_cause(cause, "%s:%d: more than one %s name",
			    path, lineno, what);
			break;
		}
		if (!name_valid(s)) {
			log_escape(esc, sizeof esc, s);
			rv = set_cause(cause, "%s:%d: %s '%s' is not a valid "
			    "name (\\w+[-\\w.]+)", path, lineno, what, esc);
			break;
		}
		*out = xstrdup(s);
		rv = 0;
	}
	free(text);
	if (rv == -1) {
		free(*out);
		*out = NULL;
	}
	return rv;
}
