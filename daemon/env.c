/*
 * env: the configuration this daemon runs with (the main.cf it read and
 * every variable an exec sees), as export lines for shell scripts or
 * JSON (conf_export).
 */
#include "isconfd.h"

static void	verb_env(struct client *);

const struct verb_entry verb_env_entry = {
	.name = "env",
	.exec = verb_env,
};

static void
verb_env(struct client *c)
{
	struct buf	b;

	buf_init(&b);
	conf_export(&c->d->conf, &b, c->req.flags & CTL_F_JSON, "isconfd");
	client_buf(c, &b);
	client_exit(c, 0);
}
