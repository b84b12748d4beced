/*
 * Decoders of what isconfd receives from outside: gossip and lock
 * datagram bodies, sync frames, control requests, HTTP query values and
 * trusted_keys.  Pure (no daemon state) so that make fuzz runs the very
 * code the daemon does; the callers act on the decoded values.
 */
#ifndef WIRE_H
#define WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "journal.h"
#include "rules.h"
#include "stmt.h"

/* UDP message types (gossip and lock) and TCP frame types (sync). */
enum {
	MSG_HELLO = 1, MSG_CLAIM, MSG_GRANT, MSG_DENY, MSG_LOCKED, MSG_RELEASE,
	/* Host-signed statements (stmt.h): a list of them, and a want. */
	MSG_STMT = 24, MSG_STMT_WANT = 25,
};
enum { MSG_MEMBERS = 16 };	/* wire_members.c */
enum {
	F_GET_ENTRIES = 1, F_ENTRY, F_END, F_GET_CHUNK, F_CHUNK, F_NOCHUNK,
	F_ERROR, F_ORIGIN,
	F_HAVE = 9, F_BITFIELD = 10,	/* holdings (have.c, fetch.c) */
};

#define HELLO_MAX_HEADS		8
#define HELLO_MAX_LOCKS		16
/* Releases a hello carries at most, and the bytes of hello they may
 * fill it to: the hello stays one datagram (NET_MAX_DGRAM). */
#define HELLO_MAX_RELEASES	4
#define HELLO_RELEASES_UPTO	1100

struct peer_head {
	char		*branch;
	uint64_t	 seq;
	uint8_t		 id[HASH_LEN];
};

/* A lock as a DENY describes it. */
struct wire_lock {
	char		*branch;	/* unused */
	char		*host;
	char		*author;
	char		*message;
	int64_t		 time;
};

/*
 * CLAIM, LOCKED and RELEASE, and the locks and releases a hello lists:
 * a blob holding one host-signed lock statement of the kind given
 * (stmt.h), decoded, its body too; not verified (lockstmt.c does).  st
 * points into the input.  -1 and nothing to free if malformed.
 */
struct wire_lockstmt {
	struct stmt	 st;
	struct stmt_lock l;
};
int	wire_lockstmt_read(struct rd *, uint8_t kind, struct wire_lockstmt *);
/* The statement alone, not in a blob. */
int	wire_lockstmt_raw(uint8_t kind, const uint8_t *, size_t,
	    struct wire_lockstmt *);
int	wire_lockstmt_decode(uint8_t kind, const uint8_t *, size_t,
	    struct wire_lockstmt *);
void	wire_lockstmt_free(struct wire_lockstmt *);

/*
 * MSG_HELLO: -1 unless the whole body is well formed with a valid
 * branch name (what was read is set and must be freed all the same);
 * nolocks when the sender holds none.
 */
struct wire_hello {
	char			*branch;
	uint64_t		 applied;
	uint8_t			 applied_id[HASH_LEN];	/* zeros: none */
	uint64_t		 failed_seq;
	uint32_t		 failed_status;
	uint32_t		 skipped;	/* entries it skipped */
	struct peer_head	*heads;
	size_t			 nheads;
	int			 nolocks;
	struct wire_lockstmt	*locks;		/* held statements */
	size_t			 nlocks;
	struct wire_lockstmt	*releases;	/* release statements */
	size_t			 nreleases;
};
int	wire_hello_decode(const uint8_t *, size_t, struct wire_hello *);
void	wire_hello_free(struct wire_hello *);

/* MSG_GRANT and MSG_DENY (type): the claim answered, and for a DENY
 * who holds the lock or why not.  A DENY with both a holder and a
 * reason is busy: strict mode, the peer granted the rival claim it
 * names, and may grant this one when asked again (rules.h). */
struct wire_answer {
	char		*branch;
	uint64_t	 clock;
	char		*claimant;
	struct wire_lock holder;
	char		*reason;
	int		 busy;
};
int	wire_answer_decode(uint8_t type, const uint8_t *, size_t,
	    struct wire_answer *);
