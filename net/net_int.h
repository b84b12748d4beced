/* net/ internals shared by its files; nobody outside net/ includes it. */
#ifndef NET_INT_H
#define NET_INT_H

#include <sys/queue.h>

#include <sodium.h>

#include "net.h"

#define NET_VERSION	2
#define NET_SESS_BUCKETS	4096
#define NET_SESS_MAX	131072	/* sender sessions remembered */
#define NET_CHALLENGE_NS	1000000000LL	/* one a second per session */
#define NET_MAX_CONNS	256
/* Mesh connections one address may hold, and how long an accepted one
 * has to finish its handshake (doc/protocol.md, "TCP streams"). */
#define NET_MAX_CONNS_PER_ADDR	16
#define NET_HANDSHAKE_SECS	5

/* Datagram types that net/ answers itself (the daemon's are below). */
#define NET_CHALLENGE	7
#define NET_ECHO	8

/* What a host signs in a stream's handshake (16 bytes). */
#define AUTH_CONTEXT	"isconf-tcp-id-v1"
#define AUTH_MSG_LEN	(16 + 2 * crypto_kx_PUBLICKEYBYTES)

/*
 * Where the handshake's identity is done elsewhere (the network
 * process, net/child.c): sign is asked for our signature over msg and
 * answers with net_conn_signed, at once or later; auth is given the
 * peer's key, its signature and what it signed, and returns 0 to go on
 * or -1 to close.
 */
typedef void (*net_sign_cb)(void *arg, struct net_conn *,
	    const uint8_t *msg);
typedef int (*net_auth_cb)(void *arg, struct net_conn *,
	    const uint8_t *pk, const uint8_t *sig, const uint8_t *msg);

struct net_key {
	char		*key;
	uint32_t	 id;	/* first 4 bytes of BLAKE2b(key); never 0 */
};

/*
 * A sender session as this host saw it: (host name, the sender's random
 * session id, the source address).  Datagrams of a session count only
 * once it is confirmed: it answered a challenge sent to that address,
 * so what it sends after that answer is new (session.c).
 */
struct net_sess {
	char			*host;
	uint64_t		 session;
	struct sockaddr_in	 addr;
	uint64_t		 last;		/* highest counter accepted */
	uint64_t		 nonce;		/* challenge outstanding, or 0 */
	int64_t			 challenged;	/* when sent */
	int			 confirmed;
	struct net_sess		*next;		/* hash chain */
	TAILQ_ENTRY(net_sess)	 lru;		/* least recently used first */
};
TAILQ_HEAD(net_sess_lru, net_sess);

struct net {
	struct event_base	*base;
	char			*domain;
	char			*host;
	struct net_key		*keys;
	size_t			 nkeys;
	int			 any;		/* +ANY+ */
	net_keys_cb		 keys_cb;
	uint64_t		 session;	/* ours, random per start */
	uint64_t		 counter;	/* ours, per datagram sent */
	net_fresh_cb		 fresh_cb;
	int			 udp_fd;
	in_port_t		 port;		/* ours, network order */
	struct event		*udp_ev;
	struct evconnlistener	*listener;
	struct event		*accept_resume;	/* after an accept error */
	int			 nconns;
	TAILQ_HEAD(, net_conn)	 accepted;	/* server side, oldest 1st */
	net_dgram_cb		 dgram_cb;
	net_frame_cb		 server_frame;
	void			*arg;
	struct net_sess		*sess[NET_SESS_BUCKETS];
	struct net_sess_lru	 sess_lru;	/* confirmed */
	struct net_sess_lru	 sess_new;	/* not yet */
	size_t			 nsess;
	/* Rate limit per log reason: udp.c's DROP_* 0-3 and 12-13, tcp.c's
	 * 4-7 and 14-17, net_reject's 8-11. */
	int64_t			 log_next[18];
	struct net_stats	 stats;
	uint8_t			 id_pk[32];
	uint8_t			 id_sk[64];
	int			 have_id;
	net_trust_cb		 trust;
	net_sign_cb		 sign_cb;
	net_auth_cb		 auth_cb;
	struct net_proxy	*proxy;		/* remote: proxy.c's state */
	int			 remote;	/* a network process does it */
};

