/*
 * The sender sessions this host has heard from (net_int.h), in a hash
 * table with two least-recently-used lists, at most NET_SESS_MAX of
 * them: a flood of forged or replayed sessions evicts old entries (an
 * evicted sender is challenged again), never grows memory.  Unconfirmed
 * sessions are evicted first: anyone can make one, only a key holder
 * can confirm one, so a flood without a key never evicts a real peer.
 */
#include <stdlib.h>
#include <string.h>

#include "net_int.h"

static unsigned
sess_bucket(const char *host, uint64_t session, const struct sockaddr_in *a)
{
	uint64_t	x = 5381 ^ session;

	while (*host)
		x = x * 33 + (unsigned char)*host++;
	x = x * 33 + a->sin_addr.s_addr;
	x = x * 33 + a->sin_port;
	return (unsigned)(x % NET_SESS_BUCKETS);
}

static struct net_sess_lru *
sess_list(struct net *n, const struct net_sess *s)
{
	return s->confirmed ? &n->sess_lru : &n->sess_new;
}

static void
sess_unlink(struct net *n, struct net_sess *s)
{
	struct net_sess	**pp;

	pp = &n->sess[sess_bucket(s->host, s->session, &s->addr)];
	while (*pp != s)
		pp = &(*pp)->next;
	*pp = s->next;
	TAILQ_REMOVE(sess_list(n, s), s, lru);
	n->nsess--;
	free(s->host);
	free(s);
}

/* Room for one more: the least recently used unconfirmed session
 * (replays and forgeries), else the least recently used. */
static void
sess_evict(struct net *n)
{
	struct net_sess	*victim = TAILQ_FIRST(&n->sess_new);

	if (victim == NULL)
		victim = TAILQ_FIRST(&n->sess_lru);
	sess_unlink(n, victim);
}

void
net_sess_confirm(struct net *n, struct net_sess *s)
{
	if (s->confirmed)
		return;
	TAILQ_REMOVE(&n->sess_new, s, lru);
	s->confirmed = 1;
	TAILQ_INSERT_TAIL(&n->sess_lru, s, lru);
}

struct net_sess *
net_sess_get(struct net *n, const char *host, uint64_t session,
    const struct sockaddr_in *a, int create)
{
	struct net_sess	*s;
	unsigned	 b = sess_bucket(host, session, a);

	for (s = n->sess[b]; s != NULL; s = s->next)
		if (s->session == session && s->addr.sin_addr.s_addr ==
		    a->sin_addr.s_addr && s->addr.sin_port == a->sin_port &&
		    strcmp(s->host, host) == 0) {
			TAILQ_REMOVE(sess_list(n, s), s, lru);
			TAILQ_INSERT_TAIL(sess_list(n, s), s, lru);
			return s;
		}
	if (!create)
		return NULL;
	if (n->nsess >= NET_SESS_MAX)
		sess_evict(n);
	s = xcalloc(1, sizeof *s);
	s->host = xstrdup(host);
	s->session = session;
	s->addr = *a;
	b = sess_bucket(host, session, a);
	s->next = n->sess[b];
	n->sess[b] = s;
	TAILQ_INSERT_TAIL(&n->sess_new, s, lru);
	n->nsess++;
	return s;
}

void
net_sess_free_all(struct net *n)
{
	while (!TAILQ_EMPTY(&n->sess_lru))
		sess_unlink(n, TAILQ_FIRST(&n->sess_lru));
	while (!TAILQ_EMPTY(&n->sess_new))
		sess_unlink(n, TAILQ_FIRST(&n->sess_new));
}
