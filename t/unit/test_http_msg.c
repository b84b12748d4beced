/* Unit tests: the HTTP child's messages (daemon/http_msg.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "util.h"
#include "http_msg.h"

static void
sample(struct http_req *req)
{
	memset(req, 0, sizeof *req);
	req->id = 7;
	req->head = 1;
	req->stats[3] = 42;
	req->path = "/api/v1/hosts";
	req->auth = "Bearer x";
	req->args[0].key = "state";
	req->args[0].value = "failed";
	req->args[1].key = "verify";
	req->nargs = 2;
}

static void
test_req_round_trip(void **state)
{
	struct http_req	 req, got;
	struct buf	 b;
	char		*cause = NULL;

	(void)state;
	sample(&req);
	buf_init(&b);
	http_req_encode(&req, &b);
	assert_int_equal(get_u32(b.data), b.len - 4);
	memset(&got, 0, sizeof got);
	assert_int_equal(http_req_decode(b.data + 4, b.len - 4, &got, &cause),
	    0);
	assert_int_equal(got.id, 7);
	assert_int_equal(got.head, 1);
	assert_int_equal(got.stats[3], 42);
	assert_string_equal(got.path, "/api/v1/hosts");
	assert_string_equal(got.auth, "Bearer x");
	assert_int_equal(got.nargs, 2);
	assert_string_equal(http_req_arg(&got, "state"), "failed");
	assert_null(http_req_arg(&got, "verify"));	/* no '=' */
	assert_null(http_req_arg(&got, "absent"));
	http_req_free(&got);
	/* Every shorter message is refused, and one byte more too. */
	for (size_t n = 0; n < b.len - 4; n++) {
		memset(&got, 0, sizeof got);
		assert_int_equal(http_req_decode(b.data + 4, n, &got, &cause),
		    -1);
		free(cause);
		cause = NULL;
	}
	buf_add_u8(&b, 0);
	assert_int_equal(http_req_decode(b.data + 4, b.len - 4, &got, &cause),
	    -1);
	free(cause);
	buf_free(&b);
}

static void
test_req_bounds(void **state)
{
	struct http_req	 req, got;
	struct buf	 b;
	char		*cause = NULL, path[HTTP_MSG_MAX_PATH + 2];

	(void)state;
	sample(&req);
	req.path = "no-slash";
	buf_init(&b);
	http_req_encode(&req, &b);
	memset(&got, 0, sizeof got);
	assert_int_equal(http_req_decode(b.data + 4, b.len - 4, &got, &cause),
	    -1);
	free(cause);
	cause = NULL;
	memset(path, 'a', sizeof path - 1);
	path[0] = '/';
	path[sizeof path - 1] = '\0';
	req.path = path;
	buf_reset(&b);
	http_req_encode(&req, &b);
	assert_int_equal(http_req_decode(b.data + 4, b.len - 4, &got, &cause),
	    -1);
	free(cause);
	cause = NULL;
	sample(&req);
	req.nargs = HTTP_MSG_MAX_ARGS + 1;
	for (size_t i = 0; i < req.nargs; i++) {
		req.args[i % HTTP_MSG_MAX_ARGS].key = "k";
		req.args[i % HTTP_MSG_MAX_ARGS].value = "v";
	}
	req.nargs = HTTP_MSG_MAX_ARGS;
	buf_reset(&b);
	http_req_encode(&req, &b);
	/* The count byte one over the maximum. */
	b.data[4 + 1 + 4 + 1 + 32 + 4 + strlen(req.path) + 1 + 4 +
	    strlen(req.auth)] = HTTP_MSG_MAX_ARGS + 1;
	assert_int_equal(http_req_decode(b.data + 4, b.len - 4, &got, &cause),
	    -1);
	free(cause);
	buf_free(&b);
}

static void
test_rep(void **state)
{
	struct http_rep	 rep = { 9, 404, "application/json",
			    (uint8_t *)"{}\n", 3 }, got;
	struct buf	 b;
	char		*cause = NULL;

	(void)state;
	buf_init(&b);
	http_rep_encode(&rep, &b);
	memset(&got, 0, sizeof got);
	assert_int_equal(http_rep_decode(b.data + 4, b.len - 4, &got, &cause),
	    0);
	assert_int_equal(got.id, 9);
	assert_int_equal(got.status, 404);
	assert_string_equal(got.type, "application/json");
	assert_int_equal(got.len, 3);
	assert_memory_equal(got.body, "{}\n", 3);
	http_rep_free(&got);
	rep.status = 99;
	buf_reset(&b);
	http_rep_encode(&rep, &b);
	assert_int_equal(http_rep_decode(b.data + 4, b.len - 4, &got, &cause),
	    -1);
	free(cause);
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_req_round_trip),
		cmocka_unit_test(test_req_bounds),
		cmocka_unit_test(test_rep),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
