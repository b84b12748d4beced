/*
 * The daemon's side of the network process (net/proxy.c, net/child.c;
 * doc/design.md, "Privilege separation"): whether there is one
 * (IS_NET_PROCESS, "no" keeps net/ in the daemon), and its program,
 * isconfd-net (netmain.c).
 */
#include <string.h>
#include <unistd.h>

#include "isconfd.h"
#include "helper.h"

int
netproc_open(struct isconfd *d, net_dgram_cb dcb, net_frame_cb fcb,
    char **cause)
{
	static int	 prog = -1;
	const char	*v = env_get(&d->conf.env, "IS_NET_PROCESS");

	if (v != NULL && strcmp(v, "no") == 0)
		return net_open(d->base, d->conf.bind, d->conf.port,
		    d->conf.domain, d->conf.hostname, netkeys_check, dcb, fcb,
		    d, &d->net, cause);
	/* Found now, or isconfd does not start: a daemon whose network
	 * process can never start would only retry for ever. */
	if (prog == -1 && (prog = helper_open(HELPER_NET, cause)) == -1)
		return -1;
	net_proxy_program(prog);
	return net_open_proxy(d->base, d->conf.bind, d->conf.port,
	    d->conf.domain, d->conf.hostname, d->conf.home, netkeys_check,
	    dcb, fcb, d, &d->net, cause);
}
