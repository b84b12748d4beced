/*
 * Decoders of what isconfd receives (wire.h).  Each decodes into a
 * zeroed struct and bounds every read by what remains (struct rd).
 */
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "proto.h"
#include "conf.h"
#include "net.h"
#include "wire.h"

static void
lock_read(struct rd *r, struct wire_lock *l, size_t msgmax)
{
	l->host = rd_str(r, 255);
	l->author = rd_str(r, 255);
	l->message = rd_str(r, msgmax);
	l->time = (int64_t)rd_u64(r);
}

void
wire_lock_free(struct wire_lock *l)
{
	free(l->branch);
	free(l->host);
	free(l->author);
	free(l->message);
	memset(l, 0, sizeof *l);
}

int
wire_lockstmt_read(struct rd *r, uint8_t kind, struct wire_lockstmt *w)
{
	const uint8_t	*p;
	size_t		 len;

	memset(w, 0, sizeof *w);
	p = rd_blob(r, &len, STMT_MAX);
	if (r->err)
		return -1;
	return wire_lockstmt_raw(kind, p, len, w);
}

int
wire_lockstmt_raw(uint8_t kind, const uint8_t *p, size_t len,
    struct wire_lockstmt *w)
{
	memset(w, 0, sizeof *w);
	if (stmt_decode(p, len, &w->st) == -1)
		return -1;
	if (w->st.kind != kind || stmt_lock_decode(kind, w->st.body,
	    w->st.blen, &w->l) == -1) {
		stmt_free(&w->st);
		return -1;
	}
	return 0;
}

int
wire_lockstmt_decode(uint8_t kind, const uint8_t *p, size_t len,
    struct wire_lockstmt *w)
{
	struct rd	r;

	rd_init(&r, p, len);
	if (wire_lockstmt_read(&r, kind, w) == -1)
		return -1;
	if (rd_done(&r) == -1) {
		wire_lockstmt_free(w);
		return -1;
	}
	return 0;
}

void
wire_lockstmt_free(struct wire_lockstmt *w)
{
	stmt_free(&w->st);
	stmt_lock_free(&w->l);
}

/* n (at most max) lock statements of kind into *out. */
static int
lockstmts_read(struct rd *r, uint8_t kind, uint32_t n, uint32_t max,
    struct wire_lockstmt **out, size_t *nout)
{
	if (r->err || n > max)
		return -1;
	*out = xcalloc(n ? n : 1, sizeof **out);
	while (n-- > 0) {
		if (wire_lockstmt_read(r, kind, &(*out)[*nout]) == -1)
			return -1;
		(*nout)++;
	}
	return 0;
}

int
wire_hello_decode(const uint8_t *p, size_t len, struct wire_hello *h)
{
	struct rd	 r;
	uint32_t	 n, i;

	memset(h, 0, sizeof *h);
	rd_init(&r, p, len);
	h->branch = rd_str(&r, 255);
	h->applied = rd_u64(&r);
	rd_bytes(&r, h->applied_id, HASH_LEN);
	h->failed_seq = rd_u64(&r);
	h->failed_status = rd_u32(&r);
	h->skipped = rd_u32(&r);
	n = rd_u32(&r);
	if (n > HELLO_MAX_HEADS) {
		r.err = 1;
		n = 0;
	}
	h->heads = xcalloc(n ? n : 1, sizeof *h->heads);
	for (i = 0; i < n && !r.err; i++, h->nheads++) {
		h->heads[i].branch = rd_str(&r, 255);
		h->heads[i].seq = rd_u64(&r);
		rd_bytes(&r, h->heads[i].id, HASH_LEN);
	}
	if (r.err || !name_valid(h->branch))
		return -1;
	/* The holder says it holds nothing: a u32 0 where locks go. */
	n = rd_u32(&r);
	h->nolocks = n == 0;
	if (lockstmts_read(&r, STMT_LOCK_HELD, n, HELLO_MAX_LOCKS, &h->locks,
	    &h->nlocks) == -1 || lockstmts_read(&r, STMT_LOCK_RELEASE,
	    rd_u32(&r), HELLO_MAX_RELEASES, &h->releases,
	    &h->nreleases) == -1)
		return -1;
	return rd_done(&r);
}

