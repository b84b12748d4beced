/*
 * The daemon's side of statements (stmt.h): this host's own, signed
 * when asked for and only when what they say changed; the latest of
 * each other host's, verified, pinned to its key (pins.c) and kept in
 * the journal's state so that a restart does not let an older one back.
 */
#ifndef STMTD_H
#define STMTD_H

#include "stmt.h"

struct isconfd;
struct peer;
struct net_dgram;
struct sockaddr_in;

/* What became of statements (isconf_statements_total). */
enum stmt_count {
	STMT_C_SIGNED, STMT_C_VERIFIED, STMT_C_ACCEPTED, STMT_C_MALFORMED,
	STMT_C_BAD_SIG, STMT_C_UNTRUSTED, STMT_C_KEY_REFUSED, STMT_C_STALE,
	STMT_C_IGNORED_KIND, STMT_C_UNKNOWN_ISSUER,
	STMT_C_WRONG_ISSUER,	/* a lock statement not of the host it is about */
	STMT_C_FULL,		/* no room kept for a newcomer's statement */
	STMT_NCOUNTS
};

/* One issuer as this host knows it (stmtd.c, pins.c). */
struct stmt_host {
	struct stmt_host	*next;
	char			*issuer;
	int			 pinned;
	uint8_t			 pin[STMT_PK_LEN];
	uint64_t		 refused;	/* statements of another key */
	uint8_t			 refused_pk[STMT_PK_LEN];
	uint8_t			*raw;		/* its latest receipt, or NULL */
	struct stmt		 st;		/* raw, decoded */
	struct stmt_receipt	 rc;
	int64_t			 want_ns;	/* last asked for it */
	int			 ask;		/* ask after its next hello */
};

/* Start: this daemon's epoch, above every earlier one's: 0 or -1. */
int	 stmtd_open(struct isconfd *, char **cause);
void	 stmtd_close(struct isconfd *);
/* MSG_STMT and MSG_STMT_WANT datagrams. */
void	 stmtd_dgram(struct isconfd *, const struct net_dgram *);
/* A peer's hello was taken in: ask it for its receipt when the hello
 * says something the receipt held here does not. */
void	 stmtd_hello(struct isconfd *, const struct peer *);
/* A new session of host answered our challenge (it restarted, perhaps
 * with another key): ask it for its receipt after its next hello. */
void	 stmtd_fresh(struct isconfd *, const char *host);
/* The issuer (loaded from the journal's state on first use): 0, or -1
 * and cause. */
int	 stmtd_host(struct isconfd *, const char *issuer,
	    struct stmt_host **, char **cause);
/* This host's current receipt, signed anew if what it says changed:
 * 0 and *st pointing at it, or -1. */
int	 stmtd_own(struct isconfd *, const struct stmt **, char **cause);
/* After an up: send our receipt to every peer if what it says of a
 * wait (waiting, held, why) changed; 1 if it was sent. */
int	 stmtd_announce(struct isconfd *);
/* Whether a held statement verifies now (signature, trust, pin): 1, or
 * 0 with why. */
int	 stmtd_check(struct isconfd *, const struct stmt_host *,
	    const struct stmt *, const char **why);
/* Ask the host at to for h's receipt newer than the one held: 1, or 0
 * if asked less than a second ago. */
int	 stmtd_want(struct isconfd *, struct stmt_host *h,
	    const struct sockaddr_in *to);
/* Forget issuer's pinned key and its statements: 1, 0 if none was
 * pinned, -1. */
int	 stmtd_unpin(struct isconfd *, const char *issuer, char **cause);
/* Sign a statement of this host (the next seq of its epoch) into out. */
void	 stmtd_sign(struct isconfd *, uint8_t kind, const void *body,
	    size_t blen, struct buf *out);
/* Count (and log, at most once per 10 s) what became of a statement. */
void	 stmtd_drop(struct isconfd *, enum stmt_count, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
void	 stmtd_accepted(struct isconfd *);
void	 stmtd_verified(struct isconfd *);

/* lockstmt.c: the lock protocol's statements (lockd.c). */
struct wire_lockstmt;
struct jlock;
/* Sign this host's lock statement of kind into out (message cut). */
void	 lockstmt_sign(struct isconfd *, uint8_t kind,
	    const struct stmt_lock *, struct buf *out);
/* A lock statement received from host from, about host about (NULL:
 * its issuer): 1 if it is to be believed (issuer, not older than the
 * issuer's last, signature, trust, pin), else 0, counted and logged. */
int	 lockstmt_check(struct isconfd *, const struct wire_lockstmt *,
	    const char *about, const char *from);
/* holder's lock, held under (e, q), was cleared here: older statements
 * of holder are stale from now on. */
void	 lockstmt_cleared(struct isconfd *, const char *holder, uint64_t e,
	    uint64_t q);
/* branch's held (kind STMT_LOCK_HELD) or last release statement, as
 * kept here: 1 with raw and w (into raw; freed by the caller), 0 (none,
 * or damaged), -1 and cause (the state cannot be read: not "none"). */
int	 lockstmt_get(struct isconfd *, const char *branch, uint8_t kind,
	    struct buf *raw, struct wire_lockstmt *w, char **cause);
/* Keep it (raw NULL: forget it). */
void	 lockstmt_put(struct isconfd *, const char *branch, uint8_t kind,
	    const uint8_t *raw, size_t len);
/* The held statement of lock l on branch: 1 with raw and its (e, q);
 * 0 (raw empty, e = q = 0) if none is kept for that lock; -1 and cause
 * if it cannot be read. */
int	 lockstmt_held(struct isconfd *, const char *branch,
	    const struct jlock *l, struct buf *raw, uint64_t *e, uint64_t *q,
	    char **cause);
/* The lock floor table's figures, in Prometheus text. */
void	 lockstmt_metrics(struct isconfd *, struct buf *);
void	 lockstmt_free(struct isconfd *);
/* The counters, in Prometheus text. */
void	 stmtd_metrics(struct isconfd *, struct buf *);
uint64_t stmtd_count(struct isconfd *, enum stmt_count);

#ifdef ISCONF_CRASH_HOOKS
int	 stmtd_inject(struct isconfd *, uint8_t *raw, size_t len,
	    char **cause);
#endif

/* pins.c: binding names to keys. */
/* 1 if no trusted_keys file, 0 if pk is listed, -1 if not (or the file
 * is broken: then no one is). */
int	 pins_trust(struct isconfd *, const uint8_t *pk);
/* Load issuer's pin from the journal's state into h: 0 or -1. */
int	 pins_load(struct isconfd *, struct stmt_host *, char **cause);
/* May pk speak for h's issuer?  With pin, pins it if nothing is pinned;
 * with trusted_keys, moves a pin off a key no longer trusted (the
 * operator re-keyed the host there).  Without pin, nothing is stored (a
 * name that is no peer's: a key holder could make up any number).  0
 * yes; -1 no, with the count that says why (STMT_C_UNTRUSTED or
 * STMT_C_KEY_REFUSED). */
int	 pins_check(struct isconfd *, struct stmt_host *, const uint8_t *pk,
	    int pin, enum stmt_count *why);
/* Forget h's pin: 0 or -1. */
int	 pins_forget(struct isconfd *, struct stmt_host *, char **cause);

#endif
