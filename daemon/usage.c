/*
 * What a run used, as disco's report shows per module run (issue 20):
 * for an exec, what wait4 gives of its rusage (user and system time,
 * peak resident memory, major and minor page faults, blocks read and
 * written); for an install, the bytes written.  Kept as text beside
 * the entry's history row ("exec user_us=... ..." or "install
 * bytes=..."), so that later fields can be added and old rows (NULL)
 * still read.
 */
#include <sys/resource.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isconfd.h"

#define TV_US(tv)	((uint64_t)(tv).tv_sec * 1000000 + (uint64_t)(tv).tv_usec)

char *
usage_exec(const struct rusage *ru)
{
	char	*s;

	xasprintf(&s, "exec user_us=%llu sys_us=%llu maxrss_kb=%ld "
	    "majflt=%ld minflt=%ld inblock=%ld oublock=%ld",
	    (unsigned long long)TV_US(ru->ru_utime),
	    (unsigned long long)TV_US(ru->ru_stime), ru->ru_maxrss,
	    ru->ru_majflt, ru->ru_minflt, ru->ru_inblock, ru->ru_oublock);
	return s;
}

char *
usage_install(uint64_t bytes)
{
	char	*s;

	xasprintf(&s, "install bytes=%llu", (unsigned long long)bytes);
	return s;
}

/* The value of key= in s, or 0. */
static unsigned long long
usage_field(const char *s, const char *key)
{
	const char	*p;
	size_t		 n = strlen(key);

	for (p = s; (p = strstr(p, key)) != NULL; p += n)
		if ((p == s || p[-1] == ' ') && p[n] == '=')
			return strtoull(p + n + 1, NULL, 10);
	return 0;
}

int
usage_parse(const char *s, struct usage *u)
{
	memset(u, 0, sizeof *u);
	if (s == NULL)
		return 0;
	if (strncmp(s, "exec ", 5) == 0) {
		u->kind = USAGE_EXEC;
		u->user_us = usage_field(s, "user_us");
		u->sys_us = usage_field(s, "sys_us");
		u->maxrss_kb = usage_field(s, "maxrss_kb");
		u->majflt = usage_field(s, "majflt");
		u->minflt = usage_field(s, "minflt");
		u->inblock = usage_field(s, "inblock");
		u->oublock = usage_field(s, "oublock");
	} else if (strncmp(s, "install ", 8) == 0) {
		u->kind = USAGE_INSTALL;
		u->bytes = usage_field(s, "bytes");
	}
	return u->kind != USAGE_NONE;
}

void
usage_header(struct buf *b)
{
	buf_printf(b, "%7s %7s %8s %6s %7s %6s %6s %9s", "user_s", "sys_s",
	    "rss_kb", "majflt", "minflt", "in_blk", "outblk", "bytes");
}

void
usage_text(struct buf *b, const struct usage *u)
{
	if (u->kind == USAGE_EXEC)
		buf_printf(b, "%7.3f %7.3f %8llu %6llu %7llu %6llu %6llu %9s",
		    u->user_us / 1e6, u->sys_us / 1e6,
		    (unsigned long long)u->maxrss_kb,
		    (unsigned long long)u->majflt,
		    (unsigned long long)u->minflt,
		    (unsigned long long)u->inblock,
		    (unsigned long long)u->oublock, "-");
	else if (u->kind == USAGE_INSTALL)
		buf_printf(b, "%7s %7s %8s %6s %7s %6s %6s %9llu", "-", "-",
		    "-", "-", "-", "-", "-", (unsigned long long)u->bytes);
	else
		buf_printf(b, "%7s %7s %8s %6s %7s %6s %6s %9s", "-", "-", "-",
		    "-", "-", "-", "-", "-");
}

void
usage_json(struct buf *b, const struct usage *u)
{
	if (u->kind == USAGE_EXEC)
		buf_printf(b, ",\"usage\":{\"user_us\":%llu,\"sys_us\":%llu,"
		    "\"maxrss_kb\":%llu,\"majflt\":%llu,\"minflt\":%llu,"
		    "\"inblock\":%llu,\"oublock\":%llu}",
		    (unsigned long long)u->user_us,
		    (unsigned long long)u->sys_us,
		    (unsigned long long)u->maxrss_kb,
		    (unsigned long long)u->majflt,
		    (unsigned long long)u->minflt,
		    (unsigned long long)u->inblock,
		    (unsigned long long)u->oublock);
	else if (u->kind == USAGE_INSTALL)
		buf_printf(b, ",\"usage\":{\"bytes\":%llu}",
		    (unsigned long long)u->bytes);
	else
		buf_printf(b, ",\"usage\":null");
}
