/*
 * isconf cache [prune] [--json]: what this host's cache holds, needs
 * and may prune, and how many keepers hold the rest (keepers.c); prune
 * prunes it now.
 */
#include <stdlib.h>
#include <string.h>

#include "isconfd.h"
#include "keepers.h"
#include "cacheuse.h"

static void	verb_cache(struct client *);

const struct verb_entry verb_cache_entry = {
	.name = "cache",
	.exec = verb_cache,
};

static const char *const off_why[KEEPERS_OFF_N] = {
	[KEEPERS_OFF_TRUST] = "no conf/trusted_keys, and IS_CACHE_TRUST is "
	    "not pinned: no keeper counts",
	[KEEPERS_OFF_KEEPERS] = "fewer keepers count than IS_CACHE_KEEPERS",
	[KEEPERS_OFF_INCOMPLETE] = "a chunk list of a needed snap is "
	    "missing",
};

static void
report_print(struct isconfd *d, const struct cache_report *r,
    const char *deferred, struct buf *b, int json)
{
	if (json) {
		buf_printf(b, "{\"keeper\":%s,\"keepers_needed\":%zu,"
		    "\"keepers\":%zu,\"chunks\":%llu,\"bytes\":%llu,"
		    "\"disk_bytes\":%llu,\"needed_chunks\":%llu,"
		    "\"missing_chunks\":%llu,\"prunable_chunks\":%llu,"
		    "\"prunable_bytes\":%llu,\"pruned_chunks\":%llu,"
		    "\"pruned_bytes\":%llu,\"complete\":%s,\"max\":%llu,"
		    "\"through\":%llu,\"trust\":\"%s\","
		    "\"keepers_untrusted\":%zu,\"prune_off\":\"%s\","
		    "\"deferred\":",
		    keepers_keep(d) ? "true" : "false", keepers_needed(d),
		    r->keepers, (unsigned long long)r->chunks,
		    (unsigned long long)r->bytes, (unsigned long long)r->disk,
		    (unsigned long long)r->needed_chunks,
		    (unsigned long long)r->missing_chunks,
		    (unsigned long long)r->prunable_chunks,
		    (unsigned long long)r->prunable_bytes,
		    (unsigned long long)r->pruned_chunks,
		    (unsigned long long)r->pruned_bytes,
		    r->incomplete ? "false" : "true",
		    (unsigned long long)keepers_max(d),
		    (unsigned long long)r->through, keepers_pinned(d) ?
		    "pinned" : "keys", r->untrusted,
		    keepers_off_names[r->off]);
		if (deferred != NULL)
			buf_add_json(b, deferred);
		else
			buf_printf(b, "null");
		buf_printf(b, "}\n");
		return;
	}
	buf_printf(b, "role:      %s\n", keepers_keep(d) ? "keeper "
	    "(IS_CACHE_KEEP=1: holds every chunk of every branch)" :
	    "starved (prunes what keepers hold)");
	buf_printf(b, "held:      %llu chunks, %llu bytes (%llu on disk)\n",
	    (unsigned long long)r->chunks, (unsigned long long)r->bytes,
	    (unsigned long long)r->disk);
	buf_printf(b, "needed:    %llu chunks held, %llu not held%s\n",
	    (unsigned long long)r->needed_chunks,
	    (unsigned long long)r->missing_chunks, r->incomplete ?
	    " (a chunk list is missing: nothing is pruned)" : "");
	buf_printf(b, "prunable:  %llu chunks, %llu bytes\n",
	    (unsigned long long)r->prunable_chunks,
	    (unsigned long long)r->prunable_bytes);
	buf_printf(b, "keepers:   %zu reachable with verified holdings "
	    "(%zu needed to prune)", r->keepers, keepers_needed(d));
	if (r->untrusted > 0)
		buf_printf(b, "; %zu more not counted (not in trusted_keys)",
		    r->untrusted);
	buf_add_u8(b, '\n');
	buf_printf(b, "through:   entry %llu of %s held by %s\n",
	    (unsigned long long)r->through, d->branch, keepers_keep(d) ?
	    "this keeper" : "enough keepers");
	if (r->off != KEEPERS_OFF_NONE && r->off != KEEPERS_OFF_KEEPER)
		buf_printf(b, "pruning:   off: %s\n", off_why[r->off]);
	if (r->pruned_chunks > 0)
		buf_printf(b, "pruned:    %llu chunks, %llu bytes\n",
		    (unsigned long long)r->pruned_chunks,
		    (unsigned long long)r->pruned_bytes);
	if (deferred != NULL)
		buf_printf(b, "pruned:    deferred: %s is reading the cache; "
		    "pruned once it is done\n", deferred);
}

static void
verb_cache(struct client *c)
{
	struct isconfd		*d = c->d;
	struct cache_report	 r;
	struct buf		 b;
	char			*cause = NULL, what[64];
	const char		*deferred = NULL;
	int			 prune = c->req.argc > 1, rv;

	if (prune && strcmp(c->req.argv[1], "prune") != 0) {
		client_err(c, "usage: isconf cache [prune]");
		client_exit(c, 2);
		return;
	}
	if (prune && keepers_keep(d)) {
		client_err(c, "cache prune refused: this host is a keeper "
		    "(IS_CACHE_KEEP=1), which holds everything");
		client_exit(c, 1);
		return;
	}
	/* A chunk a reader found must not go before it is read: the
	 * prune waits for the first keepers tick with no reader. */
	if (prune && cacheuse_reader(d, c, what, sizeof what)) {
		keepers_prune_later(d);
		prune = 0;
		deferred = what;
	}
	buf_init(&b);
	rv = keepers_report(d, &r, prune, 0, &cause);
	if (rv == 0)
		report_print(d, &r, deferred, &b, c->req.flags & CTL_F_JSON);
	client_reply_built(c, rv, &b, cause);
}

