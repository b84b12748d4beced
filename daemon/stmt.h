/*
 * Host-signed statements (issue 18): what a host says about itself
 * (its applied position, its lock claims, what it holds), signed with
 * its Ed25519 host key so that every other host can check it, whoever
 * relayed it.  The domain's HMAC key only gets a datagram read; it no
 * longer lets its holder speak in another host's name.
 *
 *	u8 version (1), u8 kind, str issuer, 32 issuer's public key,
 *	u64 epoch, u64 seq, blob body, 64 Ed25519 signature
 *
 * The signature covers "isconf stmt 1\0", the domain (str) and every
 * byte before it, so a statement counts in one domain only.  (epoch,
 * seq) orders one issuer's statements: the epoch goes up at each start
 * of its daemon (persisted before anything is signed), seq within it,
 * so an older statement never replaces a newer one, across restarts.
 * Pure (no daemon state): make fuzz runs these very decoders.
 */
#ifndef STMT_H
#define STMT_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

#define STMT_VERSION	1
#define STMT_PK_LEN	32
#define STMT_SIG_LEN	64
#define STMT_BODY_MAX	512
/* A whole statement: the header, the longest issuer, the body, the
 * signature. */
#define STMT_MAX	(2 + 4 + 255 + STMT_PK_LEN + 16 + 4 + STMT_BODY_MAX + \
			    STMT_SIG_LEN)

/* Kinds.  Unknown ones (a newer peer's) are dropped and counted. */
enum stmt_kind {
	STMT_RECEIPT = 1,	/* applied position and last failure */
	STMT_LOCK_CLAIM,	/* lock protocol: a claim */
	STMT_LOCK_HELD,		/* ... the lock as held */
	STMT_LOCK_RELEASE,	/* ... its release */
	STMT_HOLDINGS,		/* a cache keeper's holdings (issue 23) */
	STMT_HOLDS,		/* a branch held or released (issue 25) */
	STMT_NKINDS
};
const char	*stmt_kind_name(unsigned);

/* A decoded statement: issuer allocated, body and raw point into the
 * input it was decoded from. */
struct stmt {
	uint8_t		 kind;
	char		*issuer;
	uint8_t		 pk[STMT_PK_LEN];
	uint64_t	 epoch;
	uint64_t	 seq;
	const uint8_t	*body;
	size_t		 blen;
	uint8_t		 sig[STMT_SIG_LEN];
	const uint8_t	*raw;
	size_t		 rawlen;
};
/* -1 unless the whole of p is one well-formed statement with a valid
 * host name (nothing is left to free then). */
int	 stmt_decode(const uint8_t *, size_t, struct stmt *);
void	 stmt_free(struct stmt *);
/* Sign and append a statement to out. */
void	 stmt_sign(struct buf *out, uint8_t kind, const char *issuer,
	    const uint8_t *pk, const uint8_t *sk, uint64_t epoch,
	    uint64_t seq, const char *domain, const void *body, size_t blen);
/* 0 if the signature is the issuer key's, over this domain; else -1. */
int	 stmt_verify(const struct stmt *, const char *domain);
/* 1 if (epoch, seq) comes after (e2, s2). */
int	 stmt_after(uint64_t epoch, uint64_t seq, uint64_t e2, uint64_t s2);

/* STMT_RECEIPT: the issuer's branch, the last entry it applied, its
 * last up's failure (0 if it did not fail), the entries it skipped,
 * the canary wave it is in ("" if none), and, when its last up waits
 * before a transaction, where (else 0), whether a hold is why, and
 * the reason up gave (STMT_WHY_MAX at most, cut to fit STMT_BODY_MAX;
 * "" if none).  The wait fields trail, encoded only when waiting: a
 * receipt of a host that does not wait reads as before. */
