/*
 * The fleet view's query (fleet.h): HTTP query values of /api/v1/hosts
 * and the options of isconf hosts, decoded the same way.  Pure, so
 * that the fuzz target runs what the daemon does.
 */
#include <string.h>

#include "util.h"
#include "wire.h"
#include "fleet.h"

const char *const fleet_state_names[FLEET_NSTATES] = {
	"head", "behind", "wave", "held", "forked", "failed", "unknown"
};

const char *const fleet_query_keys[] = {
	"branch", "state", "wave", "failed", "name", "offset", "limit",
	"verify", NULL
};

void
fleet_query_init(struct fleet_query *q)
{
	memset(q, 0, sizeof *q);
	q->state = -1;
	q->limit = FLEET_LIMIT_DEF;
}

/* Host name bytes, and the wildcards. */
static int
glob_valid(const char *v)
{
	size_t	n = strlen(v), i;

	if (n == 0 || n > FLEET_GLOB_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (strchr("*?-_.", v[i]) == NULL &&
		    !(v[i] >= 'a' && v[i] <= 'z') &&
		    !(v[i] >= 'A' && v[i] <= 'Z') &&
		    !(v[i] >= '0' && v[i] <= '9'))
			return 0;
	return 1;
}

static int
state_parse(const char *v)
{
	int	i;

	for (i = 0; i < FLEET_NSTATES; i++)
		if (strcmp(v, fleet_state_names[i]) == 0)
			return i;
	return -1;
}

int
fleet_query_arg(struct fleet_query *q, const char *key, const char *v)
{
	uint64_t	n;

	if (strcmp(key, "branch") == 0 || strcmp(key, "wave") == 0) {
		if (!name_valid(v))
			return -1;
		xstrlcpy(key[0] == 'b' ? q->branch : q->wave, v, 256);
	} else if (strcmp(key, "name") == 0) {
		if (!glob_valid(v))
			return -1;
		xstrlcpy(q->name, v, sizeof q->name);
	} else if (strcmp(key, "state") == 0) {
		if ((q->state = state_parse(v)) == -1)
			return -1;
	} else if (strcmp(key, "failed") == 0) {
		if (http_arg_u64(v, 0, &q->failed) == -1 || q->failed == 0)
			return -1;
	} else if (strcmp(key, "offset") == 0) {
		if (http_arg_u64(v, 0, &q->offset) == -1 ||
		    q->offset > FLEET_OFFSET_MAX)
			return -1;
	} else if (strcmp(key, "limit") == 0) {
		if (http_arg_u64(v, 0, &q->limit) == -1 ||
		    q->limit > FLEET_LIMIT_MAX)
			return -1;
	} else if (strcmp(key, "verify") == 0) {
		if (http_arg_u64(v, 0, &n) == -1 || n > 1)
			return -1;
		q->verify = (int)n;
	} else
		return -1;
	return 0;
}

/* Iterative, with one saved star: a star only ever moves forward, so
 * no pattern makes it exponential. */
int
fleet_glob(const char *p, const char *s)
{
	const char	*star = NULL, *from = NULL;

	while (*s != '\0') {
		if (*p == '*') {
			star = p++;
			from = s;
		} else if (*p == '?' || *p == *s) {
			p++;
			s++;
		} else if (star != NULL) {
			p = star + 1;
			s = ++from;
		} else
			return 0;
	}
	while (*p == '*')
		p++;
	return *p == '\0';
}
