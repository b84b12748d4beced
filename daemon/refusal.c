/*
 * Peers that refuse the entries this host serves.  Sync is a pull: a
 * peer that refuses what it pulled (a broken chain, a bad or untrusted
 * signature) used to only log it, and the serving host never knew that
 * its branch had stopped replicating (issue 14).  Now the puller sends
 * ERROR ("refused: WHY", its host name) before it closes, and the
 * server records it:
 * `status` shows each refusing peer, /metrics counts the refusals.
 * Peers older than this send nothing: their refusals stay unseen.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isconfd.h"

#define REFUSAL_PEERS	16	/* peers remembered, the latest kept */
#define REFUSAL_WHY	200

struct refusal {
	char		 peer[300];	/* host (address) */
	char		 why[REFUSAL_WHY];
	int64_t		 time;
	uint64_t	 count;
};

void
refusal_send(struct isconfd *d, struct net_conn *c, const char *why)
{
	struct buf	b;
	char		msg[REFUSAL_WHY];

	snprintf(msg, sizeof msg, "refused: %s", why);
	buf_init(&b);
	buf_add_str(&b, msg);
	buf_add_str(&b, d->conf.hostname);
	net_conn_send(c, F_ERROR, b.data, b.len);
	buf_free(&b);
}

/* The record of peer, or a free one (the oldest replaced). */
static struct refusal *
refusal_slot(struct isconfd *d, const char *peer)
{
	struct refusal	*r, *old = NULL;
	size_t		 i;

	if (d->refusals == NULL)
		d->refusals = xcalloc(REFUSAL_PEERS, sizeof *d->refusals);
	for (i = 0; i < REFUSAL_PEERS; i++) {
		r = &d->refusals[i];
		if (r->count == 0 || strcmp(r->peer, peer) == 0)
			return r;
		if (old == NULL || r->time < old->time)
			old = r;
	}
	memset(old, 0, sizeof *old);
	return old;
}

int
refusal_note(struct isconfd *d, struct net_conn *c, const uint8_t *p,
    size_t len)
{
	struct refusal	*r;
	struct rd	 rd;
	char		*why, *host, addr[INET_ADDRSTRLEN], peer[300];
	int		 rv = -1;

	/* The refusing host's name follows: its address may be any of
	 * its own (a connection is not bound to IS_BIND). */
	rd_init(&rd, p, len);
	why = rd_str(&rd, REFUSAL_WHY - 1);
	host = rd_str(&rd, 255);
	if (rd_done(&rd) == -1 || !host_name_valid(host))
		goto out;
	inet_ntop(AF_INET, &net_conn_peer(c)->sin_addr, addr, sizeof addr);
	snprintf(peer, sizeof peer, "%s (%s)", host, addr);
	r = refusal_slot(d, peer);
	snprintf(r->peer, sizeof r->peer, "%s", peer);
	snprintf(r->why, sizeof r->why, "%s", why);
	r->time = now_ns() / 1000000000;
	r->count++;
	d->refused_total++;
	log_warnx("%s refused the entries we served: %s", peer, why);
	rv = 0;
out:
	free(why);
	free(host);
	return rv;
}

void
refusal_status(struct isconfd *d, struct buf *b, int json)
{
	struct refusal	*r;
	char		 when[64];
	size_t		 i;
	int		 first = 1;

	if (json)
		buf_printf(b, "\"refused_by\":[");
	for (i = 0; d->refusals != NULL && i < REFUSAL_PEERS; i++) {
		r = &d->refusals[i];
		if (r->count == 0)
			continue;
		fmt_time(when, sizeof when, r->time);
		if (json) {
			buf_printf(b, "%s{", first ? "" : ",");
			json_kv(b, "peer", r->peer, 1);
			json_kv(b, "why", r->why, 1);
			buf_printf(b, "\"count\":%llu,\"time\":%lld}",
			    (unsigned long long)r->count, (long long)r->time);
		} else {
			buf_printf(b, "REFUSED:  by %s, %llu times, last at "
			    "%s: ", r->peer, (unsigned long long)r->count,
			    when);
			buf_add_esc(b, r->why);
			buf_add_u8(b, '\n');
		}
		first = 0;
	}
	if (json)
		buf_printf(b, "],");
}
