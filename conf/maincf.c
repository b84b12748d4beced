/*
 * main.cf, exactly as the ISconf 4 manual's CONFIGURATION section:
 *
 *	target: optional includes
 *	    var = value
 *
 * '#' starts a comment anywhere on a line.  A header may name several
 * targets (any of them matches).  DEFAULT is always applied first,
 * wherever it stands; then only the first stanza whose target matches.
 * Includes are applied before a stanza's own settings; later settings
 * override earlier ones.  Unlike ISconf 4, errors name file and line.
 */
#include <ctype.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "conf.h"

#define MAINCF_MAX_DEPTH	32

struct stanza {
	char		**targets;
	size_t		  ntargets;
	regex_t		 *regex;	/* one per target; NULL slot if plain */
	char		**includes;
	size_t		  nincludes;
	struct conf_var	 *vars;
	size_t		  nvars;
	int		  line;
};

struct maincf {
	char		*path;
	struct stanza	*st;
	size_t		 n;
};

void
maincf_free(struct maincf *m)
{
	size_t	i, j;

	if (m == NULL)
		return;
	for (i = 0; i < m->n; i++) {
		struct stanza *s = &m->st[i];
		for (j = 0; j < s->ntargets; j++) {
			if (s->targets[j][0] == '^')
				regfree(&s->regex[j]);
			free(s->targets[j]);
		}
		free(s->targets);
		free(s->regex);
		for (j = 0; j < s->nincludes; j++)
			free(s->includes[j]);
		free(s->includes);
		for (j = 0; j < s->nvars; j++) {
			free(s->vars[j].name);
			free(s->vars[j].value);
		}
		free(s->vars);
	}
	free(m->st);
	free(m->path);
	free(m);
}

/* Split on white space into a new array of new strings. */
static char **
split_words(char *s, size_t *np)
{
	char	**v = NULL, *w;
	size_t	  n = 0;

	while ((w = strsep(&s, " \t")) != NULL) {
		if (*w == '\0')
			continue;
		v = xreallocarray(v, n + 1, sizeof *v);
		v[n++] = xstrdup(w);
	}
	*np = n;
	return v;
}

static int
is_assignment(const char *line, char **name, char **value)
{
	const char	*p = line, *eq;

	if (!isalpha((unsigned char)*p) && *p != '_')
		return 0;
	while (isalnum((unsigned char)*p) || *p == '_')
		p++;
	eq = p;
	while (*eq == ' ' || *eq == '\t')
		eq++;
	if (*eq != '=')
		return 0;
	*name = xstrndup(line, (size_t)(p - line));
	*value = xstrdup(eq + 1);
	memmove(*value, str_trim(*value), strlen(str_trim(*value)) + 1);
	return 1;
}

/*
 * 1 if a repetition operator follows another (a++, a*{2}): glibc's
 * regcomp copies the operand for each, so a run of them takes memory
 * exponential in its length (40 bytes of main.cf took gigabytes).
 */
static int
regex_stacked(const char *re)
{
	const char	*p;

	for (p = re; *p != '\0'; p++) {
		if (*p == '\\' && p[1] != '\0') {
			p++;
			continue;
		}
		if (*p == '[') {	/* a bracket expression is literal */
			p += p[1] == '^' ? 2 : 1;
			if (*p == ']')
				p++;
			while (*p != '\0' && *p != ']')
				p++;
			if (*p == '\0')
				return 0;	/* regcomp refuses it */
			continue;
		}
		if (strchr("*+?}", *p) != NULL && p[1] != '\0' &&
		    strchr("*+?{", p[1]) != NULL)
			return 1;
	}
	return 0;
}

static int
parse_header(struct maincf *m, char *line, int lineno, char **cause)
{
	struct stanza	*s;
	char		*colon = strrchr(line, ':');
	size_t		 j;
	char		 err[128];
	int		 rc;

	*colon = '\0';
	m->st = xreallocarray(m->st, m->n + 1, sizeof *m->st);
	s = &m->st[m->n++];
	memset(s, 0, sizeof *s);
	s->line = lineno;
	s->targets = split_words(line, &s->ntargets);
	s->includes = split_words(colon + 1, &s->nincludes);
	s->regex = xcalloc(s->ntargets ? s->ntargets : 1, sizeof *s->regex);
	if (s->ntargets == 0)
		return set_cause(cause, "%s:%d: stanza header has no target",
		    m->path, lineno);
	for (j = 0; j < s->ntargets; j++) {
		if (s->targets[j][0] != '^')
			continue;
		if (regex_stacked(s->targets[j])) {
			s->targets[j][0] = '!';	/* nothing to regfree */
			return set_cause(cause, "%s:%d: bad regex %s: "
			    "repetition operators in a row", m->path, lineno,
			    s->targets[j] + 1);
		}
		rc = regcomp(&s->regex[j], s->targets[j], REG_EXTENDED |
		    REG_NOSUB);
		if (rc != 0) {
			regerror(rc, &s->regex[j], err, sizeof err);
			s->targets[j][0] = '!';	/* nothing to regfree */
			return set_cause(cause, "%s:%d: bad regex %s: %s",
			    m->path, lineno, s->targets[j] + 1, err);
		}
	}
	return 0;
}

