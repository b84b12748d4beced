/*
 * What fork and migrate share: checking a branch name from the client,
 * and moving this host (its history and its branch file) to a branch.
 */
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
