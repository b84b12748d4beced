/*
 * The daemon's side of the network process (net/proxy.c, net/child.c;
 * doc/design.md, "Privilege separation"): whether there is one
 * (IS_NET_PROCESS, "no" keeps net/ in the daemon), and the sandbox the
 * process enters once its sockets are served.
 */
#include <string.h>
#include <unistd.h>

#include "isconfd.h"
#include "privdrop.h"

/* What net/ does once dropped, besides privdrop_base: accept and make
 * connections (libevent asks FIONREAD before a read), set their
 * options, send and receive on them. */
static const char *const netproc_syscalls[] = {
	"socket", "connect", "accept", "accept4", "getsockopt",
	"setsockopt", "getsockname", "getpeername", "shutdown", "ioctl",
	"sendmmsg", "recvmmsg", "epoll_create1", "pipe2", "eventfd2",
	NULL
};

int
netproc_open(struct isconfd *d, net_dgram_cb dcb, net_frame_cb fcb,
    char **cause)
{
	const char	*v = env_get(&d->conf.env, "IS_NET_PROCESS");

	if (v != NULL && strcmp(v, "no") == 0)
		return net_open(d->base, d->conf.bind, d->conf.port,
		    d->conf.domain, d->conf.hostname, netkeys_check, dcb, fcb,
		    d, &d->net, cause);
	return net_open_proxy(d->base, d->conf.bind, d->conf.port,
	    d->conf.domain, d->conf.hostname, d->conf.home, netkeys_check,
	    dcb, fcb, d, &d->net, cause);
}

/* In the network process, before it serves anything it is sent: the
 * user, the empty chroot, no capabilities, no new privileges and the
 * filter (privdrop.c). */
int
netproc_sandbox(const char *home, char **cause)
{
	struct privdrop	pd;

	memset(&pd, 0, sizeof pd);
	pd.title = "network process";
	pd.home = home;
	pd.parent = getppid();
	pd.syscalls = netproc_syscalls;
	return privdrop_apply(&pd, cause);
}
