/*
 * The messages between isconfd and its HTTP child (daemon/http_msg.c):
 * a request as the parent decodes it from a possibly compromised
 * child, and a reply as the child decodes it.  The first byte picks
 * which; the rest is the message without its length prefix.  What
 * decodes must encode back to the same bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "http_msg.h"
#include "fuzz.h"

static void
check_same(const struct buf *b, const uint8_t *p, size_t len)
{
	if (b->len != len + 4 || get_u32(b->data) != len ||
	    memcmp(b->data + 4, p, len) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *p, size_t len)
{
	struct http_req	 req;
	struct http_rep	 rep;
	struct buf	 b;
	char		*cause = NULL;
	size_t		 i;

	if (len < 1)
		return 0;
	buf_init(&b);
	if (p[0] & 1) {
		memset(&rep, 0, sizeof rep);
		if (http_rep_decode(p + 1, len - 1, &rep, &cause) == 0) {
			http_rep_encode(&rep, &b);
			check_same(&b, p + 1, len - 1);
			http_rep_free(&rep);
		}
	} else {
		memset(&req, 0, sizeof req);
		if (http_req_decode(p + 1, len - 1, &req, &cause) == 0) {
			if (req.nargs > HTTP_MSG_MAX_ARGS ||
			    req.path[0] != '/')
				abort();
			for (i = 0; i < req.nargs; i++)
				(void)http_req_arg(&req, req.args[i].key);
			http_req_encode(&req, &b);
			check_same(&b, p + 1, len - 1);
			http_req_free(&req);
		}
	}
	free(cause);
	buf_free(&b);
	return 0;
}
