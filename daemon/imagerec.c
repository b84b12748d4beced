/*
 * An image's record of where it stands (IMAGE_RECORD under the image's
 * IS_HOME): the branch it was built from, the last entry applied and
 * that entry's id, and when.  A build on an earlier image reads it to
 * go on after that entry; an image comes from anywhere (a tarball, a
 * copy), so the record is read as hostile input: every line is checked,
 * in order, and anything else is an error naming the line.
 *
 *	isconf-image 1
 *	branch NAME
 *	seq N
 *	head 64-HEX
 *	time EPOCH-SECONDS
 */
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isconfd.h"

#define IMAGE_MAGIC	"isconf-image 1"

/* A decimal number of at most max, and nothing else. */
static int
rec_decimal(const char *s, unsigned long long max, unsigned long long *v)
{
	unsigned long long	n = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (!isdigit((unsigned char)*s) ||
		    n > (max - (unsigned)(*s - '0')) / 10)
			return -1;
		n = n * 10 + (unsigned)(*s - '0');
	}
	*v = n;
	return 0;
}

/* The next line of text must be "key value": *value points into
 * *line, a copy the caller frees.  -1 if it is missing or another. */
static int
rec_line(const char **p, const char *key, char **line, const char **value)
{
	size_t	n = strcspn(*p, "\n"), klen = strlen(key);

	if ((*p)[n] != '\n')
		return -1;
	*line = xstrndup(*p, n);
	*p += n + 1;
	if (strncmp(*line, key, klen) != 0 || (*line)[klen] != ' ')
		return -1;
	*value = *line + klen + 1;
	return 0;
}

int
image_record_decode(const char *text, size_t len, struct image_record *r,
    char **cause)
{
	const char		*p = text, *v = NULL;
	static const char *const keys[] = { "branch", "seq", "head", "time" };
	char			*line = NULL;
	unsigned long long	 n;
	size_t			 i;
	int			 bad = 0;

	memset(r, 0, sizeof *r);
	if (memchr(text, '\0', len) != NULL || strlen(text) != len)
		return set_cause(cause, "a NUL byte");
	if (strncmp(p, IMAGE_MAGIC "\n", sizeof IMAGE_MAGIC) != 0)
		return set_cause(cause, "line 1: not \"%s\"", IMAGE_MAGIC);
	p += sizeof IMAGE_MAGIC;
	for (i = 0; i < 4 && !bad; i++) {
		if (rec_line(&p, keys[i], &line, &v) == -1)
			bad = 1;
		else if (i == 0)
			bad = !name_valid(v) || xstrlcpy(r->branch, v,
			    sizeof r->branch) >= sizeof r->branch;
		else if (i == 1) {
			bad = rec_decimal(v, INT64_MAX, &n) == -1;
			r->seq = n;
		}
		else if (i == 2)
			bad = strlen(v) != 2 * HASH_LEN ||
			    v[strspn(v, "0123456789abcdef")] != '\0' ||
			    hex_decode(r->head, HASH_LEN, v) == -1;
		else {
			bad = rec_decimal(v, LLONG_MAX, &n) == -1;
			r->time = (long long)n;
		}
		free(line);
		line = NULL;
	}
	if (bad) {
		memset(r, 0, sizeof *r);
		return set_cause(cause, "line %zu: expected \"%s\" and a valid "
		    "value", i + 1, keys[i - 1]);
	}
	if (*p != '\0') {
		memset(r, 0, sizeof *r);
		return set_cause(cause, "line 6: unexpected text after "
		    "\"time\"");
	}
	return 0;
}

/* The record's text (caller frees); image_record_decode reads it. */
char *
image_record_encode(const struct image_record *r)
{
	char	hex[2 * HASH_LEN + 1], *s;

	hex_encode(hex, r->head, HASH_LEN);
	xasprintf(&s, IMAGE_MAGIC "\nbranch %s\nseq %llu\nhead %s\ntime %lld\n",
	    r->branch, (unsigned long long)r->seq, hex, r->time);
	return s;
}
