/*
 * The verbs, one spec each: what the client checks before it sends a
 * request and the daemon before it runs one (lib/proto.h).  A new verb
 * gets a line here and a daemon/VERB.c that binds its handler to it.
 */
#include <string.h>

#include "proto.h"

const struct verb_spec verb_specs[] = {
	{ "branches", 0,  0, 0,			"branches" },
	{ "bundle",  2,  3, VERB_CHANGES,
	    "bundle create FILE [BRANCH] | bundle apply FILE" },
	{ "cache",   0,  1, 0,			"cache [prune]" },
	{ "ci",      0,  2, VERB_CHANGES,	"ci [--test BASE]" },
	{ "env",     0,  0, 0,			"env" },
	{ "exec",    1, -1, VERB_CHANGES,	"exec COMMAND [ARGS...]" },
	{ "fork",    1,  1, VERB_CHANGES,	"fork NEWBRANCH" },
	{ "hold",    0, -1, 0,			"hold [MESSAGE...]" },
	{ "hosts",   0, 20, 0,
	    "hosts [--summary] [--all] [--verify] [--FILTER VALUE...] | hosts --unpin HOST" },
	{ "image",   2, -1, 0,
	    "image build DIR [--base BASE] [--branch B] [--at SEQ] [--net] "
	    "[--tar FILE] [--with-keys]" },
	{ "key",     0,  0, 0,			"key" },
	{ "lock",    0, -1, VERB_CHANGES,	"lock [--skip SEQ] MESSAGE..." },
	{ "log",     0, -1, 0,
	    "log [--applied | --wip] [--last N] [--since SEQ] [BRANCH]" },
	{ "migrate", 1,  1, VERB_CHANGES,	"migrate BRANCH" },
	{ "ping",    0,  0, VERB_INTERNAL,	"ping" },
	{ "reboot",  0,  0, VERB_CHANGES,	"reboot" },
	{ "release", 0,  0, 0,			"release" },
	{ "report",  0,  0, 0,			"report" },
	{ "resolve", 2,  2, VERB_CHANGES,	"resolve BRANCH HEAD" },
	{ "skip",    1, -1, VERB_CHANGES,	"skip SEQ [MESSAGE...]" },
	{ "snap",    1,  2, VERB_CHANGES,	"snap [-R] PATH" },
	{ "status",  0,  0, 0,			"status" },
	{ "stop",    0,  0, VERB_INTERNAL,	"stop" },
	{ "unlock",  0,  0, VERB_CHANGES,	"unlock" },
	{ "up",      0,  1, VERB_CHANGES,	"up [-n | --adopt | --no-waves]" },
	{ "verify",  0,  0, 0,			"verify" },
	{ NULL,      0,  0, 0,			NULL },
};

const struct verb_spec *
verb_find(const char *name)
{
	const struct verb_spec	*v;

	for (v = verb_specs; v->name != NULL; v++)
		if (strcmp(v->name, name) == 0)
			return v;
	return NULL;
}

int
verb_args_ok(const struct verb_spec *v, int nargs)
{
	return nargs >= v->min && (v->max < 0 || nargs <= v->max);
}
