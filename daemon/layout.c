/*
 * Where the configuration came from and what it leaves open, said at
 * start (log) and in status: a host that reads ISconf 4's conf/ files
 * (conf.c, conf_dir) and a host in an open mesh (domain "default" and
 * no hmac_keys: any host that reaches it can join) would otherwise
 * look like any other.
 */
#include <stdlib.h>
#include <string.h>

#include "isconfd.h"

#define LAYOUT_IS4	"domain, hmac_keys, nets and branch from ISconf 4's %s; " \
			"ISconf 4's journal and cache are another format and " \
			"are not read"
#define LAYOUT_OPEN	"open mesh: domain \"default\" and no hmac_keys " \
			"(%s), so any host that reaches this one can join " \
			"its mesh"

/* The mark keeps the choice once this home has a journal. */
int
layout_mark(struct isconfd *d, char **cause)
{
	static const char	 text[] = "# isconfd reads domain, hmac_keys, "
	    "nets and branch from ISconf 4's conf/ directory.\n"
	    "# Remove this file to read them from this directory.\n";
	char			*path;
	int			 rv;

	if (!d->conf.is4)
		return 0;
	path = path_join(d->conf.home, "conf/" IS4_MARK);
	rv = file_write_atomic(path, text, sizeof text - 1, 0644, cause);
	free(path);
	return rv;
}

static int
layout_open_mesh(struct isconfd *d)
{
	return strcmp(d->conf.domain, "default") == 0 &&
	    d->netkeys.nkeys == 0;
}

void
layout_log(struct isconfd *d)
{
	if (d->conf.is4)
		log_info("conf: " LAYOUT_IS4, d->conf.confdir);
	if (layout_open_mesh(d))
		log_warnx("warning: " LAYOUT_OPEN "; set a domain and keys "
		    "(isconfd(8))", d->conf.hmac_keys);
}

void
layout_status(struct isconfd *d, struct buf *b, int json)
{
	if (json) {
		buf_printf(b, "\"is4_conf\":");
		if (d->conf.is4)
			buf_add_json(b, d->conf.confdir);
		else
			buf_printf(b, "null");
		buf_printf(b, ",\"open_mesh\":%s,", layout_open_mesh(d) ?
		    "true" : "false");
		return;
	}
	if (d->conf.is4)
		buf_printf(b, "conf:     " LAYOUT_IS4 "\n", d->conf.confdir);
	if (layout_open_mesh(d))
		buf_printf(b, "WARNING:  " LAYOUT_OPEN "\n", d->conf.hmac_keys);
}
