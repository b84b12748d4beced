/*
 * What fork, migrate and sync share: checking a branch name from the
 * client, moving this host (its history and its branch file) to a
 * branch, and the origin a fork copy's signatures were made for.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isconfd.h"

int
branch_name_ok(struct client *c, const char *name)
{
	if (name_valid(name))
		return 1;
	client_err(c, "'%s' is not a valid branch name (\\w+[-\\w.]+)", name);
	client_exit(c, EXIT_USAGE);
	return 0;
}

/* Move this host's history and its branch file to `to`. */
int
branch_switch(struct isconfd *d, const char *to, uint64_t applied,
    char **cause)
{
	if (journal_history_copy(d->journal, d->branch, to, applied,
	    cause) == -1)
		return -1;
	return state_set_branch(d, to, cause);
}

/*
 * Fork copies.  The other side of a fork is kept as BRANCH.fork-ID,
 * but its signatures were made for BRANCH (doc/design.md, "Signatures
 * cover the branch"), so the copy records that name, its origin, in
 * the state table ("origin:COPY"), and every check of its signatures,
 * here or on a host that pulls it, starts from the origin.
 */
/* A copy made before copies recorded their origin: the fork record of
 * BRANCH (the name without its last ".fork-ID") names it. */
static int
origin_of_old_copy(struct isconfd *d, const char *copy, char **origin,
    char **cause)
{
	const char	*dot = strstr(copy, ".fork-"), *next;
	char		*parent, *info, fb[256] = "";
	uint64_t	 seq;
	int		 r;

	if (dot == NULL)
		return 0;
	while ((next = strstr(dot + 1, ".fork-")) != NULL)
		dot = next;
	parent = xstrndup(copy, (size_t)(dot - copy));
	if ((r = fork_get(d, parent, &info, &seq, cause)) == 1) {
		sscanf(info, "%*u %*s %*s %255s", fb);
		free(info);
		r = strcmp(fb, copy) == 0;
	}
	if (r == 1)
		*origin = parent;
	else
		free(parent);
	return r;
}

int
branch_origin(struct isconfd *d, const char *branch, char **origin,
    char **cause)
{
	int	r;

	r = state_get_for(d, "origin", branch, origin, cause);
	if (r == 0)
		r = origin_of_old_copy(d, branch, origin, cause);
	if (r == 0)
		*origin = xstrdup(branch);
	return r == -1 ? -1 : 0;
}

int
branch_origin_set(struct isconfd *d, const char *copy, const char *origin,
    char **cause)
{
	return state_set_for(d, "origin", copy, origin, cause);
}

/* A peer may say a branch is a copy only of a branch it names the
 * copy after: COPY is ORIGIN.fork-..., so no branch can be made to
 * verify as another that it is not named after. */
int
branch_copy_of(const char *copy, const char *origin)
{
	size_t	n = strlen(origin);

	return name_valid(origin) && strncmp(copy, origin, n) == 0 &&
	    strncmp(copy + n, ".fork-", 6) == 0;
}
