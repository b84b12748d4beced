/*
 * The nets file: host or broadcast addresses, one a line (IPv4 or IPv6
 * literal), # comments and blank lines ignored.  A bad line is an error
 * naming file and line, never a crash.
 */
#include <arpa/inet.h>

#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "conf.h"

void
nets_free(struct nets *n)
{
	size_t	i;

	for (i = 0; i < n->n; i++)
		free(n->addrs[i]);
	free(n->addrs);
	memset(n, 0, sizeof *n);
}

int
nets_parse(const char *path, const char *text, struct nets *n, char **cause)
{
	char		*copy, *line, *next, *addr, *p;
	unsigned char	 tmp[16];
	int		 lineno = 0, rv = -1;

	memset(n, 0, sizeof *n);
	copy = xstrdup(text);
	for (line = copy; line != NULL; line = next) {
		lineno++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if ((p = strchr(line, '#')) != NULL)
			*p = '\0';
		addr = str_trim(line);
		if (*addr == '\0')
			continue;
		if (inet_pton(AF_INET, addr, tmp) != 1 &&
		    inet_pton(AF_INET6, addr, tmp) != 1) {
			set_cause(cause, "%s:%d: not an IP address: %.64s",
			    path, lineno, addr);
			goto out;
		}
		n->addrs = xreallocarray(n->addrs, n->n + 1, sizeof *n->addrs);
		n->addrs[n->n++] = xstrdup(addr);
	}
	rv = 0;
out:
	free(copy);
	if (rv == -1)
		nets_free(n);
	return rv;
}

int
nets_load(const char *path, struct nets *n, char **cause)
{
	char	*text;
	int	 rv;

	memset(n, 0, sizeof *n);
	if ((rv = file_read_text(path, 1 << 20, &text, cause)) == 1)
		return 0;
	if (rv == -1)
		return -1;
	rv = nets_parse(path, text, n, cause);
	free(text);
	return rv;
}
