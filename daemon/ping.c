/*
 * ping: answer with the daemon's pid; the client uses it to learn
 * whether isconfd runs (isconf start, stop).
 */
#include <unistd.h>

#include "isconfd.h"

void
verb_ping(struct client *c)
{
	client_out(c, "%ld", (long)getpid());
	client_exit(c, 0);
}
