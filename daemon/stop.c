/*
 * stop: answer, then stop the daemon (isconf stop waits until it has
 * let go of its pid file).
 */
#include <unistd.h>

#include "isconfd.h"

void
verb_stop(struct client *c)
{
	client_info(c, "isconfd (pid %ld) stopping", (long)getpid());
	client_exit(c, 0);
	isconfd_stop(c->d);
}
