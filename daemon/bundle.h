/* Bundle stream I/O shared by bundle_create.c and bundle_apply.c. */
#ifndef BUNDLE_H
#define BUNDLE_H

#include <zlib.h>

#define BUNDLE_MAGIC	"ISCONF-BUNDLE\n"
#define BUNDLE_VERSION	1
#define BUNDLE_MAX_BLOB	(32u << 20)
/* The most bundle apply holds of a bundle's entries (encoded, plus a
 * struct entry each): a bundle over it is refused. */
#define BUNDLE_MAX_HELD	(64u << 20)

/* A gzip stream with a running BLAKE2b of the plain bytes. */
struct bio {
	gzFile				 gz;
	crypto_generichash_state	 st;
	int				 err;
};

void		bio_write(struct bio *, const void *, size_t);
void		bio_wbuf(struct bio *, struct buf *);	/* and resets it */
int		bio_read(struct bio *, void *, size_t);
uint64_t	bio_u64(struct bio *);
int		bio_blob(struct bio *, struct buf *, size_t max);
/* 0 and a string the caller frees, or -1 (b->err set). */
int		bio_str(struct bio *, char **);
/* 0 if the file's gzip stream ends where the file does (read from
 * its start). */
int		bio_check_end(int fd, char **cause);
void		bundle_mac(struct isconfd *, const uint8_t *digest,
		    const char *key, uint8_t *mac);

#endif
