/*
 * isconfd internals: the daemon's context, its control clients, child
 * processes, and the verb handlers.  One libevent loop, one thread.
 */
#ifndef ISCONFD_H
#define ISCONFD_H

#include <sys/queue.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <event2/event.h>
#include <event2/buffer.h>
#include <sodium.h>

#include "util.h"
#include "proto.h"
#include "conf.h"
#include "journal.h"
#include "cache.h"
#include "rules.h"
#include "net.h"
#include "wire.h"

struct client;

/* A job that outlives its verb handler (exec, up).  The job owns itself
 * and ends by calling client_exit. */
struct client {
	struct isconfd		*d;
	int			 fd;
	struct event		*rev;
	struct event		*wev;
	struct evbuffer		*in;
	struct evbuffer		*out;
	int			 outfd;		/* client's stdout or -1 */
	int			 errfd;		/* client's stderr or -1 */
	int			 dead;		/* connection gone */
	int			 exited;	/* CTL_EXIT queued */
	int			 busy;		/* holds d->busy */
	struct request		 req;
	int			 have_req;
	struct event		*req_ev;	/* request deadline */
	/* Called once if the client shuts its end (interrupted) or goes
	 * away while the verb runs (exec); the answer still goes out. */
	void			(*cancel)(struct client *);
	void			*cancel_arg;
	TAILQ_ENTRY(client)	 entry;
};
TAILQ_HEAD(clients, client);

/* A child's end: its wait status, what it used (wait4) and the last
 * bytes of its output. */
struct rusage;
typedef void (*child_cb)(struct isconfd *, pid_t, int status,
    const struct rusage *, const struct buf *tail, void *);

struct child;
LIST_HEAD(children, child);

/* A peer as gossip tells us about it. */
struct peer {
	char			*host;
	struct sockaddr_in	 addr;
	int64_t			 last_seen;	/* ns */
	char			*branch;
	uint64_t		 applied;
	uint8_t			 applied_id[HASH_LEN];	/* that entry's id */
	uint64_t		 failed_seq;	/* its last up failed here, or 0 */
	uint32_t		 failed_status;
	uint32_t		 skipped;	/* entries it skipped (issue 16) */
	struct peer_head	*heads;
	size_t			 nheads;
	int64_t			 clock_off_ms;	/* its clock minus ours */
	TAILQ_ENTRY(peer)	 entry;
	struct peer		*hnext;		/* its peer_find bucket */
};
/* A peer's clock this far off ours is shown by status. */
#define PEER_CLOCK_OFF_MS	(60 * 1000)
TAILQ_HEAD(peers, peer);

/* The exec an up runs now, or one an earlier daemon started that is
 * still alive (upexec.c). */
struct upexec {
	char			*branch;
	uint64_t		 seq;
	char			*command;	/* entry_detail */
	pid_t			 pid;
	unsigned long long	 start;		/* /proc/PID/stat starttime */
	char			 boot[40];	/* kernel boot id */
	long long		 since;		/* epoch s */
	int			 orphan;	/* an earlier daemon's */
	int			 pidfd;		/* its leader, or -1 */
	struct event		*ev;		/* orphan: watched */
	void			(*cb)(struct isconfd *, void *,
				    const char *);
	void			*arg;
};

/* hmac_keys as net/ last got it (netkeys.c). */
struct netkeys {
	char			*path;		/* as at start-up */
	struct stat		 st;		/* the file when last read */
	int64_t			 checked;	/* last stat, ns */
	size_t			 nkeys;		/* in force */
};

struct lock_claim;
struct members;
struct lock_note;
struct sync_run;
struct serve_run;
struct have_list;
struct have_conn;
struct up_job;
struct http;
struct stmtd;
struct keepers;
struct stmtlist;
struct lockfloors;

/* Why a sync run was refused (status, /metrics). */
enum sync_refusal {
	REFUSED_UNSIGNED,	/* its tail (or a ci) not signed */
	REFUSED_CHAIN,		/* hash chain broken */
	REFUSED_STAGE_LIMIT,	/* more staged than SYNC_STAGE_MAX */
	REFUSED_BAD_SIG,	/* a signature fails or is not trusted */
	REFUSED_OTHER,
	REFUSED_NREASONS
};
extern const char *const sync_refusal_names[REFUSED_NREASONS];

/* wavenews.c: the failure last sent as news (sent set), and the rate
 * limit's window (a second) and its use. */
struct wavenews {
	int		 sent;
	uint64_t	 seq;
	int		 status;
	int64_t		 second;
	unsigned	 n;
};

