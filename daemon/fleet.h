/*
 * The fleet view (issue 26): isconf hosts and /api/v1/hosts filtered,
 * paged and summed up.  The query is decoded by wire_fleet.c (pure:
 * make fuzz runs it, fuzz/fuzz_fleet.c); fleet.c keeps the summary and
 * the page while hosts.c walks the rows, and caches what rows of one
 * branch share (its head, its fork), so that a view of 10,000 hosts
 * reads the journal once per branch, not once per host.
 */
#ifndef FLEET_H
#define FLEET_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

/*
 * A row's one state, the first that holds of: forked (a fork of its
 * branch, or it applied a losing side), failed, held, waiting on a
 * wave, behind, at head; unknown when no receipt of it is held (and
 * for hosts only learned of).  held and wave: issue 25's, never set
 * before waves exist (the hook in hosts.c).
 */
enum fleet_state {
	FLEET_HEAD, FLEET_BEHIND, FLEET_WAVE, FLEET_HELD, FLEET_FORKED,
	FLEET_FAILED, FLEET_UNKNOWN, FLEET_NSTATES
};
extern const char *const fleet_state_names[FLEET_NSTATES];

#define FLEET_LIMIT_DEF		100
#define FLEET_LIMIT_MAX		1000
#define FLEET_OFFSET_MAX	10000000
#define FLEET_GLOB_MAX		255

/* What to show: every field empty or -1 matches every host. */
struct fleet_query {
	char		 branch[256];
	char		 wave[256];
	char		 name[FLEET_GLOB_MAX + 1];	/* a glob: * and ? */
	int		 state;		/* enum fleet_state, or -1 */
	uint64_t	 failed;	/* the entry it failed on, or 0 */
	uint64_t	 offset;
	uint64_t	 limit;		/* rows; 0 the summary only */
	int		 all;		/* no limit (isconf hosts --all) */
	int		 verify;
};

/* wire_fleet.c */
void	fleet_query_init(struct fleet_query *);
/* The query keys, NULL-terminated (HTTP query values, --KEY VALUE). */
extern const char *const fleet_query_keys[];
/* Take value for key: 0, or -1 if it is not a valid one (or the key
 * is not one of fleet_query_keys). */
int	fleet_query_arg(struct fleet_query *, const char *key,
	    const char *value);
/* 1 if s matches pattern (* any bytes, ? one), in O(len(p) len(s)). */
int	fleet_glob(const char *pattern, const char *s);

/* A row as the view needs it: branch NULL for a host only learned of,
 * wave "" outside one. */
struct fleet_row {
	const char		*host;
	const char		*branch;
	const char		*wave;
	enum fleet_state	 state;
	uint64_t		 failed_seq;
};

/* fleet.c */
struct fleet_view;
struct isconfd;
struct fleet_view *fleet_view_new(const struct fleet_query *);
void	fleet_view_free(struct fleet_view *);
/* Count the row in the summary if it matches; 1 if it is to be shown
 * (it matches and falls on the page), else 0. */
int	fleet_view_take(struct fleet_view *, const struct fleet_row *);
/* Rows shown so far (a JSON row after the first needs a comma). */
size_t	fleet_view_shown(const struct fleet_view *);
/* The summary (and the page's bounds), as JSON members before the
 * closing brace, or as text. */
void	fleet_view_summary(const struct fleet_view *, struct buf *, int json);
/* The end of the table: how to see more, if there is more. */
void	fleet_view_more(const struct fleet_view *, struct buf *);

/* What the rows of one branch share, read once per view. */
struct fleet_branch {
	uint64_t	 head;
	uint64_t	 fork_seq;	/* a fork of it known here, or 0 */
	char		 fork_ours[16], fork_theirs[16];
};
int	fleet_branch_get(struct isconfd *, struct fleet_view *,
	    const char *branch, const struct fleet_branch **, char **cause);
/* Whether a host of branch that applied seq with id applied a losing
 * side (resolve.c, diverged_peer), remembered per (branch, seq, id):
 * 0 or -1; *from 0 if not, else *copy (not to be freed) names where
 * that side is kept. */
int	fleet_diverged(struct isconfd *, struct fleet_view *,
	    const char *branch, uint64_t applied, const uint8_t id[32],
	    uint64_t *from, const char **copy, char **cause);

#endif
