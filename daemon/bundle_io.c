/*
 * Bundles: one file holding a branch's whole journal and every chunk it
 * needs, for hosts that cannot reach the mesh (air-gapped DMZ hosts).
 *
 *	"ISCONF-BUNDLE\n" u32 version, str domain, str branch,
 *	u64 n, n x (blob entry, u8 signed, [64 sig]),
 *	u64 m, m x (32 hash, blob bytes),
 *	u8 has_mac, [32 HMAC-SHA256(first hmac key, BLAKE2b(all before))]
 *
 * gzip-compressed as a whole, one gzip member.  This file: reading and
 * writing the stream; bundle_create.c and bundle_apply.c: the verbs.
 * apply reads the file three times: the first pass keeps one entry and
 * checks the hash chain, the HMAC when hmac_keys requires one, and the
 * last entry's signature and trust; the second keeps the entries and
 * checks everything (domain, hash chain, signatures and trusted_keys,
 * chunk hashes, that every chunk the entries need is there, nothing
 * after the trailer nor after the gzip stream, agreement with the
 * local journal); only then does the third store anything.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
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
	if (out->cap < n || out->data == NULL) {	/* one buffer, reused */
		out->data = xreallocarray(out->data, n ? n : 1, 1);
		out->cap = n ? n : 1;
	}
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


/*
 * The gzip stream must end where the file does: gzread stops quietly at
 * bytes after it that are not another gzip member, so they are looked
 * for here, with inflate.
 */
int
bio_check_end(int fd, char **cause)
{
	z_stream	zs;
	uint8_t		in[65536], out[65536];
	ssize_t		n;
	int		zr = Z_OK, rv = -1;

	if (lseek(fd, 0, SEEK_SET) == -1)
		return set_cause(cause, "%s", strerror(errno));
	memset(&zs, 0, sizeof zs);
	if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK)
		return set_cause(cause, "zlib: out of memory");
	while (zr == Z_OK) {
		if (zs.avail_in == 0) {
			if ((n = read(fd, in, sizeof in)) <= 0)
				break;
			zs.next_in = in;
			zs.avail_in = (uInt)n;
		}
		zs.next_out = out;
		zs.avail_out = sizeof out;
		zr = inflate(&zs, Z_NO_FLUSH);
	}
	if (zr != Z_STREAM_END)
		set_cause(cause, "not gzip-compressed, or truncated");
	else if (zs.avail_in > 0 || read(fd, in, 1) != 0)
		set_cause(cause, "trailing bytes after the gzip stream");
	else
		rv = 0;
	inflateEnd(&zs);
	return rv;
}

static int
hash_cmp(const void *a, const void *b)
{
	return memcmp(a, b, HASH_LEN);
}

/* Room doubles, so adding n hashes one by one copies O(n) bytes. */
void
hashset_add(struct hashset *hs, const uint8_t *hash)
{
	if (hs->n == hs->alloc) {
		hs->alloc = hs->alloc ? hs->alloc * 2 : 64;
		hs->h = xreallocarray(hs->h, hs->alloc, HASH_LEN);
	}
	memcpy(hs->h[hs->n++], hash, HASH_LEN);
}

void
hashset_add_snap(struct hashset *hs, const struct entry *e)
{
	struct snap_info	s;
	size_t			i;

	if (e->kind != ENTRY_SNAP || snap_decode(&e->payload, &s) == -1)
		return;
	for (i = 0; i < s.nchunks; i++)
		hashset_add(hs, s.chunks[i].hash);
	for (i = 0; i < s.nlists; i++)
		hashset_add(hs, s.lists[i].hash);
	snap_info_free(&s);
}

void
hashset_finish(struct hashset *hs)
{
	size_t	i, o;

	if (hs->n > 0) {
		qsort(hs->h, hs->n, HASH_LEN, hash_cmp);
		for (i = 1, o = 1; i < hs->n; i++)
			if (memcmp(hs->h[i], hs->h[o - 1], HASH_LEN) != 0)
				memcpy(hs->h[o++], hs->h[i], HASH_LEN);
		hs->n = o;
	}
	hs->found = xcalloc(hs->n ? hs->n : 1, 1);
}

ssize_t
hashset_find(const struct hashset *hs, const uint8_t *hash)
{
	const uint8_t	(*p)[HASH_LEN];

	if (hs->n == 0)
		return -1;
	p = bsearch(hash, hs->h, hs->n, HASH_LEN, hash_cmp);
	return p == NULL ? -1 : p - hs->h;
}

void
hashset_free(struct hashset *hs)
{
	free(hs->h);
	free(hs->found);
	memset(hs, 0, sizeof *hs);
}