struct isconfd {
	struct conf		 conf;
	const char		*maincf;	/* -c, or NULL */
	int			 foreground;
	struct event_base	*base;
	struct journal		*journal;
	struct cache		*cache;
	char			*branch;
	size_t			 hello_next;	/* peers.c, hello_heads */
	uint8_t			 pk[crypto_sign_PUBLICKEYBYTES];
	uint8_t			 sk[crypto_sign_SECRETKEYBYTES];
	int			 pid_fd;
	int			 ctl_fd;
	char			*ctl_path;
	struct event		*ctl_ev;
	struct event		*sig_ev[4];
	struct clients		 clients;
	struct children		 children;
	struct client		*busy;		/* client changing the host */
	int			 stopping;
	struct up_job		*up;		/* the up running, or NULL */
	struct upexec		*upexec;	/* its exec, or an earlier's */

	/* mesh */
	struct net		*net;
	struct stmtd		*stmt;		/* statements (stmtd.h) */
	struct stmtlist		*holds;		/* holds.c */
	struct lockfloors	*lock_floors;	/* lockstmt.c */
	struct keepers		*keepers;	/* keepers.c */
	struct wavenews		 news;		/* wavenews.c */
	struct netkeys		 netkeys;
	struct peers		 peers;
	size_t			 npeers;
	struct peer		**peer_ix;	/* peer_find's buckets */
	uint8_t			 peer_ix_key[crypto_shorthash_KEYBYTES];
	size_t			 max_peers;	/* PEERS_MAX; lower in tests */
	struct sockaddr_in	*statics;	/* from the nets file */
	size_t			 nstatics;
	struct event		*gossip_ev;
	int64_t			 gossip_ms;
	uint64_t		 gossip_ticks;
	int64_t			 forget_ms;	/* IS_PEER_FORGET_S */
	struct members		*members;	/* members.c */
	uint64_t		 lclock;	/* Lamport clock for claims */
	struct lock_claim	*claim;		/* our outstanding claim */
	struct lock_claim	*granted;	/* claims we granted */
	struct lock_note	*lock_broken;	/* our locks others broke */
	struct lock_note	*lock_released;	/* locks released lately */
	struct sync_run		*syncs;		/* running entry syncs */
	struct serve_run	*serves;	/* entries being served */
	struct bundle_job	*bundle;	/* the bundle apply running */
	unsigned int		 cache_fetches;	/* running (cacheuse.c) */
	int			 quorum;	/* IS_LOCK_QUORUM */
	struct http		*http;
	uint64_t		 replay_failures;
	uint64_t		 entries_applied;	/* since start */
	uint64_t		 chunks_served, chunk_bytes_served;
	uint64_t		 chunks_fetched, chunk_bytes_fetched;
	struct have_list	*have_lists;	/* have.c: lists loaded */
	struct have_conn	*have_conns;	/* and who asked for them */
	struct {
		uint64_t	 asked;		/* bitfields we asked for */
		uint64_t	 announced;	/* answered with a list */
		uint64_t	 haves_in;
		uint64_t	 fallback;	/* peers asked blind */
		uint64_t	 requests;	/* bitfields we answered */
		uint64_t	 haves_out;
		uint64_t	 refused;	/* malformed, either way */
	}			 have;
	struct refusal		*refusals;	/* refusal.c */
	uint64_t		 refused_total;
	uint64_t		 sync_refused[REFUSED_NREASONS];
};

/* peers.c */
int	 mesh_open(struct isconfd *, char **cause);
/* netproc.c */
int	 netproc_open(struct isconfd *, net_dgram_cb, net_frame_cb,
	    char **cause);
void	 mesh_close(struct isconfd *);
/* Tell peers our heads and locks now (after ci, unlock, sync). */
void	 mesh_announce(struct isconfd *, enum announce);
void	 mesh_send_all(struct isconfd *, uint8_t type, const struct buf *);
int	 peer_reachable(struct isconfd *, const struct peer *);
size_t	 mesh_targets(struct isconfd *, struct sockaddr_in **);
size_t	 peers_reachable(struct isconfd *);
struct peer *peer_find(struct isconfd *, const char *host);
/* Add p to the peer table (peers.c; fleet_inject.c). */
void	 peer_link(struct isconfd *, struct peer *);

/*
 * members.c: fleet-wide membership (doc/protocol.md, "Membership").
 * open loads $IS_HOME/known_peers; close saves it.  recv: a MEMBERS
 * datagram, 1 if it was a probe (greet the sender).  send: a window of
 * our direct peers to one address.  peer_added: a learned host is a
 * peer now.  hosts: the learned rows of the hosts view.
 */
int	 members_open(struct isconfd *, char **cause);
void	 members_close(struct isconfd *);
void	 members_tick(struct isconfd *);
int	 members_recv(struct isconfd *, const struct net_dgram *);
void	 members_send(struct isconfd *, const struct sockaddr_in *);
void	 members_peer_added(struct isconfd *, const char *host);
struct fleet_view;
void	 members_hosts(struct isconfd *, struct buf *, int json,
	    struct fleet_view *);
size_t	 members_learned(struct isconfd *);
void	 members_status(struct isconfd *, struct buf *, int json);
void	 members_metrics(struct isconfd *, struct buf *);

