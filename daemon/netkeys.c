/*
 * hmac_keys for net/: read at start-up and handed over (net_set_keys),
 * then read again when the file changes, checked at most once a second
 * when net/ is about to use the keys (netkeys_check), so a key rollout
 * needs no restart.  A file that fails to parse then leaves the keys in
 * force, logged with file and line; at start-up it is an error, there
 * being nothing to fall back on.  The file is the one named at start-up
 * (a SIGHUP does not move it).  net/ never reads the file itself: it
 * depends on lib/ only.
 */
#include <sys/stat.h>

#include <stdlib.h>
#include <string.h>

#include "isconfd.h"

/* Records the file's state; 1 if it differs from the last one seen. */
static int
netkeys_changed(struct netkeys *k)
{
	struct stat	sb;

	k->checked = now_ns();
	if (stat(k->path, &sb) == -1)
		memset(&sb, 0, sizeof sb);
	if (sb.st_mtim.tv_sec == k->st.st_mtim.tv_sec &&
	    sb.st_mtim.tv_nsec == k->st.st_mtim.tv_nsec &&
	    sb.st_size == k->st.st_size && sb.st_ino == k->st.st_ino)
		return 0;
	k->st = sb;
	return 1;
}

/*
 * On error the keys in force stay; there are none before the first.
 * Once keys are in force, a file with none is taken for one being
 * written (a shell's > truncates before it writes, and a check may fall
 * between): loading it would cut the host off its mesh until the next
 * change, so it is refused like a file that does not parse.
 */
static int
netkeys_load(struct isconfd *d, int reload, char **cause)
{
	struct hmac_keys	k;

	if (hmac_keys_load(d->netkeys.path, &k, cause) == -1)
		return -1;
	if (reload && k.n == 0 && !k.any && d->netkeys.nkeys > 0) {
		hmac_keys_free(&k);
		xasprintf(cause, "%s: no key in it (being written?)",
		    d->netkeys.path);
		return -1;
	}
	net_set_keys(d->net, k.keys, k.n, k.any);
	d->netkeys.nkeys = k.n;
	log_info("hmac_keys %s: %zu key(s)%s", d->netkeys.st.st_ino ?
	    "loaded" : "absent", k.n, k.any ? ", +ANY+" : "");
	hmac_keys_free(&k);
	return 0;
}

int
netkeys_open(struct isconfd *d, char **cause)
{
	memset(&d->netkeys, 0, sizeof d->netkeys);
	d->netkeys.path = xstrdup(d->conf.hmac_keys);
	netkeys_changed(&d->netkeys);
	return netkeys_load(d, 0, cause);
}

void
netkeys_check(void *arg)
{
	struct isconfd	*d = arg;
	char		*cause = NULL;

	if (d->netkeys.path == NULL ||
	    now_ns() - d->netkeys.checked < 1000000000LL ||
	    !netkeys_changed(&d->netkeys))
		return;
	if (netkeys_load(d, 1, &cause) == -1) {
		log_warnx("keeping the old HMAC keys: %s", cause);
		free(cause);
	}
}

void
netkeys_close(struct isconfd *d)
{
	free(d->netkeys.path);
	d->netkeys.path = NULL;
}
