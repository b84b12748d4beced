/*
 * The newest statement of each issuer per branch, of one kind (holds.c:
 * STMT_HOLDS, keepers.c: STMT_HOLDINGS): kept in memory and in the
 * journal's state, taken from peers (verified, pinned), passed on, and
 * sent to a peer met anew.  The kind's body codec comes in the ops;
 * each item is the first member of the kind's own struct (ops->size).
 */
#ifndef STMTLIST_H
#define STMTLIST_H

#include <stddef.h>
#include <stdint.h>

#include "stmt.h"

struct isconfd;
struct sockaddr_in;

struct stmtlist_item {
	struct stmtlist_item	*next;
	uint8_t			*raw;
	struct stmt		 st;	/* raw, decoded */
	int64_t			 heard_ms;	/* taken (0: read back) */
};

struct stmtlist_ops {
	const char	*name;		/* in logs */
	const char	*key;		/* in the journal's state */
	const char	*what;		/* "a hold", "holdings": in logs */
	uint8_t		 kind;
	size_t		 size;		/* the kind's struct, item first */
	size_t		 max;		/* statements kept */
	size_t		 fanout;	/* peers news is passed on to; 0: all */
	/* The body (it->st.body) into the kind's struct: 0 or -1. */
	int		(*decode)(struct stmtlist_item *);
	void		(*free)(struct stmtlist_item *);
	const char	*(*branch)(const struct stmtlist_item *);
	/* NULL, or whether it no longer counts: the first a full list
	 * drops for a newcomer. */
	int		(*expired)(struct isconfd *,
			    const struct stmtlist_item *);
};

struct stmtlist {
	const struct stmtlist_ops	*ops;
	struct stmtlist_item		*head;
	int				 loaded;	/* from the state */
	char				*unread;	/* why it could not be */
	uint64_t			 evicted;	/* for newcomers */
	int64_t				 log_next;	/* of an eviction */
};

/* The list, loaded from the journal's state on first use.  If the state
 * cannot be read, what is in memory (tried again at the next use; see
 * stmtlist_unread). */
struct stmtlist_item *stmtlist_head(struct isconfd *, struct stmtlist *);
/* Why the stored list could not be read (NULL: it was): a caller must
 * not take the list in memory for all there is. */
const char *stmtlist_unread(struct isconfd *, struct stmtlist *);
/* A statement (raw, len) of the list's kind: NULL if it does not
 * decode as one. */
struct stmtlist_item *stmtlist_item_new(const struct stmtlist_ops *,
	    const uint8_t *raw, size_t len);
void	 stmtlist_item_free(const struct stmtlist_ops *,
	    struct stmtlist_item *);
/* A statement from a peer (host from): verified, pinned and kept if it
 * is its issuer's newest for the branch, then stored and passed on;
 * the item kept, or NULL (dropped, counted and logged, or not news).
 * A full list takes a newcomer (issuer and branch) only in place of a
 * statement worth less (expired; not a peer's; not a trusted key's:
 * stmtlist.c), never of ours. */
const struct stmtlist_item *stmtlist_take(struct isconfd *,
	    struct stmtlist *, const struct stmt *, const char *from);
/* One of this host's own, signed (raw, len): kept in place of its
 * older one, stored and sent to every peer.  The item kept. */
const struct stmtlist_item *stmtlist_own(struct isconfd *,
	    struct stmtlist *, const uint8_t *raw, size_t len);
/* Every statement kept, to the peer met anew at to. */
void	 stmtlist_greet(struct isconfd *, struct stmtlist *,
	    const struct sockaddr_in *to);
void	 stmtlist_clear(struct stmtlist *);

#endif
