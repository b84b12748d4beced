/*
 * bundle: a branch's whole journal and the chunks it needs in one file,
 * for hosts the mesh cannot reach.  bundle create (bundle_create.c)
 * writes one, bundle apply (bundle_apply.c) checks and stores one;
 * bundle_io.c reads and writes the stream.
 */
#include <string.h>

#include "isconfd.h"

static void	verb_bundle(struct client *);

const struct verb_entry verb_bundle_entry = {
	.name = "bundle",
	.exec = verb_bundle,
};

static void
verb_bundle(struct client *c)
{
	if (strcmp(c->req.argv[1], "create") == 0)
		bundle_create(c);
	else if (strcmp(c->req.argv[1], "apply") == 0 && c->req.argc == 3) {
		if (client_claim(c) == 0)
			bundle_apply(c);
	} else {
		client_err(c, "usage: isconf bundle create FILE [BRANCH] | "
		    "bundle apply FILE");
		client_exit(c, EXIT_USAGE);
	}
}
