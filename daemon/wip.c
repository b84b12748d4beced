/*
 * The open transaction: the entries this host journaled since its lock
 * and has not checked in (issue 20).  `log --wip` lists them as log
 * does, and status with the lock; each numbered as ci would number it
 * on the current head (a sync before ci may move the head on).
 */
#include <stdlib.h>
#include <string.h>

#include "isconfd.h"

int
wip_load(struct isconfd *d, struct entry **es, size_t *n, char **cause)
{
	struct jhead	h;
	size_t		i;

	*es = NULL;
	*n = 0;
	if (journal_head(d->journal, d->branch, &h, cause) == -1 ||
	    journal_wip_list(d->journal, d->branch, es, n, cause) == -1)
		return -1;
	for (i = 0; i < *n; i++)
		(*es)[i].seq = h.seq + 1 + i;
	return 0;
}

/* status: "wip:" and an indented line per entry (none: no line), or
 * "wip":[...], */
int
wip_status(struct isconfd *d, struct buf *b, int json, char **cause)
{
	struct entry	*es;
	size_t		 n, i;
	char		*detail;

	if (wip_load(d, &es, &n, cause) == -1)
		return -1;
	if (json)
		buf_printf(b, "\"wip\":[");
	else if (n > 0)
		buf_printf(b, "wip:      %zu %s not checked in (isconf ci "
		    "checks them in, isconf unlock drops them; isconf log "
		    "--wip)\n", n, n == 1 ? "entry" : "entries");
	for (i = 0; i < n; i++) {
		detail = entry_detail(&es[i]);
		if (json) {
			buf_printf(b, "%s{\"seq\":%llu,\"kind\":\"%s\","
			    "\"detail\":", i ? "," : "",
			    (unsigned long long)es[i].seq,
			    entry_kind_name(es[i].kind));
			buf_add_json(b, detail);
			json_argv(b, &es[i]);
			buf_add_u8(b, '}');
		} else {
			buf_printf(b, "          %llu %s%s",
			    (unsigned long long)es[i].seq,
			    entry_kind_name(es[i].kind), *detail ? " " : "");
			buf_add_esc(b, detail);
			buf_add_u8(b, '\n');
		}
		free(detail);
	}
	if (json)
		buf_printf(b, "],");
	journal_entries_free(es, n);
	return 0;
}
