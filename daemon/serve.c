/*
 * Answering peers over the encrypted stream: journal entries of a branch
 * after a seq, and chunks by hash.  Read-only: nothing a peer sends
 * here changes this host.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "isconfd.h"

/*
 * An entries request is answered a little at a time: the next entries
 * go out only when what was queued has drained below SERVE_LOW, so a
 * run holds about SERVE_HIGH bytes whatever the branch's length, and a
 * turn of the loop reads at most SERVE_TURN entries.  A run ends after
 * SERVE_MAX_ENTRIES (anywhere, even inside a transaction: the receiver
 * stages the tail and asks again after it).
 */
#define SERVE_MAX_ENTRIES	100000
#define SERVE_HIGH		(1u << 20)
#define SERVE_LOW		(256u << 10)
#define SERVE_TURN		256

struct serve_run {
	struct isconfd		*d;
	struct net_conn		*c;
	char			*branch;
	uint64_t		 next;		/* seq to send next */
	uint64_t		 head;		/* ours when asked */
	uint64_t		 left;		/* entries this run may send */
	struct serve_run	*next_run;
};

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

static void
serve_run_free(struct serve_run *r)
{
	struct serve_run	**pp;

	for (pp = &r->d->serves; *pp != NULL; pp = &(*pp)->next_run)
		if (*pp == r) {
			*pp = r->next_run;
			break;
		}
	free(r->branch);
	free(r);
}

/* The run is over: no more drain calls.  After an error the connection
 * closes once what is queued is written; after END the receiver closes
 * it, so that it can still say why it refuses what we sent. */
static void
serve_run_end(struct serve_run *r, int finish)
{
	net_conn_set_drain(r->c, 0, NULL, NULL);
	if (finish)
		net_conn_finish(r->c);
	serve_run_free(r);
}

/* One entry: 0, or -1 with cause set (never skipped: the run stops). */
static int
serve_one(struct serve_run *r, struct buf *b, struct buf *raw, char **cause)
{
	struct entry	e;
	int		rv = 0;

	if (journal_get(r->d->journal, r->branch, r->next, &e, cause) != 1)
		return *cause != NULL ? -1 : set_cause(cause, "entry %llu "
		    "below the head is missing", (unsigned long long)r->next);
	buf_reset(b);
	buf_reset(raw);
	entry_encode(&e, raw);
	buf_add_blob(b, raw->data, raw->len);
	buf_add_u8(b, e.has_sig);
	if (e.has_sig)
		buf_add(b, e.sig, SIG_LEN);
	if (net_conn_send(r->c, F_ENTRY, b->data, b->len) == -1)
		rv = set_cause(cause, "entry %llu (%zu bytes) could not be "
		    "sent", (unsigned long long)r->next, b->len);
	entry_free(&e);
	return rv;
}

static void
serve_more(struct serve_run *r)
{
	struct buf	 b, raw;
	char		*cause = NULL;
	int		 turn = SERVE_TURN;

	buf_init(&b);
	buf_init(&raw);
	while (r->next <= r->head && r->left > 0 && turn-- > 0 &&
	    net_conn_pending(r->c) < SERVE_HIGH) {
		if (serve_one(r, &b, &raw, &cause) == -1)
			break;
		r->next++;
		r->left--;
	}
	if (cause != NULL) {
		/* A read or send that fails ends the stream there: an END
		 * would let the receiver resume past the entry. */
		log_warnx("serving %s to %s: %s", r->branch,
		    inet_ntoa(net_conn_peer(r->c)->sin_addr), cause);
		serve_error(r->c, cause);
		serve_run_end(r, 1);
	} else if (r->next > r->head || r->left == 0) {
		buf_reset(&b);
		buf_add_u64(&b, r->head);
		net_conn_send(r->c, F_END, b.data, b.len);
		serve_run_end(r, 0);
	}
	buf_free(&b);
	buf_free(&raw);
	free(cause);
}

static void
serve_drain(void *arg, struct net_conn *c, int closed)
{
	struct serve_run	*r = arg;

	(void)c;
	if (closed)
		serve_run_free(r);
	else
		serve_more(r);
}

static int
serve_entries(struct isconfd *d, struct net_conn *c, const uint8_t *p,
    size_t len)
{
	struct serve_run	*r;
	char			*branch, *origin = NULL, *cause = NULL;
	uint64_t		 after;
	struct jhead		 h;
	struct buf		 b;

	if (serve_streaming(d, c) || have_serving(d, c))
		return -1;	/* one request a connection */
	if (wire_get_entries_decode(p, len, &branch, &after) == -1)
		return -1;
	if (journal_head(d->journal, branch, &h, &cause) == -1 ||
	    branch_origin(d, branch, &origin, &cause) == -1) {
		log_warnx("serving %s to a peer: %s", branch, cause);
		free(branch);
		free(cause);
		return -1;
	}
	/* A fork copy: the branch its signatures were made for first. */
	if (strcmp(origin, branch) != 0) {
		buf_init(&b);
		buf_add_str(&b, origin);
		net_conn_send(c, F_ORIGIN, b.data, b.len);
		buf_free(&b);
	}
	free(origin);
	r = xcalloc(1, sizeof *r);
	r->d = d;
	r->c = c;
	r->branch = branch;
	r->next = after + 1;
	r->head = h.seq;
	r->left = TEST_KNOB("ISCONF_SERVE_MAX", SERVE_MAX_ENTRIES);
	r->next_run = d->serves;
	d->serves = r;
	net_conn_set_drain(c, SERVE_LOW, serve_drain, r);
	serve_more(r);
	return 0;
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
serve_streaming(struct isconfd *d, struct net_conn *c)
{
	struct serve_run	*r;

	for (r = d->serves; r != NULL; r = r->next_run)
		if (r->c == c)
			return 1;
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
	case F_BITFIELD:	/* a test build can play a daemon before it */
		if (TEST_KNOB("ISCONF_HAVE_OLD", 2) != 1)
			return have_request(d, c, p, len);
		/* FALLTHROUGH */
	default:
		serve_error(c, "unknown request");
		return -1;
	}
}
