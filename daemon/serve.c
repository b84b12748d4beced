/*
 * Answering peers over the encrypted stream: journal entries of a branch
 * after a seq, and chunks by hash.  Read-only: nothing a peer sends
 * here changes this host.
 */
#include <stdlib.h>
#include <string.h>

#include "isconfd.h"

#define SERVE_MAX_ENTRIES	100000

static int
serve_error(struct net_conn *c, const char *msg)
{
	struct buf	b;

	buf_init(&b);
	buf_add_str(&b, msg);
	net_conn_send(c, F_ERROR, b.data, b.len);
	buf_free(&b);
	return 0;
}

static int
serve_entries(struct isconfd *d, struct net_conn *c, const uint8_t *p,
    size_t len)
{
	char		*branch;
	uint64_t	 after, seq;
	struct entry	 e;
	struct jhead	 h;
	struct buf	 b, raw;
	size_t		 n = 0;
	char		*cause = NULL;
	int		 rv = -1;

	if (wire_get_entries_decode(p, len, &branch, &after) == -1)
		return -1;
	buf_init(&b);
	buf_init(&raw);
	/* A read that fails ends the stream: an F_END after fewer entries
	 * than the head would look like a short journal. */
	if (journal_head(d->journal, branch, &h, &cause) == -1)
		goto out;
	for (seq = after + 1; seq <= h.seq && n < SERVE_MAX_ENTRIES;
	    seq++, n++) {
		if (journal_get(d->journal, branch, seq, &e, &cause) != 1)
			goto out;
		buf_reset(&b);
		buf_reset(&raw);
		entry_encode(&e, &raw);
		buf_add_blob(&b, raw.data, raw.len);
		buf_add_u8(&b, e.has_sig);
		if (e.has_sig)
			buf_add(&b, e.sig, SIG_LEN);
		net_conn_send(c, F_ENTRY, b.data, b.len);
		entry_free(&e);
	}
	buf_reset(&b);
	buf_add_u64(&b, h.seq);
	net_conn_send(c, F_END, b.data, b.len);
	rv = 0;
out:
	if (rv == -1)
		log_warnx("serving %s to a peer: %s", branch, cause ? cause :
		    "an entry below the head is missing");
	buf_free(&b);
	buf_free(&raw);
	free(branch);
	free(cause);
	return rv;
}

static int
serve_chunk(struct isconfd *d, struct net_conn *c, const uint8_t *p,
    size_t len)
{
	uint8_t		 hash[HASH_LEN];
	struct buf	 data, b;
	char		*cause = NULL;
	int		 rv;

	if (wire_get_chunk_decode(p, len, hash) == -1)
		return -1;
	buf_init(&data);
	buf_init(&b);
	buf_add(&b, hash, HASH_LEN);
	if ((rv = cache_get(d->cache, hash, &data, &cause)) == -1) {
		log_warnx("serving a chunk: %s", cause);
		free(cause);
	}
	if (rv == 1) {
		buf_add_blob(&b, data.data, data.len);
		net_conn_send(c, F_CHUNK, b.data, b.len);
		d->chunks_served++;
		d->chunk_bytes_served += data.len;
	} else
		net_conn_send(c, F_NOCHUNK, b.data, b.len);
	buf_free(&data);
	buf_free(&b);
	return 0;
}

int
serve_frame(void *arg, struct net_conn *c, uint8_t type, const uint8_t *p,
    size_t len)
{
	struct isconfd	*d = arg;

	switch (type) {
	case F_GET_ENTRIES:
		return serve_entries(d, c, p, len);
	case F_GET_CHUNK:
		return serve_chunk(d, c, p, len);
	case F_ERROR:	/* the peer refused what we served */
		return refusal_note(d, c, p, len);
	default:
		serve_error(c, "unknown request");
		return -1;
	}
}
