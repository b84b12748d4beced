/*
 * Files of one domain or branch name (conf/domain, conf/branch), checked
 * with name_valid (lib/name.c) and refused naming file and line.
 */
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "conf.h"

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