void	wire_answer_free(struct wire_answer *);

void	wire_lock_free(struct wire_lock *);

/*
 * MSG_MEMBERS (wire_members.c): u8 n (at most MEMBERS_PER_DGRAM), n x
 * (u8 length, host name, 4-byte IPv4 address, u16 port, u32 age in
 * seconds).  Decoding fails (-1) unless every record has a valid host
 * name and a unicast address and port, and nothing is left over; n is
 * set to the records decoded.  An empty one is a probe (members.c).
 */
struct wire_member {
	char		 host[256];
	uint32_t	 addr;		/* network order */
	uint16_t	 port;		/* network order */
	uint32_t	 age_s;
};
int	wire_members_decode(const uint8_t *, size_t, struct wire_member *,
	    size_t *n);
/* The bytes a record of host takes. */
size_t	wire_member_size(const char *host);
void	wire_members_encode(struct buf *, const struct wire_member *,
	    size_t n);

/* Sync requests: F_GET_ENTRIES (branch, which the caller frees, and
 * after; -1 and no branch) and F_GET_CHUNK (hash). */
int	wire_get_entries_decode(const uint8_t *, size_t, char **branch,
	    uint64_t *after);
int	wire_get_chunk_decode(const uint8_t *, size_t, uint8_t *hash);
/* F_ORIGIN: the branch a fork copy's signatures were made for (the
 * caller frees it); -1 and none. */
int	wire_origin_decode(const uint8_t *, size_t, char **origin);
/* F_END: the server's head when it answered. */
int	wire_end_decode(const uint8_t *, size_t, uint64_t *head);
/* F_ENTRY: an entry and its signature. */
int	wire_entry_decode(const uint8_t *, size_t, struct entry *);
/* F_CHUNK and F_NOCHUNK: -1 without a hash, 1 with a hash but a
 * malformed F_CHUNK body, 0 whole (data, dlen set for F_CHUNK). */
int	wire_chunk_decode(uint8_t type, const uint8_t *, size_t,
	    uint8_t *hash, const uint8_t **data, size_t *dlen);

/*
 * Holdings (doc/protocol.md, "Holdings"): a fetching host asks a peer
 * with a F_BITFIELD request naming a snap entry (tag: the client's
 * number for it, below HAVE_LISTS; branch, seq and the entry's id);
 * the peer answers with a F_BITFIELD (tag, the count n of the snap's
 * chunk list, a bit per chunk, bit i of byte i/8 from the low end;
 * n 0: it does not know that list) and then a F_HAVE (tag, index) for
 * each chunk of it that it stores while the connection is open.
 * Decoding fails (-1) unless the body is exactly that: a tag in range,
 * a valid branch name, the bitfield's length n's bytes and its spare
 * bits clear.  The caller checks n against the count it knows, and an
 * index against n.
 */
#define HAVE_LISTS	4	/* lists per connection */
int	wire_bitfield_req_decode(const uint8_t *, size_t, uint8_t *tag,
	    char **branch, uint64_t *seq, uint8_t *id);
/* bits points into the input (NULL when n is 0). */
int	wire_bitfield_decode(const uint8_t *, size_t, uint8_t *tag,
	    uint32_t *n, const uint8_t **bits);
int	wire_have_decode(const uint8_t *, size_t, uint8_t *tag,
	    uint32_t *index);

/* The control protocol's CTL_REQUEST body. */
struct request {
	uint32_t	 flags;
	char		*cwd;
	char		*author;
	size_t		 argc;
	char		**argv;		/* argv[0] is the verb */
};
int	ctl_request_parse(struct request *, const uint8_t *, size_t,
	    char **cause);
void	ctl_request_free(struct request *);

/* HTTP: a query value as a number (def when absent; -1 if not one), and
 * the branch of a /api/v1/branches/BRANCH/journal URL (0 if not one). */
int	http_arg_u64(const char *, uint64_t def, uint64_t *);
int	http_journal_url(const char *url, char branch[256]);

#endif