#define STMT_WHY_MAX	160
struct stmt_receipt {
	char		*branch;
	uint64_t	 applied;
	uint8_t		 applied_id[32];
	uint64_t	 failed_seq;
	uint32_t	 failed_status;
	uint32_t	 skipped;
	char		*wave;
	uint64_t	 waiting;
	int		 held;
	char		*why;		/* never NULL once decoded */
};
void	 stmt_receipt_encode(const struct stmt_receipt *, struct buf *);
int	 stmt_receipt_decode(const uint8_t *, size_t, struct stmt_receipt *);
void	 stmt_receipt_free(struct stmt_receipt *);

/*
 * STMT_LOCK_CLAIM (branch, clock, base_seq, author, message, time),
 * STMT_LOCK_HELD (branch, clock, author, message, time) and
 * STMT_LOCK_RELEASE (branch, clock, holder, the (epoch, seq) of the
 * holder's held statement released; 0 for a claim withdrawn): the lock
 * protocol's messages as the claimant, the holder or the host that
 * broke the lock (lockstmt.c) signs them.
 */
#define STMT_LOCK_MSG_MAX	200
struct stmt_lock {
	char		*branch;
	uint64_t	 clock;
	uint64_t	 base_seq;
	char		*author;
	char		*message;
	int64_t		 time;
	char		*holder;	/* release */
	uint64_t	 held_epoch;
	uint64_t	 held_seq;
};
void	 stmt_lock_encode(uint8_t kind, const struct stmt_lock *,
	    struct buf *);
int	 stmt_lock_decode(uint8_t kind, const uint8_t *, size_t,
	    struct stmt_lock *);
void	 stmt_lock_free(struct stmt_lock *);

/*
 * STMT_HOLDS (branch, held, author, message, time in epoch ms): the
 * issuer holds
 * every host's up on branch (held 1) or releases it (held 0); of all
 * issuers' statements for a branch, the one with the latest time
 * decides (holds.c).
 */
struct stmt_hold {
	char		*branch;
	uint8_t		 held;
	char		*author;
	char		*message;
	int64_t		 time;
};
void	 stmt_hold_encode(const struct stmt_hold *, struct buf *);
int	 stmt_hold_decode(const uint8_t *, size_t, struct stmt_hold *);
void	 stmt_hold_free(struct stmt_hold *);

/*
 * STMT_HOLDINGS (branch, seq, id, time in epoch ms): the issuer, a
 * cache keeper, holds every chunk (and chunk list object) of entries
 * 1..seq of branch, whose entry seq has that id (which chains every
 * entry before it), at that time.  One per branch, signed anew as the
 * keeper completes more and every few ticks: it counts only while its
 * time is recent (keepers.c), so a replay cannot keep it alive.  The
 * time trails, absent (0) in an older keeper's, which never counts.
 */
struct stmt_holdings {
	char		*branch;
	uint64_t	 seq;
	uint8_t		 id[32];
	int64_t		 time;
};
void	 stmt_holdings_encode(const struct stmt_holdings *, struct buf *);
int	 stmt_holdings_decode(const uint8_t *, size_t,
	    struct stmt_holdings *);
void	 stmt_holdings_free(struct stmt_holdings *);

/*
 * MSG_STMT: u8 count (1 to STMT_PER_DGRAM), then each statement as a
 * blob.  Decoded into out[STMT_PER_DGRAM]; *n set; -1 if malformed
 * (nothing left to free).
 */
#define STMT_PER_DGRAM	8
int	 stmt_list_decode(const uint8_t *, size_t, struct stmt *out,
	    size_t *n);
/*
 * MSG_STMT_WANT: u8 count (1 to STMT_PER_DGRAM), then (str issuer, u8
 * kind, u64 epoch, u64 seq): "send me issuer's statement of kind if you
 * hold one after (epoch, seq)".
 */
struct stmt_want {
	char		*issuer;
	uint8_t		 kind;
	uint64_t	 epoch;
	uint64_t	 seq;
};
void	 stmt_want_encode(const struct stmt_want *, size_t n, struct buf *);
int	 stmt_want_decode(const uint8_t *, size_t, struct stmt_want *out,
	    size_t *n);
void	 stmt_want_free(struct stmt_want *, size_t n);

#endif
