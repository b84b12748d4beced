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
 * apply (bundle_apply.c) reads it twice, staging its new entries on
 * disk, and never holds more than an entry or a chunk of it.
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

/*
 * Reading inflates the file itself, not through gzread: gzread stops
 * quietly at bytes after the gzip stream that are not another member,
 * and reads a file that is not gzip as it is.  Here the end is known
 * exactly, in the one pass that reads the file.
 */
void
bio_open(struct bio *b, int fd)
{
	memset(b, 0, sizeof *b);
	b->fd = fd;
	crypto_generichash_init(&b->st, NULL, 0, HASH_LEN);
	if (inflateInit2(&b->zs, 16 + MAX_WBITS) != Z_OK)
		b->state = BIO_BROKEN;
	else
		b->zinit = 1;
}

void
bio_close(struct bio *b)
{
	if (b->zinit)
		inflateEnd(&b->zs);
	b->zinit = 0;
}

/* More of the file into b->in; 0 at its end. */
static ssize_t
bio_fill(struct bio *b)
{
	ssize_t	n;

	if ((n = read(b->fd, b->in, sizeof b->in)) > 0) {
		b->zs.next_in = b->in;
		b->zs.avail_in = (uInt)n;
	}
	return n;
}

/* A gzip member ended: another may follow (gzread reads on), anything
 * else is trailing garbage. */
static void
bio_member_end(struct bio *b)
{
	if (b->zs.avail_in == 0 && bio_fill(b) <= 0)
		b->state = BIO_END;
	else if (b->zs.next_in[0] != 0x1f ||
	    (b->zs.avail_in > 1 && b->zs.next_in[1] != 0x8b))
		b->state = BIO_TRAILING;
	else if (inflateReset(&b->zs) != Z_OK)
		b->state = BIO_BROKEN;
}

/* Up to n plain bytes, fewer at the end of the stream; not hashed. */
size_t
bio_raw(struct bio *b, void *p, size_t n)
{
	size_t	got = 0;
	int	zr;

	while (got < n && b->state == BIO_OPEN) {
		if (b->zs.avail_in == 0 && bio_fill(b) <= 0) {
			b->state = BIO_BROKEN;	/* ends inside the stream */
			break;
		}
		b->zs.next_out = (uint8_t *)p + got;
		b->zs.avail_out = (uInt)(n - got);
		zr = inflate(&b->zs, Z_NO_FLUSH);
		got = n - b->zs.avail_out;
		if (zr == Z_STREAM_END)
			bio_member_end(b);
		else if (zr != Z_OK)
			b->state = BIO_BROKEN;
	}
	return got;
}

int
bio_read(struct bio *b, void *p, size_t n)
{
	if (b->err || bio_raw(b, p, n) != n) {
		b->err = 1;
		memset(p, 0, n);
		return -1;
	}
	crypto_generichash_update(&b->st, p, n);
	return 0;
}

int
bio_end(struct bio *b, const char *after, char **cause)
{
	uint8_t	c;

	if (bio_raw(b, &c, 1) == 1)
		return set_cause(cause, "trailing bytes after the %s", after);
	if (b->state == BIO_TRAILING)
		return set_cause(cause, "trailing bytes after the gzip stream");
	if (b->state != BIO_END)
		return set_cause(cause, "not gzip-compressed, or truncated");
	return 0;
}

uint64_t
bio_u64(struct bio *b)
{
	uint8_t	p[8];

	bio_read(b, p, 8);
	return get_u64(p);
}

/* A length-prefixed blob into out (replacing its contents); -2 if it
 * is longer than max. */
int
bio_blob(struct bio *b, struct buf *out, size_t max)
{
	uint8_t		p[4];
	uint32_t	n;

	buf_reset(out);
	if (bio_read(b, p, 4) == -1)
		return -1;
	if ((n = get_u32(p)) > max) {
		b->err = 1;
		return -2;
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
	if (bio_blob(b, &tmp, 255) != 0 || memchr(tmp.data, 0, tmp.len)) {
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