static struct stanza *
find_stanza(const struct maincf *m, const char *name)
{
	size_t	i, j;

	for (i = 0; i < m->n; i++)
		for (j = 0; j < m->st[i].ntargets; j++)
			if (strcmp(m->st[i].targets[j], name) == 0)
				return &m->st[i];
	return NULL;
}

static int
check_includes(const struct maincf *m, char **cause)
{
	size_t	i, j;

	for (i = 0; i < m->n; i++)
		for (j = 0; j < m->st[i].nincludes; j++)
			if (find_stanza(m, m->st[i].includes[j]) == NULL)
				return set_cause(cause, "%s:%d: include %s: "
				    "no such stanza", m->path, m->st[i].line,
				    m->st[i].includes[j]);
	return 0;
}

static int
parse_line(struct maincf *m, char *line, int lineno, char **cause)
{
	struct stanza	*s;
	char		*name, *value;

	if (is_assignment(line, &name, &value)) {
		if (m->n == 0) {
			set_cause(cause, "%s:%d: setting %s before any "
			    "'target:' line", m->path, lineno, name);
			free(name);
			free(value);
			return -1;
		}
		s = &m->st[m->n - 1];
		s->vars = xreallocarray(s->vars, s->nvars + 1, sizeof *s->vars);
		s->vars[s->nvars].name = name;
		s->vars[s->nvars++].value = value;
		return 0;
	}
	if (strchr(line, ':') != NULL)
		return parse_header(m, line, lineno, cause);
	return set_cause(cause, "%s:%d: expected 'target: includes' or "
	    "'var = value'", m->path, lineno);
}

int
maincf_parse(const char *path, const char *text, struct maincf **mp,
    char **cause)
{
	struct maincf	*m;
	char		*copy, *line, *next, *hash;
	int		 lineno = 0, rv = -1;

	m = xcalloc(1, sizeof *m);
	m->path = xstrdup(path);
	copy = xstrdup(text);
	for (line = copy; line != NULL; line = next) {
		lineno++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if ((hash = strchr(line, '#')) != NULL)
			*hash = '\0';
		line = str_trim(line);
		if (*line == '\0')
			continue;
		if (parse_line(m, line, lineno, cause) == -1)
			goto out;
	}
	if (check_includes(m, cause) == -1)
		goto out;
	rv = 0;
out:
	free(copy);
	if (rv == -1)
		maincf_free(m);
	else
		*mp = m;
	return rv;
}

int
maincf_load(const char *path, struct maincf **mp, char **cause)
{
	char	*text;
	int	 rv;

	if ((rv = file_read(path, 4 << 20, &text, NULL, cause)) == 1)
		return set_cause(cause, "%s: no such file", path);
	if (rv == -1)
		return -1;
	rv = maincf_parse(path, text, mp, cause);
	free(text);
	return rv;
}

static int
apply(const struct maincf *m, const struct stanza *s, struct conf_env *env,
    int depth, char **cause)
{
	size_t	i;

	if (depth > MAINCF_MAX_DEPTH)
		return set_cause(cause, "%s:%d: includes nested deeper than "
		    "%d (a loop?)", m->path, s->line, MAINCF_MAX_DEPTH);
	for (i = 0; i < s->nincludes; i++)
		if (apply(m, find_stanza(m, s->includes[i]), env, depth + 1,
		    cause) == -1)
			return -1;
	for (i = 0; i < s->nvars; i++)
		env_set(env, s->vars[i].name, s->vars[i].value);
	return 0;
}

static int
target_matches(const struct stanza *s, size_t j, const char *host,
    const char *fqdn)
{
	const char	*t = s->targets[j];

	if (t[0] == '^')
		return regexec(&s->regex[j], fqdn, 0, NULL, 0) == 0;
	if (strchr(t, '.') != NULL)
		return strcmp(t, fqdn) == 0;
	return strcmp(t, host) == 0;
}

int
maincf_resolve(const struct maincf *m, const char *host, const char *fqdn,
    struct conf_env *env, char **cause)
{
	const struct stanza	*def, *s;
	size_t			 i, j;

	if ((def = find_stanza(m, "DEFAULT")) != NULL &&
	    apply(m, def, env, 0, cause) == -1)
		return -1;
	for (i = 0; i < m->n; i++) {
		s = &m->st[i];
		if (s == def)
			continue;
		for (j = 0; j < s->ntargets; j++)
			if (target_matches(s, j, host, fqdn))
				return apply(m, s, env, 0, cause);
	}
	return 0;
}
