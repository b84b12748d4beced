/*
 * The baseline for snap throughput: raw BLAKE2b (libsodium, the same
 * hash isconf uses) over a file, reading 1 MiB at a time.  Prints MB/s.
 */
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	crypto_generichash_state	 st;
	static unsigned char		 buf[1 << 20];
	unsigned char			 out[32];
	struct timespec			 a, b;
	long long			 total = 0;
	ssize_t				 n;
	int				 fd;

	if (argc != 2 || sodium_init() == -1 ||
	    (fd = open(argv[1], O_RDONLY)) == -1) {
		fprintf(stderr, "usage: b2sum FILE\n");
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	crypto_generichash_init(&st, NULL, 0, sizeof out);
	while ((n = read(fd, buf, sizeof buf)) > 0) {
		crypto_generichash_update(&st, buf, (size_t)n);
		total += n;
	}
	crypto_generichash_final(&st, out, sizeof out);
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("%.1f\n", total / 1e6 / ((b.tv_sec - a.tv_sec) +
	    (b.tv_nsec - a.tv_nsec) / 1e9));
	return 0;
}
