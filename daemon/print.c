/*
 * Printing that several verbs' tables and their --json share (status,
 * log): a JSON key and value, the last lines of a failed
 * command's output.
 */
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
