/*
 * The codec of the HTTP child's messages (http_msg.h).  Each is a u32
 * length, then a u8 type, a u32 id and the fields; strings are a u32
 * length and bytes without NUL, each with its own maximum.  A decoder
 * checks every length against what remains and the bounds, refuses
 * trailing bytes, and frees what it allocated on error.
 */
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "http_msg.h"

#define HTTP_MSG_REQ	1
#define HTTP_MSG_REP	2

/* Prefix the message begun at start with its length. */
static void
http_msg_frame(struct buf *b, size_t start)
{
	put_u32(b->data + start, (uint32_t)(b->len - start - 4));
}

void
http_req_encode(const struct http_req *req, struct buf *b)
{
	size_t	start = b->len, i;

	buf_add_u32(b, 0);
	buf_add_u8(b, HTTP_MSG_REQ);
	buf_add_u32(b, req->id);
	buf_add_u8(b, req->head ? 1 : 0);
	for (i = 0; i < 4; i++)
		buf_add_u64(b, req->stats[i]);
	buf_add_str(b, req->path);
	buf_add_u8(b, req->auth != NULL);
	buf_add_str(b, req->auth != NULL ? req->auth : "");
	buf_add_u8(b, (uint8_t)req->nargs);
	for (i = 0; i < req->nargs; i++) {
		buf_add_str(b, req->args[i].key);
		buf_add_u8(b, req->args[i].value != NULL);
		buf_add_str(b, req->args[i].value != NULL ?
		    req->args[i].value : "");
	}
	http_msg_frame(b, start);
}

void
http_rep_encode(const struct http_rep *rep, struct buf *b)
{
	size_t	start = b->len;

	buf_add_u32(b, 0);
	buf_add_u8(b, HTTP_MSG_REP);
	buf_add_u32(b, rep->id);
	buf_add_u32(b, rep->status);
	buf_add_str(b, rep->type);
	buf_add_blob(b, rep->body, rep->len);
	http_msg_frame(b, start);
}

/* An optional string: a u8 flag, then a string that is "" if absent. */
static char *
rd_opt_str(struct rd *r, size_t max)
{
	uint8_t	 present = rd_u8(r);
	char	*s = rd_str(r, max);

	if (present > 1 || (!present && *s != '\0'))
		r->err = 1;
	if (!present || r->err) {
		free(s);
		return NULL;
	}
	return s;
}

int
http_req_decode(const uint8_t *p, size_t len, struct http_req *req,
    char **cause)
{
	struct rd	 r;
	uint8_t		 head;
	size_t		 i, n;

	if (len > HTTP_MSG_MAX_REQ)
		return set_cause(cause, "request of %zu bytes", len);
	rd_init(&r, p, len);
	if (rd_u8(&r) != HTTP_MSG_REQ)
		return set_cause(cause, "not a request");
	req->id = rd_u32(&r);
	if ((head = rd_u8(&r)) > 1)
		r.err = 1;
	req->head = head;
	for (i = 0; i < 4; i++)
		req->stats[i] = rd_u64(&r);
	req->path = rd_str(&r, HTTP_MSG_MAX_PATH);
	req->auth = rd_opt_str(&r, HTTP_MSG_MAX_AUTH);
	if ((n = rd_u8(&r)) > HTTP_MSG_MAX_ARGS)
		r.err = 1;
	for (i = 0; i < n && !r.err; i++) {
		req->args[i].key = rd_str(&r, HTTP_MSG_MAX_KEY);
		req->args[i].value = rd_opt_str(&r, HTTP_MSG_MAX_VALUE);
		req->nargs = i + 1;
	}
	if (rd_done(&r) == -1 || req->path[0] != '/') {
		http_req_free(req);
		return set_cause(cause, "malformed request");
	}
	return 0;
}

int
http_rep_decode(const uint8_t *p, size_t len, struct http_rep *rep,
    char **cause)
{
	struct rd	 r;
	const uint8_t	*body;

	if (len > HTTP_MSG_MAX_REP)
		return set_cause(cause, "reply of %zu bytes", len);
	rd_init(&r, p, len);
	if (rd_u8(&r) != HTTP_MSG_REP)
		return set_cause(cause, "not a reply");
	rep->id = rd_u32(&r);
	rep->status = rd_u32(&r);
	rep->type = rd_str(&r, HTTP_MSG_MAX_TYPE);
	body = rd_blob(&r, &rep->len, HTTP_MSG_MAX_REP);
	if (rd_done(&r) == -1 || rep->status < 100 || rep->status > 599) {
		http_rep_free(rep);
		return set_cause(cause, "malformed reply");
	}
	rep->body = xmalloc(rep->len + 1);
	memcpy(rep->body, body, rep->len);
	return 0;
}

void
http_req_free(struct http_req *req)
{
	size_t	i;

	for (i = 0; i < req->nargs; i++) {
		free(req->args[i].key);
		free(req->args[i].value);
	}
	free(req->path);
	free(req->auth);
	memset(req, 0, sizeof *req);
}

void
http_rep_free(struct http_rep *rep)
{
	free(rep->type);
	free(rep->body);
	memset(rep, 0, sizeof *rep);
}

const char *
http_req_arg(const struct http_req *req, const char *key)
{
	size_t	i;

	for (i = 0; i < req->nargs; i++)
		if (strcmp(req->args[i].key, key) == 0)
			return req->args[i].value;
	return NULL;
}
