/*
 * The children's programs (helper.c): isconfd-net (the network process)
 * and isconfd-http (the HTTP child), small binaries of their own
 * (doc/design.md, "Privilege separation").
 */
#ifndef HELPER_H
#define HELPER_H

#define HELPER_NET	"isconfd-net"
#define HELPER_HTTP	"isconfd-http"

/*
 * An O_PATH descriptor (close-on-exec) of the program name: beside the
 * running isconfd (a build directory), else in ISCONF_LIBEXECDIR (where
 * make install and the package put it).  Opened once, at start, and run
 * with fexecve: a child restarted after an upgrade replaced the files
 * still runs the program of the daemon's own version.  -1 and a cause
 * naming both places if it is in neither, or naming the file if the
 * first found is not root's (or the caller's) or is writable by group
 * or others.
 */
int	helper_open(const char *name, char **cause);

#endif
