/*
 * The driver for make test: feed every file in the directories given
 * to LLVMFuzzerTestOneInput, once each, so that an input that once
 * crashed a target is replayed on every build (with ASan and UBSan in
 * check-sanitize).  Prints how many inputs ran; a crash aborts.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "fuzz.h"

static int
replay_file(const char *path)
{
	char	*data, *cause = NULL;
	uint8_t	*exact;
	size_t	 len;

	if (file_read(path, 64 << 20, &data, &len, &cause) != 0) {
		fprintf(stderr, "%s: %s\n", path, cause ? cause : "missing");
		free(cause);
		return -1;
	}
	/* An exact copy, as libFuzzer passes it: ASan sees any overread. */
	exact = xmalloc(len ? len : 1);
	memcpy(exact, data, len);
	free(data);
	LLVMFuzzerTestOneInput(exact, len);
	free(exact);
	return 0;
}

static int
cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
main(int argc, char **argv)
{
	struct dirent	 *de;
	DIR		 *dir;
	char		**names = NULL, *path;
	size_t		  n, i, total = 0;
	int		  a;

	for (a = 1; a < argc; a++) {
		if ((dir = opendir(argv[a])) == NULL) {
			perror(argv[a]);
			return 1;
		}
		n = 0;
		while ((de = readdir(dir)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			names = xreallocarray(names, n + 1, sizeof *names);
			names[n++] = xstrdup(de->d_name);
		}
		closedir(dir);
		qsort(names, n, sizeof *names, cmp);
		for (i = 0; i < n; i++) {
			path = path_join(argv[a], names[i]);
			if (replay_file(path) == -1)
				return 1;
			free(path);
			free(names[i]);
		}
		total += n;
	}
	free(names);
	printf("%zu inputs\n", total);
	return 0;
}
