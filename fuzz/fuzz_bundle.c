/*
 * A bundle file through the stream reader bundle apply uses
 * (daemon/bundle_io.c: bio_read, bio_u64, bio_blob, bio_str over
 * zlib's inflate, with bio_end at the trailer), in the
 * order bundle_apply.c reads it: header, entries (entry_decode), chunks,
 * trailer.  The checks that need the daemon's state (domain, trust,
 * journal, cache) are bundle_apply.c's and are not run here.
 */
#include <sys/mman.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "isconfd.h"
#include "bundle.h"
#include "fuzz.h"

static void
bundle_parse(struct bio *b)
{
	char		 magic[sizeof BUNDLE_MAGIC - 1], *domain = NULL;
	char		*branch = NULL;
	uint8_t		 v[4], has, sig[SIG_LEN], hash[HASH_LEN];
	uint64_t	 n, i;
	struct buf	 raw;
	struct entry	 e;

	buf_init(&raw);
	if (bio_read(b, magic, sizeof magic) == -1 ||
	    memcmp(magic, BUNDLE_MAGIC, sizeof magic) != 0 ||
	    bio_read(b, v, 4) == -1 || get_u32(v) != BUNDLE_VERSION ||
	    bio_str(b, &domain) == -1 || bio_str(b, &branch) == -1)
		goto out;
	n = bio_u64(b);
	for (i = 0; i < n && !b->err; i++) {
		if (bio_blob(b, &raw, BUNDLE_MAX_ENTRY) != 0 ||
		    entry_decode(raw.data, raw.len, &e, NULL) == -1)
			goto out;
		entry_free(&e);
		bio_read(b, &has, 1);
		if (has)
			bio_read(b, sig, SIG_LEN);
	}
	n = bio_u64(b);
	for (i = 0; i < n && !b->err; i++) {
		if (bio_read(b, hash, HASH_LEN) == -1 ||
		    bio_blob(b, &raw, CHUNK_MAX) != 0)
			goto out;
	}
	if (bio_raw(b, &has, 1) == 1 && has)
		(void)bio_raw(b, hash, HASH_LEN);
	(void)bio_end(b, "trailer", NULL);
out:
	buf_free(&raw);
	free(domain);
	free(branch);
}

int
LLVMFuzzerTestOneInput(const uint8_t *p, size_t len)
{
	struct bio	b;
	int		fd;

	if ((fd = memfd_create("bundle", 0)) == -1)
		abort();
	if (len > 0 && write(fd, p, len) != (ssize_t)len)
		abort();
	lseek(fd, 0, SEEK_SET);
	bio_open(&b, fd);
	bundle_parse(&b);
	bio_close(&b);
	close(fd);
	return 0;
}
