/*
 * The messages between isconfd and its network process (net/proxy.c is
 * the parent's end, net/child.c the child's): a stream socketpair
 * carrying, each way,
 *
 *	u32 length of the body, u8 type, u32 connection id, body
 *
 * Each type's body is a fixed sequence of fields (msg.c's table):
 * A an IPv4 address and port (6 bytes), t a u8, a and b u64s, s and S
 * strings (u8 length, no NUL byte), d the rest (bytes).  A decoder
 * checks the type, the length of every field and of the rest against
 * the type's limit, and nothing is trusted beyond what it checked: the
 * parent treats the child as hostile (doc/design.md, "Privilege
 * separation").
 */
#ifndef NET_MSG_H
#define NET_MSG_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "net.h"

#define NMSG_HDR	9

enum nmsg_type {
	/* Parent to child. */
	NMSG_P_INIT = 1,	/* t broadcast, a generation, b port, s domain,
				   S host, d IS_HOME */
	NMSG_P_KEYS,		/* t any, d keys (each NUL-terminated) */
	NMSG_P_SEND,		/* A to, t type, d body */
	NMSG_P_CONNECT,		/* id: A to */
	NMSG_P_CSEND,		/* id: t type, d payload */
	NMSG_P_FINISH,		/* id */
	NMSG_P_ABORT,		/* id */
	NMSG_P_DRAIN,		/* id: t on, a low */
	NMSG_P_SIGNED,		/* id: d public key and signature */
	NMSG_P_TEST,		/* t what, s path (test builds) */
	NMSG_P_BCAST,		/* t on */
	/* Child to parent. */
	NMSG_C_DGRAM = 32,	/* A from, t type, a sent_ms, s host, d body */
	NMSG_C_FRESH,		/* A from, s host */
	NMSG_C_ACCEPT,		/* id: A peer */
	NMSG_C_FRAME,		/* id: t type, d payload */
	NMSG_C_CLOSED,		/* id: t has error, s error */
	NMSG_C_WRITTEN,		/* id: a payload bytes done, b bytes queued */
	NMSG_C_SIGN,		/* id: d what to sign (NMSG_AUTH_LEN) */
	NMSG_C_IDENT,		/* id: d public key, signature, signed */
	NMSG_C_STATS,		/* d struct net_stats */
	NMSG_C_READY,		/* listening, sandboxed */
};

/* What a host signs in a stream's handshake (tcp.c, auth_message). */
#define NMSG_AUTH_CONTEXT	"isconf-tcp-id-v1"
#define NMSG_AUTH_LEN		(16 + 2 * 32)
#define NMSG_IDENT_LEN		(32 + 64 + NMSG_AUTH_LEN)
#define NMSG_KEYS_MAX		65536
/* The socketpair's buffers each way (SO_SNDBUF, SO_RCVBUF): a chunk's
 * message goes in one write. */
#define NMSG_SOCKBUF		(2 << 20)
/* The longest body: a frame and its type. */
#define NMSG_MAX_BODY		(NET_MAX_FRAME + 64)

struct nmsg {
	uint8_t			 type;
	uint32_t		 id;
	struct sockaddr_in	 addr;
	uint8_t			 t;
	uint64_t		 a;
	uint64_t		 b;
	char			 s[256];
	char			 s2[256];
	const uint8_t		*data;
	size_t			 len;
};

/* A message's header from have bytes at p: 1 more needed, -1 invalid
 * (unknown type, body too long), 0 and the body's length. */
int	nmsg_hdr(const uint8_t *, size_t have, uint8_t *type, uint32_t *id,
	    size_t *len);
/* A whole message (header and body, len bytes); data points into p.
 * 0 or -1 (any field out of bounds or the wrong length). */
int	nmsg_decode(const uint8_t *, size_t, struct nmsg *);
/* Append m's header and fields (as its type says) to b. */
void	nmsg_encode(struct buf *, const struct nmsg *);
/* The key at *off of a NMSG_P_KEYS body, moving *off past it: 1 and a
 * copy (caller frees), 0 when there are no more, -1 if malformed. */
int	nmsg_key(const struct nmsg *, size_t *off, char **key);

/*
 * One end's reading of the socketpair (msgio.c): the messages read
 * straight into one buffer and decoded in place.
 */
struct nmsg_in {
	uint8_t		*buf;
	size_t		 cap;
	size_t		 start;		/* of the first message not taken */
	size_t		 end;		/* of what was read */
};

struct evbuffer;

/* Read what fd has, up to the end of the message begun: 1 read (or a
 * message is waiting), 0 nothing there (EAGAIN), -1 at end of file
 * (errno 0) or on an error. */
int	nmsg_in_read(struct nmsg_in *, int fd);
/* The next whole message: 1 and m, pointing into in until the next
 * nmsg_in_read; 0 if it is not all there yet; -1 if it is malformed
 * (nmsg_hdr, nmsg_decode). */
int	nmsg_in_next(struct nmsg_in *, struct nmsg *);
void	nmsg_in_free(struct nmsg_in *);
/* Send m: written to fd at once if out is empty (fd -1: never), and
 * what it does not take appended to out (fd's bufferevent's output). */
void	nmsg_write(struct evbuffer *out, int fd, const struct nmsg *);

#endif
