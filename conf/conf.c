/*
 * A host's configuration: IS_* variables from the environment, overridden
 * by main.cf (manual: ENVIRONMENT), defaults filled in, and the derived
 * values written back so every exec sees the same IS_* set.
 */
#include <sys/stat.h>

#include <errno.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"
#include "conf.h"

extern char **environ;

static const char *
maincf_path(const char *override)
{
	const char	*p;
	struct stat	 sb;

	if (override != NULL)
		return override;
	if ((p = getenv("IS_MAINCF")) != NULL && *p != '\0')
		return p;
	if (stat(IS_MAINCF_DEFAULT, &sb) == 0)
		return IS_MAINCF_DEFAULT;
	if (stat(IS_MAINCF_LEGACY, &sb) == 0)
		return IS_MAINCF_LEGACY;
	return NULL;
}

static void
host_names(struct conf_env *env, char **host, char **fqdn)
{
	const char	*h = env_get(env, "IS_HOSTNAME");
	const char	*f = env_get(env, "IS_FQDN");
	struct addrinfo	 hints, *res;
	char		 buf[256];

	if (h == NULL || *h == '\0') {
		if (gethostname(buf, sizeof buf) == -1)
			xstrlcpy(buf, "localhost", sizeof buf);
		buf[sizeof buf - 1] = '\0';
		h = buf;
	}
	*host = xstrndup(h, strcspn(h, "."));
	if (f != NULL && *f != '\0')
		*fqdn = xstrdup(f);
	else if (strchr(h, '.') != NULL || env_get(env, "IS_HOSTNAME"))
		*fqdn = xstrdup(h);
	else {
		memset(&hints, 0, sizeof hints);
		hints.ai_flags = AI_CANONNAME;
		if (getaddrinfo(h, NULL, &hints, &res) == 0) {
			*fqdn = xstrdup(res->ai_canonname ? res->ai_canonname :
			    h);
			freeaddrinfo(res);
		} else
			*fqdn = xstrdup(h);
	}
}

/* An integer in [min, max] named what in errors; unset or empty: def. */
static int
env_int(struct conf_env *env, const char *name, int def, long min, long max,
    const char *what, int *out, char **cause)
{
	const char	*v = env_get(env, name);
	char		*end;
	long		 l;

	*out = def;
	if (v == NULL || *v == '\0')
		return 0;
	l = strtol(v, &end, 10);
	if (*end != '\0' || l < min || l > max)
		return set_cause(cause, "%s=%s: not %s", name, v, what);
	*out = (int)l;
	return 0;
}

static char *
env_default(struct conf_env *env, const char *name, const char *def)
{
	const char	*v = env_get(env, name);

	if (v == NULL || *v == '\0')
		env_set(env, name, def);
	return xstrdup(env_get(env, name));
}

static int
load_domain(struct conf *c, char **cause)
{
	const char	*d = env_get(&c->env, "IS_DOMAIN");
	char		*path;
	int		 rv;

	if (d != NULL && *d != '\0')
		c->domain = xstrdup(d);
	else {
		path = path_join(c->confdir, "domain");
		rv = name_file_read(path, "domain", &c->domain, cause);
		free(path);
		if (rv == -1)
			return -1;
		if (rv == 1)
			c->domain = xstrdup("default");
		env_set(&c->env, "IS_DOMAIN", c->domain);
	}
	if (!name_valid(c->domain))
		return set_cause(cause, "domain '%s' is not a valid name "
		    "(\\w+[-\\w.]+)", c->domain);
	return 0;
}

