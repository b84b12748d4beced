/*
 * isconfd-net, the network process's program (net/child.c; doc/design.md,
 * "Privilege separation"): net/ and lib/ with libevent, libsodium and
 * libseccomp, nothing else of the daemon's, so that no library it does
 * not use costs it memory.  isconfd starts it (net/proxy.c); run any
 * other way it refuses.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"
#include "net.h"
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

/* Before it serves anything it is sent: the user, the empty chroot, no
 * capabilities, no new privileges and the filter (privdrop.c). */
static int
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

int
main(int argc, char **argv)
{
	(void)argc;
	if (argv[0] == NULL || strcmp(argv[0], NET_CHILD_TITLE) != 0 ||
	    getenv(NET_CHILD_ENV) == NULL) {
		fprintf(stderr, "isconfd-net: the network process of "
		    "isconfd, which starts it\n");
		return 1;
	}
#ifdef ISCONF_CRASH_HOOKS
	/* Test builds: a network process that never gets ready (t2501). */
	if (getenv("ISCONF_TEST_NET_EXIT") != NULL)
		return 3;
#endif
	net_child_main(netproc_sandbox);
}
