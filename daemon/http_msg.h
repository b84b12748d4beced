/*
 * The messages between isconfd and its HTTP child (http_msg.c), on a
 * stream socketpair, each framed as a u32 length then that many bytes
 * (doc/design.md, "The HTTP child").  The child sends a request and
 * waits for its reply; the parent validates every request again.
 */
#ifndef HTTP_MSG_H
#define HTTP_MSG_H

#include <stddef.h>
#include <stdint.h>

struct buf;

/* The HTTP child's descriptors, as isconfd starts isconfd-http (its
 * program at HTTP_CHILD_PARENT_FD + 1, close-on-exec, for fexecve). */
#define HTTP_CHILD_LISTEN_FD	3
#define HTTP_CHILD_PARENT_FD	4

#define HTTP_MSG_MAX_PATH	1024
#define HTTP_MSG_MAX_AUTH	256
#define HTTP_MSG_MAX_ARGS	32
#define HTTP_MSG_MAX_KEY	64
#define HTTP_MSG_MAX_VALUE	1024
#define HTTP_MSG_MAX_TYPE	64
/* Whole messages, without their length: a request is bounded by the
 * above; a reply's body (a journal page of 10,000 entries) by this. */
#define HTTP_MSG_MAX_REQ	(64 * 1024)
#define HTTP_MSG_MAX_REP	(64 * 1024 * 1024)

struct http_arg {
	char		*key;
	char		*value;		/* NULL: "?key" without '=' */
};

/* A request: the child's connection counters (http_limit_stats) ride
 * along, for /metrics. */
struct http_req {
	uint32_t	 id;
	int		 head;		/* HEAD, else GET */
	uint64_t	 stats[4];
	char		*path;		/* starts with '/' */
	char		*auth;		/* Authorization, or NULL */
	struct http_arg	 args[HTTP_MSG_MAX_ARGS];
	size_t		 nargs;
};

struct http_rep {
	uint32_t	 id;
	unsigned int	 status;	/* 100 to 599 */
	char		*type;		/* Content-Type */
	uint8_t		*body;
	size_t		 len;
};

/* Append the framed message to b (a caller that built it within the
 * bounds above). */
void	http_req_encode(const struct http_req *, struct buf *);
void	http_rep_encode(const struct http_rep *, struct buf *);
/* One message, its length prefix taken off, into a struct the caller
 * zeroed: 0, or -1 and a cause (freeing what it allocated). */
int	http_req_decode(const uint8_t *, size_t, struct http_req *,
	    char **cause);
int	http_rep_decode(const uint8_t *, size_t, struct http_rep *,
	    char **cause);
void	http_req_free(struct http_req *);
void	http_rep_free(struct http_rep *);
/* A query argument's value, as MHD_lookup_connection_value gives it:
 * NULL if it is not there or has no '='. */
const char *http_req_arg(const struct http_req *, const char *key);

#endif