/*
 * bundle_io.c: a set of distinct chunk hashes (bundles, fetch.c).  Zero
 * it, add hashes, finish it (sort and dedupe: O(n log n)), then look
 * hashes up (O(log n)).
 */
struct hashset {
	uint8_t	(*h)[HASH_LEN];
	uint8_t	 *found;		/* per hash, for the caller */
	size_t	  n;
	size_t	  alloc;		/* hashes h has room for */
};
void	 hashset_add(struct hashset *, const uint8_t *hash);
/* Every chunk of a snap entry, or the hashes of its chunk list objects
 * (other entries add nothing). */
void	 hashset_add_snap(struct hashset *, const struct entry *);
void	 hashset_finish(struct hashset *);	/* sort, dedupe */
/* Index of hash in a finished set, or -1. */
ssize_t	 hashset_find(const struct hashset *, const uint8_t *);
void	 hashset_free(struct hashset *);

/*
 * chunklist.c: chunk list objects.  make: a snap of more than
 * SNAP_INLINE_MAX chunks gets its list objects (stored in the cache) in
 * s->lists: 0 or -1.  load: a listed snap's chunks into s->chunks from
 * the cache, each list checked by hash and the sizes against the file's:
 * 1 (also for an inline list), 0 a list object is missing, -1 corrupt
 * or an error (cause set both ways).  add: a snap entry's list objects
 * and all its chunks to hs (bundle create): 0, or -1 if a list object
 * is missing or corrupt.
 */
int	 chunklist_make(struct isconfd *, struct snap_info *, char **cause);
int	 chunklist_load(struct isconfd *, struct snap_info *, char **cause)
	    MUST_CHECK;
int	 chunklist_add(struct isconfd *, struct hashset *,
	    const struct entry *, char **cause);

/*
 * layout.c: where the configuration came from and what it leaves open.
 * mark: a home started on ISconf 4's conf/ is marked so (conf.c).
 * log: at start, say so, and warn of an open mesh (domain "default",
 * no hmac_keys).  status: the same, as lines or "is4_conf" (the
 * directory or null) and "open_mesh", with commas after.
 */
int	 layout_mark(struct isconfd *, char **cause);
void	 layout_log(struct isconfd *);
void	 layout_status(struct isconfd *, struct buf *, int json);

/* netkeys.c: hmac_keys read for net/, and again when it changes. */
int	 netkeys_open(struct isconfd *, char **cause);
/* net/'s net_keys_cb: hands net/ new keys if the file changed. */
void	 netkeys_check(void *);
void	 netkeys_close(struct isconfd *);

/*
 * refusal.c: peers that refuse what this host serves.  send: tell the
 * serving peer why we refuse its entries (ERROR).  note: a peer's ERROR
 * on a stream we serve, recorded (0, or -1 if malformed).  status: the
 * refusing peers, a "REFUSED:" line each, or "refused_by":[...],.
 */
void	 refusal_send(struct isconfd *, struct net_conn *, const char *why);
int	 refusal_note(struct isconfd *, struct net_conn *, const uint8_t *,
	    size_t);
void	 refusal_status(struct isconfd *, struct buf *, int json);

/* serve.c: answer peers' sync requests.  streaming: 1 while c carries
 * an entries stream (it and holdings both need c's drain callback). */
int	 serve_frame(void *, struct net_conn *, uint8_t, const uint8_t *,
	    size_t);
int	 serve_streaming(struct isconfd *, struct net_conn *);

/*
 * have.c: holdings told to fetching peers (doc/protocol.md).  request:
 * a F_BITFIELD request on c, answered (-1: malformed, close c).
 * serving: 1 while c has lists.  stored: the cache has a new chunk,
 * a F_HAVE to every connection whose lists name it.
 */
int	 have_request(struct isconfd *, struct net_conn *, const uint8_t *,
	    size_t);
int	 have_serving(struct isconfd *, struct net_conn *);
void	 have_stored(struct isconfd *, const uint8_t *hash);

/* sync.c: pull entries and chunks from peers. */
typedef void (*sync_done_cb)(struct isconfd *, void *arg, int answered);
void	 sync_branch(struct isconfd *, const char *branch,
	    const struct sockaddr_in *, int full);
/* Pull a branch from every reachable peer, then call cb. */
void	 sync_branch_all(struct isconfd *, const char *branch, int timeout_ms,
	    sync_done_cb, void *);
/* Fetch the chunks unapplied snaps of branch need, then call cb. */
void	 sync_chunks(struct isconfd *, const char *branch, struct client *,
	    sync_done_cb, void *);
/* The same for the entries after from (a keeper, bundle create). */
void	 sync_chunks_from(struct isconfd *, const char *branch,
	    uint64_t from, struct client *, sync_done_cb, void *);
/* Verify a run of entries (chain from parent, signatures bound to
 * branch, trust) before it is stored. */