/* IS_WAVES, IS_WAVE, IS_WAVE_MIN (issue 25; main.cf(5)). */
static int
waves_conf(struct conf *c, char **cause)
{
	const char	*v = env_get(&c->env, "IS_WAVES"), *min;
	char		*s, *w, *p, *end;
	size_t		 i;
	long		 n;

	if (v != NULL) {
		s = p = xstrdup(v);
		while ((w = strsep(&p, " \t,")) != NULL) {
			if (*w == '\0')
				continue;
			for (i = 0; i < c->nwaves; i++)
				if (strcmp(c->waves[i], w) == 0)
					break;
			if (!name_valid(w) || strlen(w) > 64 ||
			    i < c->nwaves || c->nwaves == 16) {
				set_cause(cause, "IS_WAVES: '%s' is not a "
				    "valid wave name, is named twice or is "
				    "beyond 16 waves", w);
				free(s);
				return -1;
			}
			c->waves = xreallocarray(c->waves, c->nwaves + 1,
			    sizeof *c->waves);
			c->waves[c->nwaves++] = xstrdup(w);
		}
		free(s);
	}
	if ((v = env_get(&c->env, "IS_WAVE")) != NULL && *v != '\0') {
		for (i = 0; i < c->nwaves; i++)
			if (strcmp(c->waves[i], v) == 0)
				break;
		if (!name_valid(v) || (c->nwaves > 0 && i == c->nwaves))
			return set_cause(cause, "IS_WAVE: '%s' is not one of "
			    "IS_WAVES", v);
		c->wave = xstrdup(v);
	}
	c->wave_min = 1;
	if ((min = env_get(&c->env, "IS_WAVE_MIN")) == NULL || *min == '\0')
		return 0;
	n = strtol(min, &end, 10);
	c->wave_min_pct = *end == '%';
	if (end == min || (c->wave_min_pct && end[1] != '\0') ||
	    (!c->wave_min_pct && *end != '\0') || n < 1 ||
	    n > (c->wave_min_pct ? 100 : 100000))
		return set_cause(cause, "IS_WAVE_MIN: '%s' is neither a number "
		    "of hosts (1 or more) nor a percentage (1%% to 100%%)",
		    min);
	c->wave_min = (int)n;
	return 0;
}

/* 1 if home/name exists, 0 if not; unseen when we may not look. */
static int
home_has(const char *home, const char *name, int unseen)
{
	struct stat	 sb;
	char		*p = path_join(home, name);
	int		 rv;

	if (stat(p, &sb) == 0)
		rv = 1;
	else
		rv = errno == ENOENT ? 0 : unseen;
	free(p);
	return rv;
}

/*
 * Where domain, hmac_keys, nets and branch are: IS_HOME/conf, or
 * ISconf 4's /var/is/conf when IS_HOME is unset, the default home holds
 * no state of ours (journal.db) and /var/is exists: a host moving from
 * ISconf 4 keeps its domain and keys instead of joining "default" in
 * silence.  The daemon then marks the home (IS4_MARK), so that it keeps
 * reading them there once it has a journal.  ISconf 4's journal and
 * cache are another format: not read.
 */
static void
conf_dir(struct conf *c, int home_set)
{
	const char	*is4 = TEST_PATH("ISCONF_TEST_IS4_HOME",
			    IS4_HOME_DEFAULT);
	struct stat	 sb;

	if (!home_set && stat(is4, &sb) == 0 && S_ISDIR(sb.st_mode) &&
	    (!home_has(c->home, "journal.db", 1) ||
	    home_has(c->home, "conf/" IS4_MARK, 0))) {
		c->is4 = 1;
		c->confdir = path_join(is4, "conf");
	} else
		c->confdir = path_join(c->home, "conf");
}

