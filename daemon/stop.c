/*
 * stop: answer, then stop the daemon (isconf stop waits until it has
 * let go of its pid file).
 */
#include <unistd.h>

#include "isconfd.h"

static void	verb_stop(struct client *);

const struct verb_entry verb_stop_entry = {
	.name = "stop",
	.exec = verb_stop,
};

static void
verb_stop(struct client *c)
{
	client_info(c, "isconfd (pid %ld) stopping", (long)getpid());
	client_exit(c, 0);
	isconfd_stop(c->d);
}
