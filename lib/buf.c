/*
 * Growable buffers and a bounds-checked reader.  All integers are
 * big-endian so encodings are canonical across hosts: entry ids are
 * hashes of these bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

void
buf_init(struct buf *b)
{
	memset(b, 0, sizeof *b);
}

void
buf_free(struct buf *b)
{
	free(b->data);
	buf_init(b);
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
}

static void
buf_grow(struct buf *b, size_t need)
{
	size_t	cap;

	if (b->len + need <= b->cap)
		return;
	cap = b->cap ? b->cap : 64;
	while (cap < b->len + need)
		cap *= 2;
	b->data = xreallocarray(b->data, cap, 1);
	b->cap = cap;
}

void
buf_add(struct buf *b, const void *p, size_t n)
{
	if (n == 0)
		return;
	buf_grow(b, n);
	memcpy(b->data + b->len, p, n);
	b->len += n;
}

void
buf_add_u8(struct buf *b, uint8_t v)
{
	buf_add(b, &v, 1);
}

void
buf_add_u32(struct buf *b, uint32_t v)
{
	uint8_t	p[4];

	put_u32(p, v);
	buf_add(b, p, 4);
}

void
buf_add_u64(struct buf *b, uint64_t v)
{
	uint8_t	p[8];

	put_u64(p, v);
	buf_add(b, p, 8);
}

void
buf_add_blob(struct buf *b, const void *p, size_t n)
{
	buf_add_u32(b, (uint32_t)n);
	buf_add(b, p, n);
}

void
buf_add_str(struct buf *b, const char *s)
{
	buf_add_blob(b, s ? s : "", s ? strlen(s) : 0);
}

void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;
	int	 n;

	va_start(ap, fmt);
	n = xvasprintf(&s, fmt, ap);
	va_end(ap);
	buf_add(b, s, (size_t)n);
	free(s);
}

void
rd_init(struct rd *r, const void *p, size_t len)
{
	r->p = p;
	r->len = len;
	r->off = 0;
	r->err = 0;
}

static const uint8_t *
rd_take(struct rd *r, size_t n)
{
	const uint8_t	*p;

	if (r->err || n > r->len - r->off) {
		r->err = 1;
		return NULL;
	}
	p = r->p + r->off;
	r->off += n;
	return p;
}

uint8_t
rd_u8(struct rd *r)
{
	const uint8_t	*p = rd_take(r, 1);

	return p ? p[0] : 0;
}

uint32_t
rd_u32(struct rd *r)
{
	const uint8_t	*p = rd_take(r, 4);

	return p ? get_u32(p) : 0;
}

uint64_t
rd_u64(struct rd *r)
{
	const uint8_t	*p = rd_take(r, 8);

	return p ? get_u64(p) : 0;
}

void
rd_bytes(struct rd *r, void *dst, size_t n)
{
	const uint8_t	*p = rd_take(r, n);

	if (p != NULL)
		memcpy(dst, p, n);
	else
		memset(dst, 0, n);
}

const uint8_t *
rd_blob(struct rd *r, size_t *len, size_t max)
{
	uint32_t	 n = rd_u32(r);
	const uint8_t	*p;

	*len = 0;
	if (r->err || n > max) {
		r->err = 1;
		return NULL;
	}
	if ((p = rd_take(r, n)) != NULL)
		*len = n;
	return p;
}

char *
rd_str(struct rd *r, size_t max)
{
	size_t		 n;
	const uint8_t	*p = rd_blob(r, &n, max);

	if (p == NULL)
		return xstrdup("");
	if (memchr(p, '\0', n) != NULL) {
		r->err = 1;
		return xstrdup("");
	}
	return xstrndup((const char *)p, n);
}

int
rd_done(struct rd *r)
{
	return (r->err || r->off != r->len) ? -1 : 0;
}

uint32_t
get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

void
put_u32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

uint64_t
get_u64(const uint8_t *p)
{
	return (uint64_t)get_u32(p) << 32 | get_u32(p + 4);
}

void
put_u64(uint8_t *p, uint64_t v)
{
	put_u32(p, v >> 32);
	put_u32(p + 4, (uint32_t)v);
}

/*
 * The length of the valid UTF-8 sequence at s, 2 to 4 bytes, and its
 * code point; 0 if it is not one (a stray or truncated byte, an
 * overlong form, a surrogate, past U+10FFFF).  A NUL ends it.
 */
size_t
utf8_len(const unsigned char *s, uint32_t *cp)
{
	size_t		n, i;
	uint32_t	c;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, c = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, c = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, c = s[0] & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 ||
	    c > 0x10ffff)) || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

/* A JSON string literal, quoted and escaped; bytes that are not UTF-8
 * become U+FFFD, so that a strict parser reads it. */
void
buf_add_json(struct buf *b, const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	uint32_t		 cp;
	size_t			 n;

	buf_add_u8(b, '"');
	for (; p != NULL && *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			buf_printf(b, "\\%c", *p);
		else if (*p < 0x20)
			buf_printf(b, "\\u%04x", *p);
		else if (*p < 0x80)
			buf_add_u8(b, *p);
		else if ((n = utf8_len(p, &cp)) == 0)
			buf_add(b, "\xef\xbf\xbd", 3);
		else {
			buf_add(b, p, n);
			p += n - 1;
		}
	}
	buf_add_u8(b, '"');
}

/*
 * s for a terminal or a log line: control characters (C0, DEL, C1)
 * and bytes that are not UTF-8 as \xNN, so that a command line cannot
 * move the cursor or fake a line of its own; other UTF-8 as it is.
 */
void
buf_add_esc(struct buf *b, const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	uint32_t		 cp;
	size_t			 n;

	for (; p != NULL && *p != '\0'; p++) {
		if (*p >= 0x20 && *p < 0x7f)
			buf_add_u8(b, *p);
		else if (*p >= 0x80 && (n = utf8_len(p, &cp)) != 0 &&
		    cp >= 0xa0) {
			buf_add(b, p, n);
			p += n - 1;
		} else
			buf_printf(b, "\\x%02x", *p);
	}
}

/* buf_add_esc into a new string (caller frees). */
char *
str_esc(const char *s)
{
	struct buf	b;

	buf_init(&b);
	buf_add_esc(&b, s);
	buf_add_u8(&b, 0);
	return (char *)b.data;
}