int	 entries_verify(struct isconfd *, const char *branch,
	    const struct entry *, size_t, const uint8_t *parent,
	    char **cause);
/* The signatures of the staged entries (lo, hi) of (branch, run),
 * newest first, as entries_verify checks them; *bound (allocated) is
 * the branch they are bound to, and moves to a fork entry's parent for
 * the entries below it. */
int	 stage_verify(struct isconfd *, const char *branch, const char *run,
	    uint64_t lo, uint64_t hi, char **bound, char **cause);
/* Entries of branch were stored (a sync, a bundle; signed_for: its
 * origin): a copy may show a fork of its origin, a decision may apply. */
void	 sync_stored_news(struct isconfd *, const char *branch,
	    const char *signed_for);
/* A fork recorded on branch: 1 with its description ("SEQ ours theirs
 * BRANCH PEER", caller frees) and seq, 0 if none, -1 error. */
int	 fork_get(struct isconfd *, const char *branch, char **info,
	    uint64_t *seq, char **cause) MUST_CHECK;

/* resolve.c: deciding which side of a fork wins. */
/* As fork_get, but 0 once a decision made this host's side the
 * winner: the fork no longer stops anything. */
int	 fork_open(struct isconfd *, const char *branch, char **info,
	    uint64_t *seq, char **cause) MUST_CHECK;
/* Apply the latest decision on branch's fork, if this host holds the
 * winner: 0 (also when there is nothing to do) or -1. */
int	 resolve_apply(struct isconfd *, const char *branch, char **cause);
/* After entries of branch (origin: what its signatures were made for)
 * were stored: apply a decision they bring. */
void	 resolve_news(struct isconfd *, const char *branch,
	    const char *origin);
/* The copy that holds the losing side a host applied from entry bad
 * on: 1 and its name (the caller frees it), 0 if no fork explains
 * that entry, -1. */
int	 diverged_copy(struct isconfd *, const char *branch, uint64_t bad,
	    char **copy, char **cause) MUST_CHECK;
/* The DIVERGED line (or "diverged" member) of this host: 0 or -1. */
int	 resolve_diverged(struct isconfd *, struct buf *, int json,
	    char **cause);
/* Another host that announced applied (seq, id) on branch: 1 if that
 * is an entry of the losing side of a resolved fork, from (the fork's
 * seq) and the copy keeping that side (the caller frees it); 0, -1. */
int	 diverged_peer(struct isconfd *, const char *branch, uint64_t applied,
	    const uint8_t id[HASH_LEN], uint64_t *from, char **copy,
	    char **cause) MUST_CHECK;
/* The DIVERGED lines (or "diverged_hosts") of the other hosts. */
int	 resolve_diverged_peers(struct isconfd *, struct buf *, int json,
	    char **cause);
/* The "resolved:" line (or JSON member) of branch's decisions. */
int	 resolve_status(struct isconfd *, const char *branch, struct buf *,
	    int json, char **cause);

/* lockd.c: one lock per branch across the mesh. */
void	 lockd_claim(struct client *, const char *msg, uint64_t base_seq);
/* lockd_claim whose transaction begins with first (journaled into the
 * wip after the lock entry once the lock is held; copied). */
void	 lockd_claim_first(struct client *, const char *msg,
	    uint64_t base_seq, const struct entry *first);
void	 lockd_dgram(struct isconfd *, const struct net_dgram *);
/* ci and unlock, before they clear lock l on branch: the held
 * statement it was taken under, (e, q) (0: none kept); 0, or -1 and
 * cause if it cannot be read (the lock then stays: a release of
 * "none" would not end it elsewhere, nor raise the holder's floor). */
int	 lockd_release_prepare(struct isconfd *, const char *branch,
	    const struct jlock *l, uint64_t *e, uint64_t *q, char **cause);
/* ci and unlock: the signed RELEASE of that lock to every peer, and in
 * our hellos for a while. */
void	 lockd_announce_release(struct isconfd *, const char *branch,
	    const char *holder, int64_t lock_time, uint64_t e, uint64_t q);
/* A hello's releases (u32 n, n x blob release statement), and one a
 * peer's hello carried. */
void	 lockd_hello_releases(struct isconfd *, struct buf *);
void	 lockd_release_heard(struct isconfd *, const struct wire_lockstmt *,
	    const char *from);
/* A lock (its held statement) the hello of host from, at to, lists. */
void	 lockd_hello_lock(struct isconfd *, const struct wire_lockstmt *,
	    const struct sockaddr_in *to, const char *from);
/* 1 and *msg (the caller frees it) when another host broke the lock
 * this host held on branch since it last locked it; else 0. */
int	 lockd_broken(struct isconfd *, const char *branch, char **msg);

