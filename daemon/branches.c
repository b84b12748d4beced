/*
 * branches: the branches this host's journal holds, one a line (or
 * --json), without fork copies and resolve decisions, which no verb
 * takes by name; bash completion (dist/isconf.bash) reads it.
 */
#include <stdlib.h>
#include <string.h>

#include "isconfd.h"

static void	verb_branches(struct client *);

const struct verb_entry verb_branches_entry = {
	.name = "branches",
	.exec = verb_branches,
};

/* 1 if name is a branch of its own, 0 if a fork copy or a decision,
 * -1 on error. */
static int
branch_own(struct isconfd *d, const char *name, char **cause)
{
	char	*origin;
	int	 own;

	if (strstr(name, ".resolve-") != NULL)
		return 0;
	if (branch_origin(d, name, &origin, cause) == -1)
		return -1;
	own = strcmp(origin, name) == 0;
	free(origin);
	return own;
}

static int
branches_build(struct isconfd *d, struct buf *b, int json, char **cause)
{
	char	**names;
	size_t	  n, i, listed = 0;
	int	  r = 0;

	if (journal_branches(d->journal, &names, &n, cause) == -1)
		return -1;
	if (json)
		buf_printf(b, "{\"branches\":[");
	for (i = 0; i < n; i++) {
		if (r != -1 && (r = branch_own(d, names[i], cause)) == 1) {
			if (json) {
				buf_printf(b, "%s", listed > 0 ? "," : "");
				buf_add_json(b, names[i]);
			} else
				buf_printf(b, "%s\n", names[i]);
			listed++;
		}
		free(names[i]);
	}
	free(names);
	if (r == -1)
		return -1;
	if (json)
		buf_printf(b, "]}");
	else if (b->len > 0)
		b->len--;	/* the last newline */
	return 0;
}

static void
verb_branches(struct client *c)
{
	client_reply(c, branches_build);
}
