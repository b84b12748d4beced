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
/* The regex target bound (main.cf(5), doc/design.md: why these). */
#define MAINCF_RE_MAX_LEN	255
#define MAINCF_RE_MAX_COUNT	255

struct stanza {
	char		**targets;
	size_t		  ntargets;
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
		for (j = 0; j < s->ntargets; j++)
			free(s->targets[j]);
		free(s->targets);
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

/* Past a bracket expression starting at re[i] == '['; 0 if unterminated. */
static size_t
re_bracket_end(const char *re, size_t i)
{
	const char	*close;
	char		 end[3] = { 0, ']', 0 };

	i++;
	if (re[i] == '^')
		i++;
	if (re[i] == ']')
		i++;
	for (; re[i] != '\0'; i++) {
		if (re[i] == ']')
			return i + 1;
		if (re[i] == '[' && strchr(":=.", re[i + 1]) != NULL &&
		    re[i + 1] != '\0') {
			end[0] = re[i + 1];
			if ((close = strstr(re + i + 2, end)) == NULL)
				return 0;
			i = (size_t)(close - re) + 1;
		}
	}
	return 0;
}

/* Past a {m}, {m,} or {m,n} interval at re[i] == '{'; 0 if malformed. */
static size_t
re_interval_end(const char *re, size_t i, const char **why)
{
	long	 m, n;
	char	*end;

	if (!isdigit((unsigned char)re[i + 1]))
		return 0;
	m = n = strtol(re + i + 1, &end, 10);
	if (*end == ',' && isdigit((unsigned char)*++end))
		n = strtol(end, &end, 10);
	if (*end != '}' || n < m)
		return 0;
	if (n > MAINCF_RE_MAX_COUNT) {
		*why = "a {} count is larger than 255";
		return 0;
	}
	return (size_t)(end - re) + 1;
}

/*
 * glibc's regcomp grows exponentially with stacked or nested repetition
 * (^a followed by 25 '+' takes 3 GB; (a?){0,511} never finishes) and
 * quadratically with {} counts (^a{1,32767}: gigabytes): a repetition
 * may only follow one character, '.', an escape or a bracket expression,
 * counts are at most 255, and a target at most 255 bytes.  Back-references
 * are refused: matching them is exponential.
 */
static int
re_bounded(const char *re, const char **why)
{
	size_t	i = 0, next;
	int	repeatable = 0;

	*why = NULL;
	if (strlen(re) > MAINCF_RE_MAX_LEN) {
		*why = "longer than 255 bytes";
		return 0;
	}
	while (re[i] != '\0') {
		next = i + 1;
		switch (re[i]) {
		case '\\':
			if (re[i + 1] == '\0' || isdigit((unsigned char)re[i + 1])) {
				*why = "a back-reference or a trailing '\\'";
				return 0;
			}
			repeatable = strchr("bB<>`'", re[i + 1]) == NULL;
			next = i + 2;
			break;
		case '[':
			if ((next = re_bracket_end(re, i)) == 0) {
				*why = "an unterminated [";
				return 0;
			}
			repeatable = 1;
			break;
		case '*': case '+': case '?': case '{':
			if (!repeatable) {
				*why = "a repetition that follows neither one "
				    "character, '.' nor a [] expression";
				return 0;
			}
			if (re[i] == '{' &&
			    (next = re_interval_end(re, i, why)) == 0) {
				if (*why == NULL)
					*why = "a malformed {} interval";
				return 0;
			}
			repeatable = 0;
			break;
		case '(': case ')': case '|': case '^': case '$':
			repeatable = 0;
			break;
		default:
			repeatable = 1;
			break;
		}
		i = next;
	}
	return 1;
}

static int
parse_header(struct maincf *m, char *line, int lineno, char **cause)
{
	struct stanza	*s;
	char		*colon = strrchr(line, ':');
	const char	*why;
	regex_t		 re;
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
	if (s->ntargets == 0)
		return set_cause(cause, "%s:%d: stanza header has no target",
		    m->path, lineno);
	for (j = 0; j < s->ntargets; j++) {
		if (s->targets[j][0] != '^')
			continue;
		if (!re_bounded(s->targets[j], &why)) {
			set_cause(cause, "%s:%d: regex target %.40s%s: %s "
			    "(main.cf(5): REGEX BOUNDS)", m->path, lineno,
			    s->targets[j], strlen(s->targets[j]) > 40 ?
			    "..." : "", why);
			return -1;
		}
		/* Compiled here only to check it: kept compiled, 400
		 * bounded targets still took gigabytes.  target_matches
		 * compiles one at a time. */
		if ((rc = regcomp(&re, s->targets[j], REG_EXTENDED |
		    REG_NOSUB)) != 0) {
			regerror(rc, &re, err, sizeof err);
			return set_cause(cause, "%s:%d: bad regex %s: %s",
			    m->path, lineno, s->targets[j] + 1, err);
		}
		regfree(&re);
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

	if ((rv = file_read_text(path, 4 << 20, &text, cause)) == 1)
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

/* 1 if target j of s names this host, 0 if not, -1 (cause set) if its
 * regex cannot be compiled now (it was when parsed: out of memory). */
static int
target_matches(const struct maincf *m, const struct stanza *s, size_t j,
    const char *host, const char *fqdn, char **cause)
{
	const char	*t = s->targets[j];
	regex_t		 re;
	int		 rc;

	if (t[0] != '^') {
		if (strchr(t, '.') != NULL)
			return strcmp(t, fqdn) == 0;
		return strcmp(t, host) == 0;
	}
	if (regcomp(&re, t, REG_EXTENDED | REG_NOSUB) != 0)
		return set_cause(cause, "%s:%d: regex %s: cannot compile it "
		    "now", m->path, s->line, t + 1);
	rc = regexec(&re, fqdn, 0, NULL, 0);
	regfree(&re);
	return rc == 0;
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
		for (j = 0; j < s->ntargets; j++) {
			switch (target_matches(m, s, j, host, fqdn, cause)) {
			case -1:
				return -1;
			case 1:
				return apply(m, s, env, 0, cause);
			}
		}
	}
	return 0;
}
