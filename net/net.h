/*
 * net/: moves authenticated bytes between peers, and nothing else.  It
 * never opens the journal or the cache: the daemon registers callbacks
 * ("a datagram of type T from host H", "a request frame on connection
 * C") and hands net/ the bytes to send.  Depends on lib/ only: the
 * daemon reads hmac_keys and hands net/ the parsed keys (net_set_keys).
 *
 * UDP datagrams (gossip): header, body, HMAC-SHA256 under the first
 * hmac key, with a key id so a receiver tries one key.  Each sender
 * numbers its datagrams within a random session; a receiver believes a
 * session's datagrams only after the session answered a challenge sent
 * to its address, and only those numbered after that answer: replays
 * and relays are refused without memory across restarts or clocks.
 *
 * TCP streams (sync): an ephemeral X25519 exchange (crypto_kx) whose
 * messages are MAC'd with the domain's HMAC key, then one
 * crypto_secretstream per direction carrying length-prefixed frames.
 */
#ifndef NET_H
#define NET_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

#include "util.h"

#define NET_MAX_DGRAM	1400
#define NET_MAX_FRAME	(1100 * 1024)	/* a chunk (1 MiB) and its header */
#define NET_MAC_LEN	32
/* NET_MAX_FRAME, or lower in a test build ($ISCONF_MAX_FRAME). */
#define net_max_frame()	TEST_KNOB("ISCONF_MAX_FRAME", NET_MAX_FRAME)

/* Counters for bad input and traffic, shown by status and metrics. */
struct net_stats {
	uint64_t	dgram_in;
	uint64_t	dgram_out;
	uint64_t	bytes_in;
	uint64_t	bytes_out;
	uint64_t	drop_malformed;
	uint64_t	drop_auth;
	uint64_t	drop_domain;
	uint64_t	drop_replay;
	uint64_t	drop_body;	/* the daemon's: see net_reject */
	uint64_t	drop_type;
	uint64_t	drop_peers_full;
	uint64_t	drop_moved;
	uint64_t	drop_unconfirmed;	/* session not yet confirmed */
	uint64_t	drop_relayed;	/* a challenge answered via a relay */
	uint64_t	tcp_accepted;
	uint64_t	tcp_refused;	/* all refused, as below */
	/* Mesh connections refused or closed before their handshake. */
	uint64_t	tcp_refused_addr;	/* the per-address limit */
	uint64_t	tcp_refused_full;	/* every slot handshaked */
	uint64_t	tcp_evicted;	/* the oldest one still in it */
	uint64_t	tcp_hs_timeout;	/* not done within the deadline */
	uint64_t	type_in[32];	/* accepted datagrams by type */
	uint64_t	type_out[32];
	uint64_t	type_bytes_in[32];
	uint64_t	type_bytes_out[32];
};

struct net;

/* A received, authenticated datagram. */
struct net_dgram {
	uint8_t			 type;
	const char		*host;		/* sender's host name */
	struct sockaddr_in	 from;
	const uint8_t		*body;
	size_t			 len;
	int64_t			 sent_ms;	/* the sender's clock */
};
typedef void (*net_dgram_cb)(void *arg, const struct net_dgram *);
/*
 * A sender session (host at from) has just answered our challenge: its
 * datagrams count from now on.  The daemon may greet it (the datagram
 * that made us ask was dropped).
 */
typedef void (*net_fresh_cb)(void *arg, const char *host,
    const struct sockaddr_in *from);
void	 net_set_fresh_cb(struct net *, net_fresh_cb);

struct net_conn;
/* A decrypted frame: type and payload.  Return -1 to close. */
typedef int (*net_frame_cb)(void *arg, struct net_conn *, uint8_t type,
    const uint8_t *, size_t);
/* The connection is closed (error is NULL on a clean end).  After this
 * callback the connection is freed. */
typedef void (*net_close_cb)(void *arg, struct net_conn *,
    const char *error);

/*
 * The host's identity for streams: each side's first frame carries its
 * Ed25519 key and a signature over both ends' exchange keys.  trust
 * returns 1 when there is no policy (any key), 0 for a trusted key, -1
 * for any other.
 */
typedef int (*net_trust_cb)(void *arg, const uint8_t *pubkey);
void	 net_set_identity(struct net *, const uint8_t *pk, const uint8_t *sk,
	    net_trust_cb);

/* A datagram's header, parsed; make fuzz and udp.c use it. */
struct net_hdr {
	uint8_t		 type;
	uint32_t	 keyid;
	uint64_t	 session;
	uint64_t	 counter;
	uint64_t	 time_ms;
	char		*domain;
	char		*host;
	const uint8_t	*body;
	size_t		 len;
	size_t		 signed_len;	/* bytes the HMAC covers */
};
int	 net_dgram_parse(const uint8_t *, size_t, struct net_hdr *);
void	 net_hdr_free(struct net_hdr *);
/* The bodies of the two datagrams net/ answers itself: a challenge
 * (nonce) and its echo (nonce, where the challenge came from and where
 * it reached the echoing host, as that host saw them).  0 or -1. */
int	 net_challenge_parse(const uint8_t *, size_t, uint64_t *nonce);
int	 net_echo_parse(const uint8_t *, size_t, uint64_t *nonce,
	    struct sockaddr_in *seen, struct sockaddr_in *reached);

