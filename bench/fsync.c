/*
 * A baseline for the replay overhead: what one durable commit costs on
 * this disk.  Appends 8 KiB (a history commit writes two 4 KiB WAL
 * frames) to a file in DIR and fdatasync()s it, 300 times; prints the
 * median in microseconds.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define ROUNDS	300

static int
cmp(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	static char	 block[8192];
	double		 us[ROUNDS];
	struct timespec	 a, b;
	char		 path[4096];
	int		 fd, i;

	if (argc != 2) {
		fprintf(stderr, "usage: fsync DIR\n");
		return 1;
	}
	snprintf(path, sizeof path, "%s/fsync.bench", argv[1]);
	if ((fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600)) == -1) {
		perror(path);
		return 1;
	}
	memset(block, 0x5a, sizeof block);
	for (i = 0; i < ROUNDS; i++) {
		clock_gettime(CLOCK_MONOTONIC, &a);
		if (pwrite(fd, block, sizeof block, (off_t)i * sizeof block) !=
		    (ssize_t)sizeof block || fdatasync(fd) == -1) {
			perror(path);
			return 1;
		}
		clock_gettime(CLOCK_MONOTONIC, &b);
		us[i] = (b.tv_sec - a.tv_sec) * 1e6 + (b.tv_nsec - a.tv_nsec) /
		    1e3;
	}
	close(fd);
	unlink(path);
	qsort(us, ROUNDS, sizeof us[0], cmp);
	printf("%.0f\n", us[ROUNDS / 2]);
	return 0;
}
