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
int		bio_str(struct bio *, char **);
/* 0 if the file's gzip stream ends where the file does (read from
 * its start). */
int		bio_check_end(int fd, char **cause);
void		bundle_mac(struct isconfd *, const uint8_t *digest,
		    const char *key, uint8_t *mac);

/* The distinct chunks that snap entries reference. */
struct hashset {
	uint8_t	(*h)[HASH_LEN];
	uint8_t	 *found;		/* per hash, for the caller */
	size_t	  n;
};
void		hashset_add_snap(struct hashset *, const struct entry *);
void		hashset_finish(struct hashset *);	/* sort, dedupe */
/* Index of hash in a finished set, or -1. */
ssize_t		hashset_find(const struct hashset *, const uint8_t *);
void		hashset_free(struct hashset *);

#endif
