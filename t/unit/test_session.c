/*
 * Unit tests: the table of sender sessions (net/session.c).  A flood
 * of sessions anyone can forge (unconfirmed) never evicts one a key
 * holder confirmed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "net_int.h"

static struct net	n;

static struct sockaddr_in
addr(uint32_t i)
{
	struct sockaddr_in	a;

	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(0x7f000000u | (i >> 16));
	a.sin_port = htons((uint16_t)i);
	return a;
}

static void
test_flood_keeps_confirmed(void **state)
{
	struct sockaddr_in	a;
	uint32_t		i;

	(void)state;
	TAILQ_INIT(&n.sess_lru);
	TAILQ_INIT(&n.sess_new);
	/* More confirmed peers than the old eviction looked past. */
	for (i = 0; i < 100; i++) {
		a = addr(i);
		net_sess_confirm(&n, net_sess_get(&n, "peer", i, &a, 1));
	}
	for (i = 0; i < NET_SESS_MAX + 1000; i++) {
		a = addr(1000 + i);
		assert_non_null(net_sess_get(&n, "forged", i, &a, 1));
	}
	assert_int_equal(n.nsess, NET_SESS_MAX);
	for (i = 0; i < 100; i++) {
		a = addr(i);
		assert_non_null(net_sess_get(&n, "peer", i, &a, 0));
	}
	/* The oldest forgeries went first. */
	a = addr(1000);
	assert_null(net_sess_get(&n, "forged", 0, &a, 0));
	net_sess_free_all(&n);
	assert_int_equal(n.nsess, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flood_keeps_confirmed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
