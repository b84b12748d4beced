/*
 * ping: answer with the daemon's pid; the client uses it to learn
 * whether isconfd runs (isconf start, stop).
 */
#include <unistd.h>

#include "isconfd.h"

static void	verb_ping(struct client *);

const struct verb_entry verb_ping_entry = {
	.name = "ping",
	.exec = verb_ping,
};

static void
verb_ping(struct client *c)
{
	client_out(c, "%ld", (long)getpid());
	client_exit(c, 0);
}
