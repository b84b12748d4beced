/*
 * conf/trusted_keys: the Ed25519 host keys (hex, as in host.pub) whose
 * entries and streams this host believes, one a line, # comments and
 * blank lines ignored.  A line that is not such a key is an error naming
 * file and line: a typo must not silently distrust a host, nor pass.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "conf.h"

void
trusted_keys_free(struct trusted_keys *t)
{
	free(t->keys);
	memset(t, 0, sizeof *t);
}

int
trusted_keys_parse(const char *path, const char *text,
    struct trusted_keys *t, char **cause)
{
	char	*copy, *line, *next, *p;
	int	 lineno = 0, rv = -1;

	memset(t, 0, sizeof *t);
	t->present = 1;
	copy = xstrdup(text);
	for (line = copy; line != NULL; line = next) {
		lineno++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if ((p = strchr(line, '#')) != NULL)
			*p = '\0';
		p = str_trim(line);
		if (*p == '\0')
			continue;
		t->keys = xreallocarray(t->keys, t->n + 1, sizeof *t->keys);
		if (hex_decode(t->keys[t->n], TRUSTED_KEY_LEN, p) == -1) {
			set_cause(cause, "%s:%d: not a hex Ed25519 public "
			    "key (%d hex digits, as in host.pub)", path,
			    lineno, 2 * TRUSTED_KEY_LEN);
			goto out;
		}
		t->n++;
	}
	rv = 0;
out:
	free(copy);
	if (rv == -1)
		trusted_keys_free(t);
	return rv;
}

int
trusted_keys_load(const char *path, struct trusted_keys *t, char **cause)
{
	char	*text;
	int	 rv;

	memset(t, 0, sizeof *t);
	if ((rv = file_read_text(path, 1 << 20, &text, cause)) == 1)
		return 0;
	if (rv == -1)
		return -1;
	rv = trusted_keys_parse(path, text, t, cause);
	free(text);
	return rv;
}

int
trusted_keys_find(const struct trusted_keys *t, const unsigned char *key)
{
	size_t	i;

	for (i = 0; i < t->n; i++)
		if (memcmp(t->keys[i], key, TRUSTED_KEY_LEN) == 0)
			return 1;
	return 0;
}