void
wire_hello_free(struct wire_hello *h)
{
	size_t	i;

	free(h->branch);
	for (i = 0; i < h->nheads; i++)
		free(h->heads[i].branch);
	free(h->heads);
	for (i = 0; i < h->nlocks; i++)
		wire_lockstmt_free(&h->locks[i]);
	free(h->locks);
	for (i = 0; i < h->nreleases; i++)
		wire_lockstmt_free(&h->releases[i]);
	free(h->releases);
	memset(h, 0, sizeof *h);
}

int
wire_answer_decode(uint8_t type, const uint8_t *p, size_t len,
    struct wire_answer *a)
{
	struct rd	r;

	memset(a, 0, sizeof *a);
	rd_init(&r, p, len);
	a->branch = rd_str(&r, 255);
	a->clock = rd_u64(&r);
	a->claimant = rd_str(&r, 255);
	if (!r.err && type == MSG_DENY) {
		lock_read(&r, &a->holder, 65536);
		a->reason = rd_str(&r, 1024);
		a->busy = *a->holder.host != '\0' && *a->reason != '\0';
	}
	if (r.err) {
		wire_answer_free(a);
		return -1;
	}
	return 0;
}

void
wire_answer_free(struct wire_answer *a)
{
	free(a->branch);
	free(a->claimant);
	wire_lock_free(&a->holder);
	free(a->reason);
	memset(a, 0, sizeof *a);
}

int
wire_get_entries_decode(const uint8_t *p, size_t len, char **branch,
    uint64_t *after)
{
	struct rd	r;

	rd_init(&r, p, len);
	*branch = rd_str(&r, 255);
	*after = rd_u64(&r);
	if (rd_done(&r) == -1 || !name_valid(*branch)) {
		free(*branch);
		*branch = NULL;
		return -1;
	}
	return 0;
}

int
wire_origin_decode(const uint8_t *p, size_t len, char **origin)
{
	struct rd	r;

	rd_init(&r, p, len);
	*origin = rd_str(&r, 255);
	if (rd_done(&r) == -1) {
		free(*origin);
		*origin = NULL;
		return -1;
	}
	return 0;
}

int
wire_end_decode(const uint8_t *p, size_t len, uint64_t *head)
{
	struct rd	r;

	rd_init(&r, p, len);
	*head = rd_u64(&r);
	return rd_done(&r);
}

int
wire_get_chunk_decode(const uint8_t *p, size_t len, uint8_t *hash)
{
	struct rd	r;

	rd_init(&r, p, len);
	rd_bytes(&r, hash, HASH_LEN);
	return rd_done(&r);
}

int
wire_bitfield_req_decode(const uint8_t *p, size_t len, uint8_t *tag,
    char **branch, uint64_t *seq, uint8_t *id)
{
	struct rd	r;

	rd_init(&r, p, len);
	*tag = rd_u8(&r);
	*branch = rd_str(&r, 255);
	*seq = rd_u64(&r);
	rd_bytes(&r, id, HASH_LEN);
	if (rd_done(&r) == -1 || *tag >= HAVE_LISTS || !name_valid(*branch)) {
		free(*branch);
		*branch = NULL;
		return -1;
	}
	return 0;
}

int
wire_bitfield_decode(const uint8_t *p, size_t len, uint8_t *tag,
    uint32_t *n, const uint8_t **bits)
{
	struct rd	r;
	size_t		nbytes;

	rd_init(&r, p, len);
	*tag = rd_u8(&r);
	*n = rd_u32(&r);
	*bits = NULL;
	if (r.err || *tag >= HAVE_LISTS)
		return -1;
	nbytes = ((size_t)*n + 7) / 8;
	if (len - r.off != nbytes)
		return -1;
	if (*n == 0)
		return 0;
	*bits = p + r.off;
	/* The spare bits of the last byte are clear: one encoding. */
	if ((*n & 7) != 0 && ((*bits)[nbytes - 1] >> (*n & 7)) != 0)
		return -1;
	return 0;
}