/* A stream's handshake message, parsed (tcp.c says what it holds). */
struct net_hs {
	size_t		 total;		/* its length */
	uint32_t	 keyid;
	const uint8_t	*pk;		/* 32 bytes */
	const uint8_t	*domain;	/* the client's, dlen bytes */
	size_t		 dlen;
	const uint8_t	*mac;
};
int	 net_hs1_parse(const uint8_t *, size_t, struct net_hs *);
int	 net_hs2_parse(const uint8_t *, size_t, struct net_hs *);

/*
 * Called with net_open's arg before each use of the HMAC keys (a
 * datagram sent or received, a connection made or accepted), so that
 * the daemon can hand over new ones (net_set_keys) when hmac_keys
 * changed.  It must be cheap.
 */
typedef void (*net_keys_cb)(void *arg);

/* Open UDP and TCP on bind:port, with no HMAC keys yet. */
int	 net_open(struct event_base *, const char *bind, int port,
	    const char *domain, const char *host, net_keys_cb,
	    net_dgram_cb, net_frame_cb server_frame, void *arg,
	    struct net **, char **cause);
/*
 * The same, done by an unprivileged network process (proxy.c and
 * child.c): the sockets are bound here and lent to it; home is where
 * its empty chroot directory is.  The struct net is used as net_open's.
 */
int	 net_open_proxy(struct event_base *, const char *bind, int port,
	    const char *domain, const char *host, const char *home,
	    net_keys_cb, net_dgram_cb, net_frame_cb server_frame, void *arg,
	    struct net **, char **cause);
/* Bind the two sockets (UDP fds[0], TCP fds[1]) of bind:port. */
int	 net_sockets(const char *bind, int port, int fds[2], char **cause);
/*
 * The network process's program (isconfd-net, whose main calls
 * net_child_main), as an open descriptor: net_open_proxy's children
 * are that descriptor fexecve'd.  Set before net_open_proxy.
 */
void	 net_proxy_program(int fd);
/*
 * After the first net_set_keys on net_open_proxy's net: -1 and a cause
 * if that first network process is not serving (it could not be
 * started, exited or was silent before its READY), so that isconfd
 * does not start at all rather than retry for ever; 0 otherwise, and
 * for net_open's.  Later children are restarted with backoff.
 */
int	 net_proxy_started(struct net *, char **cause);
/*
 * The network process: its program runs it, started with argv[0]
 * NET_CHILD_TITLE (and NET_CHILD_ENV set), on descriptors 3 (the
 * parent), 4 (UDP) and 5 (TCP).  sandbox drops its privileges once
 * its sockets are served (0, or -1 and a cause: it exits).  Does not
 * return.
 */
#define NET_CHILD_TITLE	"isconfd: network"
#define NET_CHILD_ENV	"ISCONF_NET_CHILD"
typedef int (*net_sandbox_fn)(const char *home, char **cause);
void	 net_child_main(net_sandbox_fn) __attribute__((noreturn));
void	 net_close(struct net *);
struct net_stats *net_stats(struct net *);
/*
 * The HMAC keys in force, replacing the last ones: the first key signs,
 * every key verifies, any (+ANY+) turns checking off but not signing,
 * no keys at all means no authentication.  net/ keeps copies (wiped
 * when replaced or closed); the caller's keys stay the caller's.
 */
void	 net_set_keys(struct net *, char *const *keys, size_t nkeys,
	    int any);
int	 net_broadcast_ok(struct net *, int);

/*
 * Authenticated datagrams the daemon refuses: a body that does not
 * decode, a type it does not know, a hello from a new host while the
 * peer table is full, a datagram from another address of a peer that
 * is still heard from at its own.  Counted in net_stats, logged at most once per
 * 10 s per reason.
 */
enum net_reject {
	NET_REJECT_BODY, NET_REJECT_TYPE, NET_REJECT_PEERS_FULL,
	NET_REJECT_MOVED
};
void	 net_reject(struct net *, enum net_reject, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/* Send one datagram (body up to NET_MAX_DGRAM minus the header). */
int	 net_send(struct net *, const struct sockaddr_in *, uint8_t type,
	    const void *, size_t);

/* Connect to a peer; frames arrive through the callbacks. */
struct net_conn *net_connect(struct net *, const struct sockaddr_in *,
	    net_frame_cb, net_close_cb, void *arg);
int	 net_conn_send(struct net_conn *, uint8_t type, const void *, size_t);
/* Close after queued frames are written. */
void	 net_conn_finish(struct net_conn *);
void	 net_conn_abort(struct net_conn *);
void	*net_conn_arg(struct net_conn *);
void	 net_conn_set_arg(struct net_conn *, void *);
const struct sockaddr_in *net_conn_peer(struct net_conn *);
size_t	 net_conn_pending(struct net_conn *);	/* bytes queued to send */
/*
 * Backpressure for a long answer: drain(arg, c, 0) is called each time
 * the bytes queued to send fall to low or below, and drain(arg, c, 1)
 * once when the connection goes (then c is freed).  A NULL drain stops
 * both.
 */
typedef void (*net_drain_cb)(void *arg, struct net_conn *, int closed);
void	 net_conn_set_drain(struct net_conn *, size_t low, net_drain_cb,
	    void *arg);

#endif
