/*
 * Bundles: one file holding a branch's whole journal and every chunk it
 * needs, for hosts that cannot reach the mesh (air-gapped DMZ hosts).
 *
 *	"ISCONF-BUNDLE\n" u32 version, str domain, str branch,
 *	u64 n, n x (blob entry, u8 signed, [64 sig]),
 *	u64 m, m x (32 hash, blob bytes),
 *	u8 has_mac, [32 HMAC-SHA256(first hmac key, BLAKE2b(all before))]
 *
 * gzip-compressed as a whole.  This file: reading and writing the
 * stream; bundle_create.c and bundle_apply.c: the verbs.  apply reads the file twice: the first pass
 * checks everything (domain, hash chain, signatures and trusted_keys,
 * chunk hashes, the HMAC when hmac_keys requires one, agreement with the
 * local journal); only then does the second pass store anything.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "isconfd.h"
#include "bundle.h"

void
bio_write(struct bio *b, const void *p, size_t n)
{
	crypto_generichash_update(&b->st, p, n);
	if (n > 0 && gzwrite(b->gz, p, (unsigned)n) != (int)n)
		b->err = 1;
}

void
bio_wbuf(struct bio *b, struct buf *tmp)
{
	bio_write(b, tmp->data, tmp->len);
	buf_reset(tmp);
}

int
bio_read(struct bio *b, void *p, size_t n)
{
	if (b->err || (n > 0 && gzread(b->gz, p, (unsigned)n) != (int)n)) {
		b->err = 1;
		memset(p, 0, n);
		return -1;
	}
	crypto_generichash_update(&b->st, p, n);
	return 0;
}

uint64_t
bio_u64(struct bio *b)
{
	uint8_t	p[8];

	bio_read(b, p, 8);
	return get_u64(p);
}

/* A length-prefixed blob into out (replacing its contents). */
int
bio_blob(struct bio *b, struct buf *out, size_t max)
{
	uint8_t		p[4];
	uint32_t	n;

	buf_reset(out);
	if (bio_read(b, p, 4) == -1 || (n = get_u32(p)) > max) {
		b->err = 1;
		return -1;
	}
	out->data = xreallocarray(out->data, n ? n : 1, 1);
	out->cap = n ? n : 1;
	out->len = n;
	return bio_read(b, out->data, n);
}

int
bio_str(struct bio *b, char **s)
{
	struct buf	tmp;

	buf_init(&tmp);
	if (bio_blob(b, &tmp, 255) == -1 || memchr(tmp.data, 0, tmp.len)) {
		buf_free(&tmp);
		b->err = 1;
		return -1;
	}
	*s = xstrndup((char *)tmp.data, tmp.len);
	buf_free(&tmp);
	return 0;
}

void
bundle_mac(struct isconfd *d, const uint8_t *digest, const char *key,
    uint8_t *mac)
{
	(void)d;
	crypto_auth_hmacsha256_state	st;

	crypto_auth_hmacsha256_init(&st, (const uint8_t *)key, strlen(key));
	crypto_auth_hmacsha256_update(&st, digest, HASH_LEN);
	crypto_auth_hmacsha256_final(&st, mac);
}