/* skipped.c: the entries a checked-in skip entry skips (issue 16). */
struct skips {
	struct skip_info	*v;
	uint64_t		*by;	/* the seq of the skip entry */
	size_t			 n;
	uint64_t		 upto;	/* the head when loaded */
};
/* Load the skips of branch after seq after into a zeroed (or loaded)
 * s, freed with skips_free: 0, or -1. */
int	 skips_load(struct isconfd *, const char *branch, uint64_t after,
	    struct skips *, char **cause) MUST_CHECK;
void	 skips_free(struct skips *);
/* The skips of branch that this host applied (recorded as skipped). */
int	 skips_taken(struct isconfd *, const char *branch, struct skips *,
	    char **cause) MUST_CHECK;
/* 1 and the skip's seq if a later skip entry names e (seq and id), else
 * 0. */
int	 skips_find(const struct skips *, const struct entry *, uint64_t *by);
/* Check that arg (SEQ or BRANCH:SEQ) names an entry of this host's
 * branch that may be skipped: received, a snap, exec or reboot, not
 * skipped already (checked in, or in the wip).  0 and k's seq and id
 * (reason NULL), or -1 with cause saying why not. */
int	 skip_check(struct isconfd *, const char *arg, struct skip_info *,
	    char **cause);
/* 1 if this host's transaction begins with a skip of entry seq (the
 * entry after its lock entry), 0 if not, -1. */
int	 skip_opens_wip(struct isconfd *, uint64_t seq, char **cause)
	    MUST_CHECK;

