/* Hex encoding of hashes and keys. */
#include <string.h>

#include "util.h"

void
hex_encode(char *dst, const uint8_t *src, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	size_t	i;

	for (i = 0; i < len; i++) {
		dst[2 * i] = digits[src[i] >> 4];
		dst[2 * i + 1] = digits[src[i] & 0xf];
	}
	dst[2 * len] = '\0';
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode exactly dstlen bytes; -1 on bad length or digit. */
int
hex_decode(uint8_t *dst, size_t dstlen, const char *src)
{
	size_t	i;
	int	hi, lo;

	if (strlen(src) != 2 * dstlen)
		return -1;
	for (i = 0; i < dstlen; i++) {
		if ((hi = hexval(src[2 * i])) < 0 ||
		    (lo = hexval(src[2 * i + 1])) < 0)
			return -1;
		dst[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}
