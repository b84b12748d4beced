/*
 * hmac_keys as the ISconf 4 manual defines it: one key a line, lines
 * starting with # are comments, blank lines ignored, a key may hold any
 * ASCII character but space and #.  +ANY+ turns checking of received
 * messages off while the first key still signs.  No keys: HMAC disabled.
 */
#include <ctype.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "conf.h"

void
hmac_keys_free(struct hmac_keys *k)
{
	size_t	i;

	for (i = 0; i < k->n; i++) {
		sodium_memzero(k->keys[i], strlen(k->keys[i]));
		free(k->keys[i]);
	}
	free(k->keys);
	memset(k, 0, sizeof *k);
}

static int
key_valid(const char *s)
{
	for (; *s != '\0'; s++)
		if (!isascii((unsigned char)*s) || !isgraph((unsigned char)*s))
			return 0;
	return 1;
}

int
hmac_keys_parse(const char *path, const char *text, struct hmac_keys *k,
    char **cause)
{
	char	*copy, *line, *next, *key;
	int	 lineno = 0, rv = -1;

	memset(k, 0, sizeof *k);
	copy = xstrdup(text);
	for (line = copy; line != NULL; line = next) {
		lineno++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if ((key = strchr(line, '#')) != NULL)
			*key = '\0';
		key = str_trim(line);
		if (*key == '\0')
			continue;
		if (strcmp(key, "+ANY+") == 0) {
			k->any = 1;
			continue;
		}
		if (!key_valid(key)) {
			set_cause(cause, "%s:%d: key has a space or a "
			    "non-ASCII character", path, lineno);
			goto out;
		}
		k->keys = xreallocarray(k->keys, k->n + 1, sizeof *k->keys);
		k->keys[k->n++] = xstrdup(key);
	}
	rv = 0;
out:
	sodium_memzero(copy, strlen(text));
	free(copy);
	if (rv == -1)
		hmac_keys_free(k);
	return rv;
}

int
hmac_keys_load(const char *path, struct hmac_keys *k, char **cause)
{
	char	*text;
	int	 rv;

	memset(k, 0, sizeof *k);
	if ((rv = file_read_text(path, 1 << 20, &text, cause)) == 1)
		return 0;
	if (rv == -1)
		return -1;
	rv = hmac_keys_parse(path, text, k, cause);
	sodium_memzero(text, strlen(text));
	free(text);
	return rv;
}
