/*
 * Canonical entry encoding and ids.  The encoding is versioned; every
 * host computes the same bytes and so the same id for the same entry.
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "journal.h"

#define ENTRY_VERSION		1
#define ENTRY_MAX_NAME		255
#define ENTRY_MAX_MESSAGE	65536
#define ENTRY_MAX_PAYLOAD	(16u << 20)

static const char *kind_names[] = {
	NULL, "lock", "snap", "exec", "reboot", "ci", "fork", "skip", "resolve"
};
#define KIND_MAX	ENTRY_RESOLVE

const char *
entry_kind_name(enum entry_kind k)
{
	if (k < ENTRY_LOCK || k > KIND_MAX || kind_names[k] == NULL)
		return "?";
	return kind_names[k];
}

int
entry_kind_parse(const char *s)
{
	int	k;

	for (k = ENTRY_LOCK; k <= KIND_MAX; k++)
		if (kind_names[k] != NULL && strcmp(kind_names[k], s) == 0)
			return k;
	return -1;
}

void
entry_encode(const struct entry *e, struct buf *b)
{
	buf_add_u8(b, ENTRY_VERSION);
	buf_add_u8(b, (uint8_t)e->kind);
	buf_add_u64(b, e->seq);
	buf_add(b, e->parent, HASH_LEN);
	buf_add_u64(b, (uint64_t)e->time);
	buf_add_str(b, e->host);
	buf_add_str(b, e->author);
	buf_add_str(b, e->message);
	buf_add_blob(b, e->payload.data, e->payload.len);
}

void
entry_compute_id(struct entry *e)
{
	struct buf	b;

	buf_init(&b);
	entry_encode(e, &b);
	crypto_generichash(e->id, HASH_LEN, b.data, b.len, NULL, 0);
	buf_free(&b);
}

int
entry_decode(const uint8_t *p, size_t len, struct entry *e, char **cause)
{
	struct rd	 r;
	const uint8_t	*payload;
	size_t		 plen;
	uint8_t		 version;

	memset(e, 0, sizeof *e);
	rd_init(&r, p, len);
	version = rd_u8(&r);
	e->kind = rd_u8(&r);
	e->seq = rd_u64(&r);
	rd_bytes(&r, e->parent, HASH_LEN);
	e->time = (int64_t)rd_u64(&r);
	e->host = rd_str(&r, ENTRY_MAX_NAME);
	e->author = rd_str(&r, ENTRY_MAX_NAME);
	e->message = rd_str(&r, ENTRY_MAX_MESSAGE);
	payload = rd_blob(&r, &plen, ENTRY_MAX_PAYLOAD);
	if (rd_done(&r) == -1 || version != ENTRY_VERSION ||
	    e->kind < ENTRY_LOCK || e->kind > KIND_MAX ||
	    kind_names[e->kind] == NULL) {
		entry_free(e);
		return set_cause(cause, "malformed journal entry");
	}
	buf_add(&e->payload, payload, plen);
	if (!entry_payload_valid(e)) {
		entry_free(e);
		return set_cause(cause, "malformed %s entry payload",
		    entry_kind_name(e->kind));
	}
	crypto_generichash(e->id, HASH_LEN, p, len, NULL, 0);
	return 0;
}

void
entry_free(struct entry *e)
{
	free(e->host);
	free(e->author);
	free(e->message);
	buf_free(&e->payload);
	memset(e, 0, sizeof *e);
}

void
entry_copy(struct entry *dst, const struct entry *src)
{
	*dst = *src;
	dst->host = xstrdup(src->host ? src->host : "");
	dst->author = xstrdup(src->author ? src->author : "");
	dst->message = xstrdup(src->message ? src->message : "");
	buf_init(&dst->payload);
	buf_add(&dst->payload, src->payload.data, src->payload.len);
}

void
entry_sig_message(const struct entry *e, const char *branch,
    uint8_t out[SIG_MSG_LEN])
{
	memcpy(out, SIG_CONTEXT, 16);
	memcpy(out + 16, e->id, HASH_LEN);
	crypto_generichash(out + 16 + HASH_LEN, HASH_LEN,
	    (const uint8_t *)branch, strlen(branch), NULL, 0);
}