int
wire_have_decode(const uint8_t *p, size_t len, uint8_t *tag,
    uint32_t *index)
{
	struct rd	r;

	rd_init(&r, p, len);
	*tag = rd_u8(&r);
	*index = rd_u32(&r);
	if (rd_done(&r) == -1 || *tag >= HAVE_LISTS)
		return -1;
	return 0;
}

int
wire_entry_decode(const uint8_t *p, size_t len, struct entry *e)
{
	struct rd	 r;
	const uint8_t	*raw;
	size_t		 rlen;

	memset(e, 0, sizeof *e);
	rd_init(&r, p, len);
	raw = rd_blob(&r, &rlen, NET_MAX_FRAME);
	if (r.err || entry_decode(raw, rlen, e, NULL) == -1)
		return -1;
	e->has_sig = rd_u8(&r) == 1;
	if (e->has_sig)
		rd_bytes(&r, e->sig, SIG_LEN);
	if (rd_done(&r) == -1) {
		entry_free(e);
		return -1;
	}
	return 0;
}

int
wire_chunk_decode(uint8_t type, const uint8_t *p, size_t len,
    uint8_t *hash, const uint8_t **data, size_t *dlen)
{
	struct rd	r;

	*data = NULL;
	*dlen = 0;
	rd_init(&r, p, len);
	rd_bytes(&r, hash, HASH_LEN);
	if (r.err)
		return -1;
	if (type != F_CHUNK)
		return 0;
	*data = rd_blob(&r, dlen, NET_MAX_FRAME);
	return rd_done(&r) == -1 ? 1 : 0;
}

int
ctl_request_parse(struct request *r, const uint8_t *p, size_t len,
    char **cause)
{
	struct rd	rd;
	uint32_t	version;
	size_t		i;

	rd_init(&rd, p, len);
	version = rd_u32(&rd);
	if (!rd.err && version != CTL_VERSION)
		return set_cause(cause, "client speaks control protocol %u, "
		    "isconfd %u: use matching versions", version, CTL_VERSION);
	r->flags = rd_u32(&rd);
	r->cwd = rd_str(&rd, 4096);
	r->author = rd_str(&rd, 255);
	r->argc = rd_u32(&rd);
	/* Each argument takes at least its 4-byte length: a count the
	 * request cannot hold is refused before anything is allocated. */
	if (rd.err || r->argc == 0 || r->argc > 65536 ||
	    r->argc > (rd.len - rd.off) / 4) {
		r->argc = 0;
		return set_cause(cause, "malformed request");
	}
	r->argv = xcalloc(r->argc + 1, sizeof *r->argv);
	for (i = 0; i < r->argc; i++)
		r->argv[i] = rd_str(&rd, CTL_MAX_FRAME);
	if (rd_done(&rd) == -1 || r->cwd[0] != '/')
		return set_cause(cause, "malformed request");
	return 0;
}

void
ctl_request_free(struct request *r)
{
	size_t	i;

	free(r->cwd);
	free(r->author);
	for (i = 0; i < r->argc; i++)
		free(r->argv[i]);
	free(r->argv);
	memset(r, 0, sizeof *r);
}

int
http_arg_u64(const char *v, uint64_t def, uint64_t *out)
{
	char	*end;

	*out = def;
	if (v == NULL)
		return 0;
	/* strtoull takes "-1" (as 2^64-1), "+1" and leading blanks. */
	if (*v < '0' || *v > '9')
		return -1;
	errno = 0;
	*out = strtoull(v, &end, 10);
	return (*end != '\0' || errno == ERANGE) ? -1 : 0;
}

int
http_journal_url(const char *url, char branch[256])
{
	return sscanf(url, "/api/v1/branches/%255[^/]/journal",
	    branch) == 1 && strlen(url) == strlen("/api/v1/branches/") +
	    strlen(branch) + strlen("/journal");
}
