/* Unit tests: chunk cache put/get, dedup, corruption, chunking. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <sodium.h>
#include <sqlite3.h>

#include "util.h"
#include "cache.h"

static char	dbpath[64];

static struct cache *
open_tmp(void)
{
	struct cache	*c;
	char		*cause = NULL;
	int		 fd;

	xstrlcpy(dbpath, "/tmp/isconf-cache-XXXXXX", sizeof dbpath);
	fd = mkstemp(dbpath);
	close(fd);
	assert_int_equal(cache_open(dbpath, &c, &cause), 0);
	return c;
}

static void
close_tmp(struct cache *c)
{
	char	p[128];

	cache_close(c);
	unlink(dbpath);
	snprintf(p, sizeof p, "%s-wal", dbpath);
	unlink(p);
	snprintf(p, sizeof p, "%s-shm", dbpath);
	unlink(p);
}

static void
test_put_get_dedup(void **state)
{
	struct cache	*c = open_tmp();
	uint8_t		 h1[32], h2[32], text[10000];
	struct buf	 out;
	char		*cause = NULL;
	int		 added;
	uint64_t	 n, bytes;

	(void)state;
	memset(text, 'x', sizeof text);		/* compressible */
	assert_int_equal(cache_put(c, text, sizeof text, h1, &added, &cause),
	    0);
	assert_int_equal(added, 1);
	assert_int_equal(cache_put(c, text, sizeof text, h2, &added, &cause),
	    0);
	assert_int_equal(added, 0);
	assert_memory_equal(h1, h2, 32);
	cache_stats(c, &n, &bytes);
	assert_int_equal(n, 1);
	assert_int_equal(bytes, sizeof text);
	buf_init(&out);
	assert_int_equal(cache_get(c, h1, &out, &cause), 0);
	assert_int_equal(out.len, sizeof text);
	assert_memory_equal(out.data, text, sizeof text);
	h2[0] ^= 1;
	assert_int_equal(cache_get(c, h2, &out, &cause), 1);
	buf_free(&out);
	close_tmp(c);
}

static void
test_corruption(void **state)
{
	struct cache	*c = open_tmp();
	uint8_t		 h[32], rnd[5000];
	struct buf	 out;
	sqlite3		*db;
	char		*cause = NULL;
	int		 added;

	(void)state;
	randombytes_buf(rnd, sizeof rnd);	/* stored raw */
	assert_int_equal(cache_put(c, rnd, sizeof rnd, h, &added, &cause), 0);
	assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "UPDATE chunks SET data = "
	    "zeroblob(5000)", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	buf_init(&out);
	assert_int_equal(cache_get(c, h, &out, &cause), -1);
	assert_non_null(strstr(cause, "corrupt"));
	free(cause);
	buf_free(&out);
	close_tmp(c);
}

static int
tmpfile_with(const uint8_t *p, size_t n)
{
	char	path[] = "/tmp/isconf-data-XXXXXX";
	int	fd = mkstemp(path);

	unlink(path);
	assert_int_equal(write(fd, p, n), (ssize_t)n);
	lseek(fd, 0, SEEK_SET);
	return fd;
}

static void
test_chunking_shares(void **state)
{
	struct cache		*c = open_tmp();
	struct cache_file	 f1, f2;
	size_t			 size = 16u << 20;
	uint8_t			*data = xmalloc(size), whole[32];
	char			*cause = NULL;
	int			 fd;

	(void)state;
	randombytes_buf(data, size);
	fd = tmpfile_with(data, size);
	assert_int_equal(cache_put_fd(c, fd, &f1, &cause), 0);
	close(fd);
	assert_int_equal(f1.size, size);
	assert_int_equal(f1.new_bytes, size);
	assert_true(f1.nchunks > 16 && f1.nchunks < 256);
	crypto_generichash(whole, 32, data, size, NULL, 0);
	assert_memory_equal(whole, f1.hash, 32);
	/* Change 1 MiB in the middle, and insert 100 bytes near the start. */
	randombytes_buf(data + size / 2, 1u << 20);
	memmove(data + 1100, data + 1000, size - 1100);
	fd = tmpfile_with(data, size);
	assert_int_equal(cache_put_fd(c, fd, &f2, &cause), 0);
	close(fd);
	assert_true(f2.new_bytes <= (3u << 20));
	cache_file_free(&f1);
	cache_file_free(&f2);
	free(data);
	close_tmp(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put_get_dedup),
		cmocka_unit_test(test_corruption),
		cmocka_unit_test(test_chunking_shares),
	};

	if (sodium_init() == -1)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