enum conn_state { CS_HANDSHAKE, CS_HEADER, CS_AUTH, CS_FRAMES, CS_DEAD };

struct net_conn {
	struct net		*n;
	struct bufferevent	*bev;
	int			 server;
	enum conn_state		 state;
	struct sockaddr_in	 peer;
	uint8_t			 pk[crypto_kx_PUBLICKEYBYTES];
	uint8_t			 sk[crypto_kx_SECRETKEYBYTES];
	uint8_t			 peer_pk[crypto_kx_PUBLICKEYBYTES];
	uint8_t			 rx[crypto_kx_SESSIONKEYBYTES];
	uint8_t			 tx[crypto_kx_SESSIONKEYBYTES];
	crypto_secretstream_xchacha20poly1305_state push;
	crypto_secretstream_xchacha20poly1305_state pull;
	int			 push_ready;
	struct evbuffer		*pending;	/* plaintext before push */
	int			 finishing;
	struct event		*finish_ev;	/* finish outside callbacks */
	net_frame_cb		 frame_cb;
	net_close_cb		 close_cb;
	void			*arg;
	net_drain_cb		 drain_cb;
	void			*drain_arg;
	struct buf		 rbuf;		/* plaintext of the frame read */
	struct buf		 wbuf;		/* and of the frame sent */
	struct event		*hs_ev;		/* server: its deadline */
	TAILQ_ENTRY(net_conn)	 entry;		/* server: n->accepted */
	int			 signing;	/* asked n->sign_cb */
	/* A connection of the network process, seen from the parent
	 * (proxy.c): its id there and the bytes in flight. */
	int			 remote;
	uint32_t		 id;
	uint64_t		 sent;		/* payload bytes sent to it */
	uint64_t		 done;		/* of those, taken by it */
	uint64_t		 queued;	/* its own output buffer */
	size_t			 low;		/* drain watermark */
	LIST_ENTRY(net_conn)	 pentry;
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

/* session.c */
/* The session of (host, session, addr), made (evicting the least
 * recently used, unconfirmed ones first, at NET_SESS_MAX) when create
 * is set; NULL if none.  confirm: its challenge was answered. */
struct net_sess *net_sess_get(struct net *, const char *host,
	    uint64_t session, const struct sockaddr_in *, int create);
void	 net_sess_confirm(struct net *, struct net_sess *);
void	net_sess_free_all(struct net *);

/* udp.c */
struct net *net_new(struct event_base *, int port, const char *domain,
	    const char *host, net_keys_cb, net_dgram_cb, net_frame_cb,
	    void *);
void	net_start(struct net *, const int fds[2]);

/* tcp.c */
int	net_tcp_socket(const struct sockaddr_in *, int *fd, char **);
void	net_tcp_start(struct net *, int fd);
void	net_tcp_close(struct net *);
/* 0 if the peer's identity is accepted under n->trust (no policy, or a
 * trusted key whose signature over msg verifies), else -1 (counted). */
int	net_ident_check(struct net *, const struct sockaddr_in *peer,
	    const uint8_t *pk, const uint8_t *sig, const uint8_t *msg);
void	net_set_signer(struct net *, net_sign_cb, net_auth_cb);
/* Our signature (pk, sig) for c's handshake, as sign asked. */
void	net_conn_signed(struct net_conn *, const uint8_t *pk,
	    const uint8_t *sig);
void	net_conn_set_close(struct net_conn *, net_close_cb);

/* proxy.c: the parent's end of the network process. */
int	net_proxy_send(struct net *, const struct sockaddr_in *, uint8_t,
	    const void *, size_t);
int	net_proxy_broadcast(struct net *, int);
void	net_proxy_keys(struct net *);
void	net_proxy_close(struct net *);
struct net_conn *net_proxy_connect(struct net *, const struct sockaddr_in *,
	    net_frame_cb, net_close_cb, void *);
int	net_proxy_conn_send(struct net_conn *, uint8_t, const void *, size_t);
void	net_proxy_conn_finish(struct net_conn *);
void	net_proxy_conn_abort(struct net_conn *);
void	net_proxy_conn_drain(struct net_conn *);

#endif
