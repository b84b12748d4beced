/* Bundle stream I/O shared by bundle_create.c and bundle_apply.c. */
#ifndef BUNDLE_H
#define BUNDLE_H

#include <zlib.h>

#define BUNDLE_MAGIC	"ISCONF-BUNDLE\n"
#define BUNDLE_VERSION	1
/* The largest entry a bundle may hold: more than a sync frame carries
 * (NET_MAX_FRAME), as much as a snap entry listing the chunks of a
 * 20 GiB file.  A chunk is at most CHUNK_MAX. */
#define BUNDLE_MAX_ENTRY	(4u << 20)
/* What bundle apply stages on disk of a bundle's new entries before it
 * commits them: a bundle over it is refused. */
#define BUNDLE_STAGE_MAX	(1ull << 30)

enum bio_state { BIO_OPEN, BIO_END, BIO_TRAILING, BIO_BROKEN };

/* A gzip stream with a running BLAKE2b of the plain bytes: written
 * with gz, read from fd (bio_open). */
struct bio {
	gzFile				 gz;
	crypto_generichash_state	 st;
	int				 err;
	int				 fd;
	z_stream			 zs;
	int				 zinit;
	enum bio_state			 state;
	uint8_t				 in[65536];
};

void		bio_write(struct bio *, const void *, size_t);
void		bio_wbuf(struct bio *, struct buf *);	/* and resets it */
/* Read fd from where it is; bio_close frees the inflate state. */
void		bio_open(struct bio *, int fd);
void		bio_close(struct bio *);
int		bio_read(struct bio *, void *, size_t);
size_t		bio_raw(struct bio *, void *, size_t);	/* not hashed */
uint64_t	bio_u64(struct bio *);
int		bio_blob(struct bio *, struct buf *, size_t max);	/* -2: > max */
/* 0 and a string the caller frees, or -1 (b->err set). */
int		bio_str(struct bio *, char **);
/* 0 if nothing follows (the trailer, named by after): the gzip stream
 * ends there and the file with it. */
int		bio_end(struct bio *, const char *after, char **cause);
void		bundle_mac(struct isconfd *, const uint8_t *digest,
		    const char *key, uint8_t *mac);

#endif
