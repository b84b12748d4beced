/*
 * libmicrohttpd is loaded with dlopen when the first HTTP connection
 * arrives, not linked: Debian builds it with GnuTLS, whose start-up
 * (GnuTLS, p11-kit, nettle, gmp, their relocations and allocations)
 * cost every daemon 0.8 MiB of RSS, 0.4 MiB of it private, before
 * anyone asked for a page; 2.7 MiB run in the foreground (make bench,
 * doc/design.md).  Most hosts of a fleet are never asked.  systemd loads its optional libraries
 * the same way.  Once loaded it stays: unloading a library that
 * initialised GnuTLS is not safe.
 */
#include <dlfcn.h>
#include <stddef.h>
#include <string.h>

#include "isconfd.h"
#include "http_lib.h"

static const char *sonames[] = { "libmicrohttpd.so.12", "libmicrohttpd.so" };

static const struct {
	const char	*name;
	size_t		 off;
} calls[] = {
#define CALL(f, m) { #f, offsetof(struct mhd_lib, m) }
	CALL(MHD_start_daemon, start_daemon),
	CALL(MHD_stop_daemon, stop_daemon),
	CALL(MHD_add_connection, add_connection),
	CALL(MHD_run, run),
	CALL(MHD_get_timeout, get_timeout),
	CALL(MHD_get_daemon_info, get_daemon_info),
	CALL(MHD_create_response_from_buffer, response_from_buffer),
	CALL(MHD_add_response_header, add_response_header),
	CALL(MHD_queue_response, queue_response),
	CALL(MHD_destroy_response, destroy_response),
	CALL(MHD_lookup_connection_value, lookup_value),
	CALL(MHD_get_connection_info, get_connection_info),
	CALL(MHD_get_connection_values, connection_values),
#undef CALL
};

int
mhd_lib_load(struct mhd_lib *lib, char **cause)
{
	void	*h = NULL, *f;
	size_t	 i;

	for (i = 0; h == NULL && i < sizeof sonames / sizeof sonames[0]; i++)
		h = dlopen(sonames[i], RTLD_NOW | RTLD_LOCAL);
	if (h == NULL)
		return set_cause(cause, "cannot load libmicrohttpd: %s",
		    dlerror());
	for (i = 0; i < sizeof calls / sizeof calls[0]; i++) {
		if ((f = dlsym(h, calls[i].name)) == NULL)
			return set_cause(cause, "libmicrohttpd has no %s",
			    calls[i].name);
		/* POSIX guarantees data and function pointers convert. */
		memcpy((char *)lib + calls[i].off, &f, sizeof f);
	}
	return 0;
}
