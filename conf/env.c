/* An ordered variable list: main.cf and IS_* settings, later ones win. */
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "conf.h"

void
env_set(struct conf_env *e, const char *name, const char *value)
{
	size_t	i;

	for (i = 0; i < e->n; i++) {
		if (strcmp(e->v[i].name, name) == 0) {
			free(e->v[i].value);
			e->v[i].value = xstrdup(value);
			return;
		}
	}
	e->v = xreallocarray(e->v, e->n + 1, sizeof *e->v);
	e->v[e->n].name = xstrdup(name);
	e->v[e->n].value = xstrdup(value);
	e->n++;
}

const char *
env_get(const struct conf_env *e, const char *name)
{
	size_t	i;

	for (i = 0; i < e->n; i++)
		if (strcmp(e->v[i].name, name) == 0)
			return e->v[i].value;
	return NULL;
}

void
env_free(struct conf_env *e)
{
	size_t	i;

	for (i = 0; i < e->n; i++) {
		free(e->v[i].name);
		free(e->v[i].value);
	}
	free(e->v);
	e->v = NULL;
	e->n = 0;
}
