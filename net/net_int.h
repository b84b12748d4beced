/* net/ internals shared by its files; nobody outside net/ includes it. */
#ifndef NET_INT_H
#define NET_INT_H

#include <sodium.h>

#include "net.h"

#define NET_VERSION	1
#define NET_REPLAY_WINDOW_NS	(120LL * 1000000000LL)
#define NET_REPLAY_BUCKETS	1024
#define NET_MAX_CONNS	256

struct net_key {
	char		*key;
	uint32_t	 id;	/* first 4 bytes of BLAKE2b(key); never 0 */
};

struct replay_ent {
	char			*host;
	uint64_t		 last;
	struct replay_ent	*next;
};

struct net {
	struct event_base	*base;
	char			*domain;
	char			*host;
	struct net_key		*keys;
	size_t			 nkeys;
	int			 any;		/* +ANY+ */
	net_keys_cb		 keys_cb;
	uint64_t		 last_counter;
	int			 udp_fd;
	struct event		*udp_ev;
	struct evconnlistener	*listener;
	struct event		*accept_resume;	/* after an accept error */
	int			 nconns;
	net_dgram_cb		 dgram_cb;
	net_frame_cb		 server_frame;
	void			*arg;
	struct replay_ent	*replay[NET_REPLAY_BUCKETS];
	size_t			 nreplay;
	int64_t			 log_next[16];	/* rate limit per reason */
	struct net_stats	 stats;
	uint8_t			 id_pk[32];
	uint8_t			 id_sk[64];
	int			 have_id;
	net_trust_cb		 trust;
};

/* keys.c */
void	net_keys_free(struct net *);
/* Before each use of the keys: lets the daemon hand over new ones. */
void	net_keys_check(struct net *);
/* HMAC-SHA256 of data under key. */
void	net_mac(const char *key, const uint8_t *, size_t, uint8_t *mac);
/* The key to sign with, or NULL (no keys: unauthenticated). */
const struct net_key *net_sign_key(struct net *);
/* 0 if mac verifies under keyid (or checking is off), else -1. */
int	net_verify(struct net *, uint32_t keyid, const uint8_t *, size_t,
	    const uint8_t *mac);
/* Log at most once per 10 s per reason. */
void	net_drop(struct net *, int reason, uint64_t *counter,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* tcp.c */
int	net_tcp_listen(struct net *, const struct sockaddr_in *, char **);
void	net_tcp_close(struct net *);

#endif
