/*
 * Every file the daemon reads at start-up, checked as the daemon reads
 * it: main.cf and conf/domain (conf_load), then hmac_keys, nets,
 * conf/branch, conf/trusted_keys and conf/host.key here.  isconfd -n,
 * start-up and SIGHUP run this, so a bad line refuses start-up (or the
 * reload) naming file and line, instead of a daemon running with less
 * than was configured (no HMAC keys: no authentication).
 */
#include <sys/stat.h>

#include <stdlib.h>
#include <string.h>

#include "isconfd.h"

int
check_files(const struct conf *c, char **cause)
{
	struct hmac_keys	 k;
	struct nets		 n;
	struct trusted_keys	 t;
	char			*path, *branch = NULL;
	int			 rv = -1;

	if (hmac_keys_load(c->hmac_keys, &k, cause) == -1)
		return -1;
	hmac_keys_free(&k);
	if (nets_load(c->nets, &n, cause) == -1)
		return -1;
	nets_free(&n);
	path = path_join(c->confdir, "branch");
	if (name_file_read(path, "branch", &branch, cause) == -1)
		goto out;
	free(path);
	path = path_join(c->home, "conf/trusted_keys");
	if (trusted_keys_load(path, &t, cause) == -1)
		goto out;
	trusted_keys_free(&t);
	rv = hostkey_check(c->home, cause);
out:
	free(branch);
	free(path);
	return rv;
}

static void
check_mode(const char *path)
{
	struct stat	sb;

	if (stat(path, &sb) == 0 && (sb.st_mode & 077) != 0)
		log_warnx("warning: %s holds secrets but is accessible to "
		    "group or others (mode %04o; want 0600)", path,
		    (unsigned)(sb.st_mode & 07777));
}

/* Secrets readable by others are a warning, not a refusal. */
void
check_modes(const struct conf *c)
{
	char	*path;

	check_mode(c->hmac_keys);
	path = path_join(c->home, "conf/host.key");
	check_mode(path);
	free(path);
}