/* control.c */
int	 control_listen(struct isconfd *, char **cause);
void	 control_close(struct isconfd *);
void	 client_out(struct client *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	 client_info(struct client *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	 client_err(struct client *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
/* "isconf: hint" on stderr, even with -q: what to do after an error. */
void	 client_hint(struct client *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	 client_exit(struct client *, int status);
/* "isconf: error: cause", exit status 1. */
void	 client_fail(struct client *, const char *cause);
void	 client_progress(struct client *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
/* Send b's text to the client's stdout; frees b. */
void	 client_buf(struct client *, struct buf *b);
void	 client_reply(struct client *, int (*)(struct isconfd *,
	    struct buf *, int, char **));
/* What a builder made into b (rv 0) or its failure (rv -1, cause);
 * frees both. */
void	 client_reply_built(struct client *, int rv, struct buf *b,
	    char *cause);
/* Claim the host for a changing verb; 0, or -1 after telling the client. */
int	 client_claim(struct client *);
/* Resolve a path from the client's working directory: a new string the
 * caller frees. */
char	*client_path(struct client *, const char *);
/* The request's arguments from the from'th on, joined by spaces: a new
 * string the caller frees ("" if none). */
char	*client_args(struct client *, size_t from);

/* child.c: run argv in the directory cwdfd (the caller's, kept open). */
pid_t	 child_spawn(struct isconfd *, char *const argv[], int cwdfd,
	    int outfd, int errfd, child_cb, void *, char **cause);
/* sandbox.c: where and how a command runs inside an image. */
struct sandbox {
	const char	*root;		/* the image, an absolute real path */
	const char	*cwd;		/* inside it */
	int		 net;		/* keep the host's network */
};
pid_t	 child_spawn_in(struct isconfd *, const struct sandbox *,
	    char *const argv[], int cwdfd, int outfd, int errfd, child_cb,
	    void *, char **cause);
/* In the forked child: run argv inside sb->root; never returns. */
void	 sandbox_exec(struct isconfd *, const struct sandbox *,
	    char *const argv[], int outfd, int errfd)
	    __attribute__((noreturn));
void	 child_reap(struct isconfd *);
/* SIGTERM to the child's process group, SIGKILL after grace_s. */
int	 child_kill(struct isconfd *, pid_t, int grace_s);
int	 child_status(int wstatus);	/* exit code, 128+signal */
int	 child_termsig(int wstatus);	/* the signal that ended it, or 0 */

/* upexec.c: what /proc/PID/stat says of a process (see there); also
 * used by child.c. */
struct proc_stat {
	char			 state;		/* R, S, ..., Z, X */
	long			 pgrp;
	long			 session;
	unsigned long long	 start;		/* clock ticks since boot */
};
#define PROC_PGRP	0
#define PROC_SESSION	1
int	 proc_stat_read(pid_t, struct proc_stat *, char **cause);
int	 proc_find(int what, pid_t id, pid_t except, char **cause);

/* upexec.c: the running exec's record (see there). */
int	 upexec_open(struct isconfd *, char **cause);
void	 upexec_close(struct isconfd *);
void	 upexec_started(struct isconfd *, const char *branch, uint64_t seq,
	    const char *command, pid_t);
void	 upexec_ended(struct isconfd *);
/* An earlier run's exec has exited (why NULL), or /proc cannot tell. */
typedef void (*upexec_cb)(struct isconfd *, void *, const char *why);
int	 upexec_wait(struct isconfd *, upexec_cb, void *, char **cause);
/* The record's text: decoded into a zeroed struct (branch and command
 * allocated, freed by upexec_record_free), encoded (caller frees). */
int	 upexec_decode(const char *, struct upexec *, char **cause);
char	*upexec_encode(const struct upexec *);
void	 upexec_record_free(struct upexec *);

/* check.c: every file the daemon reads (isconfd -n, start, SIGHUP). */
int	 check_files(const struct conf *, char **cause);
void	 check_modes(const struct conf *);

/* disk.c: what the disk holds at a journaled path, beneath IS_ROOT. */
/* A regular file's content hash, as a snap's (opened O_NONBLOCK, never
 * through a link): 0, or -1 with errno. */
int	 disk_file_hash(int dirfd, const char *base, uint8_t *out);
/* path's state into a zeroed p (p->path and p->target allocated, freed
 * by the caller as a disk_info's): 0 (type 0 when absent), or -1. */
int	 disk_look(struct isconfd *, const char *path, struct disk_path *,
	    char **cause);
/* At ci: append to out the record of every path the wip's snaps
 * journaled, as the disk holds it now (nothing if none); a path that
 * cannot be looked at is left out with a warning to the client: 0. */
int	 disk_record(struct client *, const struct entry *wip, size_t nwip,
	    struct buf *out);

/* hostkey.c */
int	 hostkey_load(struct isconfd *, char **cause);
/* host.key under home as hostkey_load reads it; missing is fine. */
int	 hostkey_check(const char *home, char **cause);
void	 hostkey_sign(struct isconfd *, struct entry *, const char *branch);
int	 hostkey_verify(const struct entry *, const char *branch,
	    const uint8_t *pubkey);
/* 0 trusted, -1 not (with cause); no trusted_keys file: all trusted. */
int	 hostkey_trusted(struct isconfd *, const uint8_t *pubkey,
	    char **cause);

/* state.c: the host's branch and shared checks. */
int	 state_set_branch(struct isconfd *, const char *, char **cause);
/* The state key "WHAT:NAME" (fork:BRANCH, origin:COPY): as
 * journal_state_get and journal_state_set. */
int	 state_get_for(struct isconfd *, const char *what, const char *name,
	    char **value, char **cause) MUST_CHECK;
int	 state_set_for(struct isconfd *, const char *what, const char *name,
	    const char *value, char **cause);
/* A new entry carrying the lock's message; -1 (entry still freeable)
 * if the lock could not be read. */
int	 state_entry_init(struct isconfd *, struct client *, struct entry *,
	    enum entry_kind, char **cause) MUST_CHECK;
/* Lock held by this host on its branch: 0, else tells client, -1. */
int	 state_need_lock(struct client *, struct jlock *);
/* Refuse when this host holds uncommitted work; 0 or -1 (told). */
int	 state_no_wip(struct client *, const char *verb);
/* Path on the origin under IS_ROOT -> journal path, a new string the
 * caller frees; NULL + cause. */
char	*state_root_relative(struct isconfd *, const char *, char **cause);
/* Journal path -> the path under IS_ROOT: a new string the caller
 * frees. */
char	*state_root_path(struct isconfd *, const char *);
/* A journal path's directory (or its parent, and *base its last
 * component, which the caller frees) opened beneath IS_ROOT, never
 * through a link out of it: a descriptor, or -1 with errno and cause
 * set (and *base NULL). */
int	 state_root_opendir(struct isconfd *, const char *, char **cause);
int	 state_root_openparent(struct isconfd *, const char *, char **base,
	    char **cause);
void	 id_short(char *dst, const uint8_t *id);	/* 12 hex + NUL */

/* branch.c: what fork and migrate share. */
/* 1 if name is a valid branch name, else 0 after telling the client. */
int	 branch_name_ok(struct client *, const char *name);
/* Move this host's history (up to applied) and its branch file to a
 * branch: 0, or -1 and cause. */
int	 branch_switch(struct isconfd *, const char *to, uint64_t applied,
	    char **cause);
/* The branch the signatures of branch's entries were made for: its
 * origin if it is a fork copy, else itself.  0 and a name the caller
 * frees, or -1. */
int	 branch_origin(struct isconfd *, const char *branch, char **origin,
	    char **cause);
/* Record that copy is a fork copy of origin: 0 or -1. */
int	 branch_origin_set(struct isconfd *, const char *copy,
	    const char *origin, char **cause);
/* 1 if copy is named as a fork copy of origin (ORIGIN.fork-...). */
int	 branch_copy_of(const char *copy, const char *origin);

/* print.c: printing the verbs' tables, --json and the HTTP API share. */
/* "k":"v", and a comma if comma. */
void	 json_kv(struct buf *, const char *k, const char *v, int comma);
/* The last lines of a failed command's output, indented, one per line. */
void	 output_tail(struct buf *, const char *out, int lines);
/* An exec entry's ,"argv":[...] (nothing for other entries). */
void	 json_argv(struct buf *, const struct entry *);
/* How a command ended, for people: "exit status N", or "killed by
 * SIGNAME" when sig is not 0 (its status is then 128+sig).  Returns
 * buf. */
const char *status_why(char *buf, size_t len, int status, int sig);
/* "SIGKILL" (static storage). */
const char *sig_name(int sig);
/* ,"signal":"SIGNAME" or ,"signal":null, for JSON beside a status. */
void	 json_signal(struct buf *, int sig);
/* An entry as a log line or a JSON object, without its end (a newline,
 * or a closing brace); first: no leading comma. */
void	 print_entry(struct buf *, const struct entry *, int json, int first);

/*
 * A verb's daemon side.  daemon/VERB.c defines verb_VERB_entry, binding
 * its handler to the spec of that name in lib/verbs.c (which says how
 * many arguments it takes and whether it claims the host); control.c
 * lists the entries, and test_verbs checks that every spec has exactly
 * one entry and every entry a spec.
 */
struct verb_entry {
	const char	*name;
	void		(*exec)(struct client *);
};
/* control.c: every entry; ends with NULL. */
extern const struct verb_entry *const verb_entries[];
/* The entry called name, or NULL. */
const struct verb_entry *verb_entry_find(const char *name);

/* What verbs export to each other (bundle: its two halves). */
void	bundle_create(struct client *);
void	bundle_apply(struct client *);
void	bundle_apply_stop(struct isconfd *);
/* The up running: 0 none, else 1 with its start (epoch s), the entry
 * it is at (0: still fetching) and the head, and whether it waits for
 * an earlier run's exec. */
int	up_info(struct isconfd *, long long *since, uint64_t *seq,
	    uint64_t *head, int *waiting);
/* isconfd stops: 1 while the up's exec is being ended, else 0. */
int	up_stop(struct isconfd *);
/* upwaves.c: this host's wave ("" if none is declared); whether up may
 * start the transaction lock opens: 0 go, 1 wait (why, caller-freed;
 * with asked, the first look: *asked hosts were asked for newer
 * receipts, and when it is not 0 the verdict is taken again after
 * UPWAVES_ASK_MS without asked), -1 and cause. */
/* holds.c: fleet-wide holds (STMT_HOLDS statements).  holds_why: why
 * branch is held (caller-freed), or NULL. */
struct stmt;
void	holds_take(struct isconfd *, const struct stmt *, const char *from);
void	holds_greet(struct isconfd *, const struct sockaddr_in *to);
char	*holds_why(struct isconfd *, const char *branch);
void	holds_status(struct isconfd *, struct buf *, int json);
void	holds_free(struct isconfd *);
#define UPWAVES_ASK_MS	2000	/* the asked hosts' time to answer */
const char *upwaves_mine(struct isconfd *);
/* status: this host's wave and the list it is in (a member ending in
 * ',' for json). */
void	upwaves_status(struct isconfd *, struct buf *, int json);
int	upwaves_check(struct isconfd *, const char *branch,
	    const struct entry *lock, size_t *asked, char **why,
	    char **cause);
/* Whether entry seq of branch is in a transaction checked in with
 * waves: 1, 0 (or not held here), -1. */
int	upwaves_waved(struct isconfd *, const char *branch, uint64_t seq,
	    char **cause);
/* wavenews.c: a new failure is news (doc/design.md "Canary waves"):
 * after an up, send ours to every peer; a receipt just taken of h whose
 * failure is new here (old_seq, old_status: the one held before), pass
 * on once. */
struct stmt_host;
void	wavenews_own(struct isconfd *, int told);
void	wavenews_heard(struct isconfd *, const struct stmt_host *h,
	    uint64_t old_seq, uint32_t old_status, const char *from);
int	reboot_run(struct client *, child_cb, void *, char **cause);

/* install.c: put a snapped file, directory or link in place; at
 * start-up, remove the temporary file a crash may have left. */
int	install_snap(struct isconfd *, const struct snap_info *,
	    char **cause);
/* install_snap into root (an image) instead of IS_ROOT. */
int	install_snap_in(struct isconfd *, const char *root,
	    const struct snap_info *, char **cause);

/* image.c: checkpoint images (isconf image build, ci --test). */
#define IMAGE_HOME	IS_HOME_DEFAULT	/* the IS_HOME inside an image */
#define IMAGE_RECORD	"image"		/* in IMAGE_HOME: where it stands */
struct image_opts {
	char			*dir;		/* absolute */
	char			*base;		/* or NULL: empty */
	char			*branch;
	char			*tar;		/* or NULL */
	uint64_t		 at;		/* 0: the head */
	int			 net;
	int			 with_keys;
	const struct entry	*extra;		/* after the branch (ci --test) */
	size_t			 nextra;
};
typedef void (*image_done_cb)(struct client *, int ok, void *arg);
/* Build the image o says (o's strings are taken), then done(c, ok,
 * arg); a failure has been told to the client by then. */
void	image_build(struct client *, struct image_opts *, image_done_cb,
	    void *);
void	image_opts_free(struct image_opts *);
/* preflight.c: ci --test BASE; commit(c) checks in once the branch and
 * the transaction replayed into a scratch image from BASE. */
void	preflight_run(struct client *, const char *base,
	    void (*commit)(struct client *));
/* imagerec.c: the record (see there).  decode: 0, or -1 with cause
 * and *r zeroed; encode: the text, caller frees. */
struct image_record {
	char			 branch[256];
	uint64_t		 seq;		/* the last entry applied */
	uint8_t			 head[HASH_LEN];	/* its id */
	long long		 time;		/* of the build, epoch s */
};
int	image_record_decode(const char *, size_t, struct image_record *,
	    char **cause);
char	*image_record_encode(const struct image_record *);
void	install_cleanup(struct isconfd *);

/* report.c: the last up, as recorded in the journal's state. */
struct last_up {
	long long		 time;
	/* ok, failed, stopped, reboot, needs-reboot (a planned stop
	 * before a reboot entry), fork */
	char			 result[16];
	unsigned long long	 seq;		/* last entry reached */
	int			 status;
	int			 signal;	/* that ended it, or 0 */
	long long		 start;
	unsigned long long	 first;		/* first entry it tried */
	char			*output;	/* failed command's tail */
	char			 usage[256];	/* what the failed exec used */
};
/* 1 and the last up (u->output caller-freed), 0 if none is recorded,
 * -1 error. */
int	report_last_up(struct isconfd *, struct last_up *, char **cause)
	    MUST_CHECK;

/* wip.c: the open transaction of this host's branch, numbered as ci
 * would number it: 0 and the entries (journal_entries_free), or -1. */
int	 wip_load(struct isconfd *, struct entry **, size_t *n,
	    char **cause) MUST_CHECK;
/* Its entries for status, as text or JSON. */
int	 wip_status(struct isconfd *, struct buf *, int json, char **cause)
	    MUST_CHECK;

/* usage.c: what a run used (rusage of an exec, bytes of an install),
 * as the text kept in its history row, parsed, and shown. */
struct rusage;
enum { USAGE_NONE, USAGE_EXEC, USAGE_INSTALL };
struct usage {
	int		 kind;
	uint64_t	 user_us, sys_us, maxrss_kb, majflt, minflt;
	uint64_t	 inblock, oublock;
	uint64_t	 bytes;
};
char	*usage_exec(const struct rusage *);	/* caller frees */
char	*usage_install(uint64_t bytes);		/* caller frees */
/* 1 parsed, 0 none (NULL, "", or unknown: u zeroed). */
int	 usage_parse(const char *, struct usage *);
/* Fixed-width columns (a "-" where not measured), their header. */
void	 usage_header(struct buf *);
void	 usage_text(struct buf *, const struct usage *);
/* ,"usage":{...} or ,"usage":null */
void	 usage_json(struct buf *, const struct usage *);

/* status.c */
int	status_build(struct isconfd *, struct buf *, int json,
	    char **cause) MUST_CHECK;
/* hosts.c: this host, its peers and the hosts learned of, as a table
 * or JSON, into b (isconf hosts and /api/v1/hosts): 0, or -1 and cause.
 * The rows q asks for (fleet.h), each with the statement it rests on
 * if q->verify, and the summary (JSON; text: instead of the rows if
 * summary). */
struct fleet_query;
int	hosts_query(struct isconfd *, struct buf *, int json,
	    const struct fleet_query *, int summary, char **cause) MUST_CHECK;

/* http.c: the read-only status API, metrics and dashboard. */
int	http_open(struct isconfd *, char **cause);
void	http_close(struct isconfd *);
/* Connections refused or closed by the HTTP limits: per address,
 * full, header time-out, evicted (all 0 before the first one). */
void	http_stats(struct isconfd *, uint64_t stats[4]);
/* http_data.c: Prometheus metrics, as text, into b: 0, or -1 and cause. */
int	http_metrics(struct isconfd *, struct buf *, char **cause)
	    MUST_CHECK;
/* http_data.c: at most limit entries of branch after entry after, as
 * JSON, into b: 1, 0 if there is no such branch, -1 and cause. */
int	http_journal(struct isconfd *, const char *branch, uint64_t after,
	    uint64_t limit, struct buf *, char **cause) MUST_CHECK;
/* dashboard.c: the dashboard page. */
extern const char http_dashboard[];

/* notify.c */
void	notify_systemd(const char *);

/* isconfd.c */
void	isconfd_stop(struct isconfd *);

#ifdef ISCONF_CRASH_HOOKS
/* fleet_inject.c: ISCONF_FLEET_INJECT's hosts, in test builds only. */
int	fleet_inject(struct isconfd *, char **cause);
#endif

#endif
