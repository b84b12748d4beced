/*
 * For the unit tests that check that a simulation and the daemon make
 * the same decisions because both call the same functions
 * (test_samerules, test_waves): the functions a header declares and
 * whether an object under the build directory calls one (nm -u).  Run
 * from the source tree; the build directory comes from the binary's
 * path (BUILD/t/unit/NAME).  Header-only: each test includes it once.
 */
#ifndef CALLS_H
#define CALLS_H

/* The functions starting with prefix that header declares, into names
 * (the declarations that start a line). */
static size_t
calls_declared(const char *header, const char *prefix, char names[][64],
    size_t max)
{
	FILE	*f = fopen(header, "r");
	char	 line[512], *p, *e;
	size_t	 n = 0;

	assert_non_null(f);
	while (fgets(line, sizeof line, f) != NULL && n < max) {
		if ((p = strstr(line, prefix)) == NULL ||
		    (e = strchr(p, '(')) == NULL || line[0] == ' ' ||
		    line[0] == '/' || line[0] == '#')
			continue;
		snprintf(names[n++], 64, "%.*s", (int)(e - p), p);
	}
	fclose(f);
	return n;
}

/* 1 if object (under build) calls name. */
static int
calls_object(const char *build, const char *object, const char *name)
{
	char	 cmd[8192], line[256];
	size_t	 len = strlen(name), l;
	FILE	*p;
	int	 found = 0;

	snprintf(cmd, sizeof cmd, "nm -u '%s/%s'", build, object);
	assert_non_null(p = popen(cmd, "r"));
	while (fgets(line, sizeof line, p) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		l = strlen(line);
		if (l > len && strcmp(line + l - len, name) == 0 &&
		    line[l - len - 1] == ' ')
			found = 1;
	}
	assert_int_equal(pclose(p), 0);
	return found;
}

/* BUILD/t/unit/NAME -> BUILD */
static void
calls_build_dir(char *build, size_t len, const char *argv0)
{
	char	*s;

	snprintf(build, len, "%s", argv0);
	if ((s = strstr(build, "/t/unit/")) != NULL)
		*s = '\0';
}

#endif
