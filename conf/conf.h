/*
 * conf/: configuration.  main.cf (the ISconf 4 stanza format), the
 * environment it overrides, the domain, hmac_keys and nets files.
 * Depends on lib/ only.
 */
#ifndef CONF_H
#define CONF_H

#include <stddef.h>

#define IS_MAINCF_DEFAULT	"/etc/isconf/main.cf"
#define IS_MAINCF_LEGACY	"/etc/is/main.cf"
#define IS_HOME_DEFAULT		"/var/lib/isconf"
#define IS4_HOME_DEFAULT	"/var/is"	/* ISconf 4's IS_HOME */
/* In IS_HOME/conf: this home reads ISconf 4's conf/ files (conf.c). */
#define IS4_MARK		"is4_layout"
#define IS_PORT_DEFAULT		65027
#define IS_HTTP_PORT_DEFAULT	65028
#define IS_REBOOT_CMD_DEFAULT	"shutdown -r now"
#define IS_EXEC_GRACE_DEFAULT	10	/* s from SIGTERM to SIGKILL */
#define IS_STD_PATH	"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* An ordered name=value list; setting a name again replaces its value. */
struct conf_var {
	char	*name;
	char	*value;
};
struct conf_env {
	struct conf_var	*v;
	size_t		 n;
};
/* env_set copies name and value. */
void		 env_set(struct conf_env *, const char *, const char *);
/* The value (the list's, valid until it is set again or freed), or NULL. */
const char	*env_get(const struct conf_env *, const char *);
void		 env_free(struct conf_env *);

/* names.c (name_valid and host_name_valid are lib/'s, util.h). */
/* A file of one name (what: "domain", "branch"): 0 and the name, which
 * the caller frees; 1 if missing or blank (NULL); -1. */
int	name_file_read(const char *path, const char *what, char **,
	    char **cause);

/* maincf.c */
struct maincf;
/* Parse text read from path (path only names errors: "path:line: ..."). */
int	maincf_parse(const char *path, const char *text, struct maincf **,
	    char **cause);
int	maincf_load(const char *path, struct maincf **, char **cause);
/*
 * Variables for a host: DEFAULT, then the first stanza whose target
 * matches (hostname, FQDN when the target has dots, regex on the FQDN when
 * it starts with ^), each after its includes; later settings win.
 */
int	maincf_resolve(const struct maincf *, const char *host,
	    const char *fqdn, struct conf_env *, char **cause);
void	maincf_free(struct maincf *);

/* keys.c: hmac_keys, one key a line; +ANY+ disables checking. */
struct hmac_keys {
	char	**keys;
	size_t	  n;
	int	  any;
};
int	hmac_keys_parse(const char *path, const char *text, struct hmac_keys *,
	    char **cause);
int	hmac_keys_load(const char *path, struct hmac_keys *, char **cause);
void	hmac_keys_free(struct hmac_keys *);

/* nets.c: host and broadcast addresses, one a line. */
struct nets {
	char	**addrs;
	size_t	  n;
};
int	nets_parse(const char *path, const char *text, struct nets *,
	    char **cause);
int	nets_load(const char *path, struct nets *, char **cause);
void	nets_free(struct nets *);

/* trusted.c: conf/trusted_keys, hex Ed25519 public keys one a line. */
#define TRUSTED_KEY_LEN	32
struct trusted_keys {
	unsigned char	(*keys)[TRUSTED_KEY_LEN];
	size_t		  n;
	int		  present;	/* the file exists: only these */
};
int	trusted_keys_parse(const char *path, const char *text,
	    struct trusted_keys *, char **cause);
/* A missing file is no policy (present 0), not an error. */
int	trusted_keys_load(const char *path, struct trusted_keys *,
	    char **cause);
/* 1 if key (TRUSTED_KEY_LEN bytes) is listed, else 0. */
int	trusted_keys_find(const struct trusted_keys *, const unsigned char *);
void	trusted_keys_free(struct trusted_keys *);

/* conf.c: everything a host's daemon and client need to know. */
struct conf {
	char		*maincf;	/* path read, or NULL */
	char		*home;
	char		*root;
	char		*hostname;	/* short name */
	char		*fqdn;
	char		*domain;
	char		*confdir;	/* domain, hmac_keys, nets, branch */
	int		 is4;		/* confdir is ISconf 4's /var/is/conf */
	char		*hmac_keys;	/* path */
	char		*nets;		/* path */
	char		*reboot_cmd;
	char		*bind;
	int		 port;
	int		 http_port;
	int		 nobroadcast;
	int		 exec_timeout;	/* s an up's exec may run; 0: no limit */
	int		 exec_grace;	/* s from SIGTERM to SIGKILL */
	/* Canary waves (issue 25): IS_WAVES, the ordered wave names;
	 * IS_WAVE, this host's (NULL: the last); IS_WAVE_MIN, the hosts of
	 * each earlier wave that must have applied a transaction (a
	 * count, or a percentage if wave_min_pct). */
	char		**waves;
	size_t		  nwaves;
	char		 *wave;
	int		  wave_min;
	int		  wave_min_pct;
	struct conf_env	 env;		/* IS_* and main.cf variables */
};
/* Load from the environment and main.cf (maincf may be NULL: default). */
int	 conf_load(struct conf *, const char *maincf, char **cause);
void	 conf_free(struct conf *);
/* NULL-terminated "name=value" array for exec; caller frees with
 * conf_envp_free. */
char	**conf_envp(const struct conf *);
void	 conf_envp_free(char **);

/* export.c: c's variables as "export NAME='value'" lines (POSIX
 * quoting; names that are not shell names left out), or with json a
 * {"source","maincf","variables"} object; appended to b. */
struct buf;
void	 conf_export(const struct conf *, struct buf *, int json,
	    const char *source);

#endif