static int
derive(struct conf *c, char **cause)
{
	const char	*h = env_get(&c->env, "IS_HOME");
	int		 home_set = h != NULL && *h != '\0';
	char		*def;

	c->home = env_default(&c->env, "IS_HOME", TEST_PATH(
	    "ISCONF_TEST_HOME_DEFAULT", IS_HOME_DEFAULT));
	conf_dir(c, home_set);
	c->root = env_default(&c->env, "IS_ROOT", "/");
	host_names(&c->env, &c->hostname, &c->fqdn);
	env_set(&c->env, "IS_HOSTNAME", c->hostname);
	def = path_join(c->confdir, "hmac_keys");
	c->hmac_keys = env_default(&c->env, "IS_HMAC_KEYS", def);
	free(def);
	def = path_join(c->confdir, "nets");
	c->nets = env_default(&c->env, "IS_NETS", def);
	free(def);
	c->reboot_cmd = env_default(&c->env, "IS_REBOOT_CMD",
	    IS_REBOOT_CMD_DEFAULT);
	c->bind = env_get(&c->env, "IS_BIND") ?
	    xstrdup(env_get(&c->env, "IS_BIND")) : NULL;
	c->nobroadcast = env_get(&c->env, "IS_NOBROADCAST") != NULL &&
	    *env_get(&c->env, "IS_NOBROADCAST") != '\0';
	if (c->home[0] != '/' || c->root[0] != '/')
		return set_cause(cause, "IS_HOME and IS_ROOT must be absolute "
		    "paths");
	if (env_int(&c->env, "IS_PORT", IS_PORT_DEFAULT, 1, 65535,
	    "a port number", &c->port, cause) == -1 ||
	    env_int(&c->env, "IS_HTTP_PORT", IS_HTTP_PORT_DEFAULT, 1, 65535,
	    "a port number", &c->http_port, cause) == -1 ||
	    env_int(&c->env, "IS_EXEC_TIMEOUT", 0, 0, 86400 * 365,
	    "a number of seconds", &c->exec_timeout, cause) == -1 ||
	    env_int(&c->env, "IS_EXEC_GRACE", IS_EXEC_GRACE_DEFAULT, 0,
	    86400, "a number of seconds", &c->exec_grace, cause) == -1)
		return -1;
	if (waves_conf(c, cause) == -1)
		return -1;
	return load_domain(c, cause);
}

int
conf_load(struct conf *c, const char *override, char **cause)
{
	struct maincf	*m = NULL;
	const char	*path;
	char		**e, *host = NULL, *fqdn = NULL;
	int		 rv = -1;

	memset(c, 0, sizeof *c);
	for (e = environ; *e != NULL; e++) {
		char *eq = strchr(*e, '=');
		if (strncmp(*e, "IS_", 3) != 0 || eq == NULL)
			continue;
		char *name = xstrndup(*e, (size_t)(eq - *e));
		env_set(&c->env, name, eq + 1);
		free(name);
	}
	if ((path = maincf_path(override)) != NULL) {
		c->maincf = xstrdup(path);
		/* Execs see the file read, not an IS_MAINCF that -c
		 * overrode (isconf -c FILE start). */
		env_set(&c->env, "IS_MAINCF", path);
		if (maincf_load(path, &m, cause) == -1)
			goto out;
		/* main.cf may set IS_HOSTNAME itself, but matches on the
		 * name from the environment, as ISconf 4 did. */
		host_names(&c->env, &host, &fqdn);
		if (maincf_resolve(m, host, fqdn, &c->env, cause) == -1)
			goto out;
	}
	rv = derive(c, cause);
out:
	free(host);
	free(fqdn);
	maincf_free(m);
	return rv;
}

void
conf_free(struct conf *c)
{
	free(c->maincf);
	free(c->home);
	free(c->root);
	free(c->hostname);
	free(c->fqdn);
	free(c->domain);
	free(c->confdir);
	free(c->hmac_keys);
	free(c->nets);
	free(c->reboot_cmd);
	free(c->bind);
	for (size_t i = 0; i < c->nwaves; i++)
		free(c->waves[i]);
	free(c->waves);
	free(c->wave);
	env_free(&c->env);
	memset(c, 0, sizeof *c);
}

char **
conf_envp(const struct conf *c)
{
	char	**envp;
	size_t	  i, n = 0;

	envp = xcalloc(c->env.n + 4, sizeof *envp);
	xasprintf(&envp[n++], "PATH=%s", IS_STD_PATH);
	xasprintf(&envp[n++], "HOME=/");
	for (i = 0; i < c->env.n; i++) {
		if (strcmp(c->env.v[i].name, "PATH") == 0 ||
		    strcmp(c->env.v[i].name, "HOME") == 0) {
			free(envp[strcmp(c->env.v[i].name, "PATH") ? 1 : 0]);
			xasprintf(&envp[strcmp(c->env.v[i].name, "PATH") ?
			    1 : 0], "%s=%s", c->env.v[i].name,
			    c->env.v[i].value);
			continue;
		}
		xasprintf(&envp[n++], "%s=%s", c->env.v[i].name,
		    c->env.v[i].value);
	}
	envp[n] = NULL;
	return envp;
}

void
conf_envp_free(char **envp)
{
	char	**e;

	for (e = envp; *e != NULL; e++)
		free(*e);
	free(envp);
}
