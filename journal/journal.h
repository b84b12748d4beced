/*
 * journal/: the append-only, hash-chained, per-branch journal; the
 * work-in-progress of an open transaction; the branch lock; and this
 * host's history of applied entries.  SQLite in WAL mode, synchronous=FULL:
 * a commit that returned survives a power cut.  Depends on lib/ only.
 */
#ifndef JOURNAL_H
#define JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

#define HASH_LEN	32
#define SIG_LEN		64
#define PUBKEY_LEN	32

enum entry_kind {
	ENTRY_LOCK = 1,
	ENTRY_SNAP,
	ENTRY_EXEC,
	ENTRY_REBOOT,
	ENTRY_CI,
	ENTRY_FORK,
	ENTRY_SKIP = 7,		/* payload: skip_info */
	ENTRY_RESOLVE = 8,	/* a fork's winning side: resolve_info */
};

/*
 * One journal entry.  id = BLAKE2b-256 of the canonical encoding of every
 * field but id and sig; parent is the previous entry's id (zeros for the
 * first), so each id covers the whole history before it.  ci and fork
 * entries close a transaction and carry the origin's Ed25519 signature of
 * their id.  Strings and payload are owned by the entry (entry_free).
 */
struct entry {
	enum entry_kind	 kind;
	uint64_t	 seq;
	uint8_t		 parent[HASH_LEN];
	uint8_t		 id[HASH_LEN];
	int64_t		 time;		/* unix seconds */
	char		*host;
	char		*author;
	char		*message;
	struct buf	 payload;	/* kind-specific, see below */
	int		 has_sig;
	uint8_t		 sig[SIG_LEN];
};

/* entry.c */
/* The kind's name ("snap"), static; "?" for an unknown kind. */
const char	*entry_kind_name(enum entry_kind);
/* The kind named s, or -1 if no kind has that name. */
int		 entry_kind_parse(const char *);
/* Appends the entry's wire form to the buffer. */
void		 entry_encode(const struct entry *, struct buf *);
/* Sets e->id, the hash of the entry's wire form. */
void		 entry_compute_id(struct entry *);
/* Decode and recompute the id: never trusts a stored or received id.
 * 0 and the entry (the caller frees it with entry_free), or -1 with
 * cause set and nothing to free. */
int		 entry_decode(const uint8_t *, size_t, struct entry *,
		    char **cause);
/* Frees what an entry holds (not the struct itself). */
void		 entry_free(struct entry *);
/* A deep copy, freed with entry_free. */
void		 entry_copy(struct entry *dst, const struct entry *src);
/*
 * Bytes an Ed25519 signature covers: a context string, the id, and a hash
 * of the branch the entry was checked in on.  Entries are not bound to a
 * branch by their ids (a fork copies them), so the signature binds them:
 * entries before a fork entry were signed for the fork's parent branch.
 */
#define SIG_CONTEXT	"isconf-head-v1\0"	/* 16 bytes with the NUL */
#define SIG_MSG_LEN	(16 + 2 * HASH_LEN)
void		 entry_sig_message(const struct entry *, const char *branch,
		    uint8_t out[SIG_MSG_LEN]);

/* payload.c: kind-specific payloads. */
enum snap_type { SNAP_FILE = 1, SNAP_DIR, SNAP_SYMLINK };
struct snap_owner {
	uint32_t	 mode;		/* including setuid, setgid, sticky */
	uint32_t	 uid;
	uint32_t	 gid;
	char		*user;
	char		*group;
};
struct snap_parent {
	char			*path;
	struct snap_owner	 own;
};
struct chunk_ref {
	uint8_t		 hash[HASH_LEN];
	uint32_t	 len;
};
/*
 * A long chunk list is content-addressed data of its own, so that an
 * entry stays small whatever the file's size: the snap carries the
 * hashes of "chunk list" objects, stored and fetched like chunks, each
 * the encoding of up to SNAP_LIST_MAX chunk_refs (chunk_list_encode).
 */
struct chunk_list_ref {
	uint8_t		 hash[HASH_LEN];
	uint32_t	 nchunks;	/* chunk_refs in the list object */
};
#define SNAP_INLINE_MAX		32	/* chunks journaled inline at most */
#define CHUNK_REF_LEN		(HASH_LEN + 4)
#define SNAP_LIST_MAX		((1024 * 1024) / CHUNK_REF_LEN)
#define SNAP_MAX_LISTS		1024
struct snap_info {
	char			*path;		/* absolute, relative to IS_ROOT */
	enum snap_type		 type;
	struct snap_owner	 own;
	int64_t			 mtime_sec;
	uint32_t		 mtime_nsec;
	uint64_t		 size;
	uint8_t			 hash[HASH_LEN];	/* whole content */
	char			*target;	/* symlink target */
	struct chunk_ref	*chunks;	/* inline, or once loaded */
	size_t			 nchunks;
	struct chunk_list_ref	*lists;		/* a listed chunk list */
	size_t			 nlists;
	struct snap_parent	*parents;	/* outermost first */
	size_t			 nparents;
};
struct exec_info {
	char	 *cwd;		/* relative to IS_ROOT, absolute form */
	char	**argv;
	size_t	  argc;
};
struct sig_info {
	uint8_t	 pubkey[PUBKEY_LEN];
	char	*parent_branch;	/* fork only */
};
/* A decision on a fork of branch: the side whose entry at seq is
 * winner wins.  The only entry of a branch BRANCH.resolve-ID.  order
 * (ns since the epoch, after any decision its maker knew of) says
 * which decision is later; 0 in decisions written before it existed,
 * which end where winner does. */
struct resolve_info {
	uint8_t	 pubkey[PUBKEY_LEN];
	char	*branch;
	uint64_t seq;
	uint8_t	 winner[HASH_LEN];
	uint64_t order;
};

/*
 * The encoders append to the buffer.  The decoders return 0 and a filled
 * struct, which the caller frees (snap_info_free, exec_info_free; a
 * sig_info's parent_branch with free), or -1 with nothing to free (a
 * payload that is malformed or too long).
 */
void	snap_encode(const struct snap_info *, struct buf *);
int	snap_decode(const struct buf *, struct snap_info *);
void	snap_info_free(struct snap_info *);
/* A chunk list object: n chunk_refs.  The decoder appends the n refs
 * the object must hold to out (room for n): 0, or -1 if it does not
 * hold exactly n.  total receives the sum of their lengths. */
void	chunk_list_encode(const struct chunk_ref *, size_t n, struct buf *);
int	chunk_list_decode(const uint8_t *, size_t, size_t n,
	    struct chunk_ref *out, uint64_t *total);
void	exec_encode(const struct exec_info *, struct buf *);
int	exec_decode(const struct buf *, struct exec_info *);
void	exec_info_free(struct exec_info *);
void	sig_encode(const struct sig_info *, struct buf *);
int	sig_decode(const struct buf *, struct sig_info *);
void	resolve_encode(const struct resolve_info *, struct buf *);
int	resolve_decode(const struct buf *, struct resolve_info *);
/* 1 if entries of the kind must be signed (ci, fork, resolve). */
#define entry_signed_kind(k) \
	((k) == ENTRY_CI || (k) == ENTRY_FORK || (k) == ENTRY_RESOLVE)
/* The key a signed entry (ci, fork, resolve) names as its signer: 0,
 * or -1 if it names none. */
int	entry_signer(const struct entry *, uint8_t pubkey[PUBKEY_LEN]);
/*
 * skip: entry seq (whose id is id) of the same branch is not applied by
 * a host that reaches it after this skip is checked in; reason is the
 * skip's own words ("" if none).  skip_decode refuses seq 0 and a
 * reason longer than 64 KiB.
 */
struct skip_info {
	uint64_t	 seq;
	uint8_t		 id[HASH_LEN];
	char		*reason;
};
void	skip_encode(const struct skip_info *, struct buf *);
int	skip_decode(const struct buf *, struct skip_info *);
void	skip_info_free(struct skip_info *);
/*
 * disk.c: what the origin's disk held at ci, after the transaction's
 * execs ran, at each path it snapped (type 0: absent; hash: a file's
 * content, as a snap's; target: a symlink's).  It follows the signer's
 * key in a ci entry's payload (absent from ci entries written before
 * it, and from fork entries).  disk_decode refuses no records, more
 * than DISK_MAX_PATHS, a path that is not absolute or holds "..", a
 * mode beyond 07777, a target on anything but a symlink, bytes after
 * the records.  ci_disk_decode: a ci payload's records, 1; 0 if it has
 * none; -1 malformed.  Both fill a zeroed struct, freed with
 * disk_info_free, and leave nothing to free on -1.
 */
#define DISK_MAX_PATHS	65536
struct disk_path {
	char		*path;
	enum snap_type	 type;		/* 0: absent */
	uint32_t	 mode;
	uint32_t	 uid;
	uint32_t	 gid;
	uint64_t	 size;
	uint8_t		 hash[HASH_LEN];
	char		*target;
};
struct disk_info {
	struct disk_path	*v;
	size_t			 n;
};
void	disk_encode(const struct disk_info *, struct buf *);
int	disk_decode(const uint8_t *, size_t, struct disk_info *);
/* The same from r, leaving what follows the records unread. */
int	disk_decode_rd(struct rd *, struct disk_info *);
int	ci_disk_decode(const struct buf *, struct disk_info *);
void	disk_info_free(struct disk_info *);
/*
 * The origin's IS_WAVES at ci (issue 25): after the disk record, or
 * after the signer's key if there is none, a tag no disk record starts
 * with (its count is at most DISK_MAX_PATHS), then u8 count (1 to
 * CI_WAVES_MAX) and each wave's name (a valid name, at most 64 bytes,
 * no two the same).  ci_waves_decode: 1 and the list; 0 if the ci has
 * none (older, or checked in without IS_WAVES); -1 malformed.  Fills a
 * zeroed struct, freed with ci_waves_free (nothing to free on -1).
 */
#define CI_WAVES_TAG	0xffffff57u
#define CI_WAVES_MAX	16
struct ci_waves {
	char	**names;
	size_t	  n;
};
void	ci_waves_encode(const struct ci_waves *, struct buf *);
int	ci_waves_decode(const struct buf *, struct ci_waves *);
void	ci_waves_free(struct ci_waves *);
/* 1 if p is absolute and holds no ".." component (payload.c). */
int	journal_path_safe(const char *p);
/* One line describing an entry's path or command, for log and status:
 * a new string the caller frees, "" when there is nothing to say. */
char	*entry_detail(const struct entry *);
/* 1 if the payload of an entry decodes for its kind, else 0. */
int	entry_payload_valid(const struct entry *);

/* journal.c */
struct journal;

struct jhead {
	uint64_t	seq;			/* 0: empty branch */
	uint8_t		id[HASH_LEN];		/* zeros when empty */
};

struct jlock {
	char		*host;
	char		*author;
	char		*message;
	int64_t		 time;
	uint64_t	 base_seq;	/* head when taken */
};

struct japplied {
	uint64_t	 seq;
	uint8_t		 id[HASH_LEN];	/* the entry applied */
	int64_t		 time;
	int		 status;	/* JA_SKIPPED: skipped, not run */
	int64_t		 duration_ms;
	char		 usage[256];	/* what the run used, or "" */
};
/* The history status of an entry skipped (skip entries): an exit status
 * is never negative. */
#define JA_SKIPPED	(-1)

/*
 * Reads return -1 on an error (cause set: "reading the head of branch
 * main: disk I/O error"), never "nothing there"; a lookup returns 0 when
 * what it looks for is absent and 1 when it filled the result.
 */
/* 0 and the journal (created if need be), or -1. */
int	 journal_open(const char *path, struct journal **, char **cause);
void	 journal_close(struct journal *);

/* 1 if the branch exists, 0 if not, -1. */
int	 journal_branch_exists(struct journal *, const char *,
	    char **cause) MUST_CHECK;
/* 0 (also if it existed), or -1. */
int	 journal_branch_create(struct journal *, const char *, char **cause);
/* 0 and every branch's name, sorted: the caller frees each name and the
 * array; or -1 and none. */
int	 journal_branches(struct journal *, char ***names, size_t *n,
	    char **cause) MUST_CHECK;
/* 0 and the head (seq 0, zero id for an empty branch), or -1. */
int	 journal_head(struct journal *, const char *, struct jhead *,
	    char **cause) MUST_CHECK;
/* 1 and the entry, 0 if there is no such entry, -1 if it could not be
 * read or is corrupt. */
int	 journal_get(struct journal *, const char *branch, uint64_t seq,
	    struct entry *, char **cause) MUST_CHECK;
/*
 * Append entries to a branch in one transaction.  Each must extend the
 * head (seq, parent).  JA_CI also clears the branch's wip and lock and
 * JA_APPLIED records the entries in this host's history, in the same
 * transaction: the origin of a ci has already made its changes.
 */
#define JA_CI		0x1
#define JA_APPLIED	0x2
/* 0, or -1 and nothing appended. */
int	 journal_append(struct journal *, const char *branch,
	    const struct entry *, size_t n, int flags, char **cause);
/* Copy branch from's entries 1..upto to a new branch to, then append
 * the fork entry, all in one transaction: 0, or -1 and no new branch. */
int	 journal_fork(struct journal *, const char *from, const char *to,
	    uint64_t upto, const struct entry *fork, char **cause);

/* Work in progress: entries without seq or parent until ci.  0 or -1. */
int	 journal_wip_add(struct journal *, const char *branch,
	    const struct entry *, char **cause);
/* The same with what running it used (NULL: nothing); ci moves it into
 * the history of the origin. */
int	 journal_wip_add_usage(struct journal *, const char *branch,
	    const struct entry *, const char *usage, char **cause);
/* 0 and the branch's wip in order (the caller frees them with
 * journal_entries_free), or -1 and none. */
int	 journal_wip_list(struct journal *, const char *branch,
	    struct entry **, size_t *n, char **cause) MUST_CHECK;
/* Frees n entries and the array. */
void	 journal_entries_free(struct entry *, size_t);

/* The lock on a branch as this host knows it: 1 held (l filled, the
 * caller frees it with jlock_free), 0 free, -1 error. */
int	 journal_lock_get(struct journal *, const char *, struct jlock *,
	    char **cause) MUST_CHECK;
/* Take the lock (an error if the branch has one) and start the wip
 * with lockentry unless it is NULL: 0 or -1. */
int	 journal_lock_set(struct journal *, const char *, const struct jlock *,
	    const struct entry *lockentry, char **cause);
/* Record another host's lock (no wip), replacing what we knew: 0 or
 * -1. */
int	 journal_lock_put(struct journal *, const char *, const struct jlock *,
	    char **cause);
/* Release the lock and discard the wip (unlock): 0 or -1. */
int	 journal_lock_clear(struct journal *, const char *, char **cause);
/* Frees what a jlock holds (not the struct itself). */
void	 jlock_free(struct jlock *);

/* History: what this host applied.  0 and the highest seq applied (0:
 * none), or -1. */
int	 journal_applied(struct journal *, const char *, uint64_t *seq,
	    char **cause) MUST_CHECK;
/* 1 and the record of entry seq, 0 if this host did not apply it, -1. */
int	 journal_applied_get(struct journal *, const char *, uint64_t seq,
	    struct japplied *, char **cause) MUST_CHECK;
/* What applying entry seq used (text; see daemon/usage.c): 0 or -1. */
int	 journal_set_usage(struct journal *, const char *branch, uint64_t seq,
	    const char *usage, char **cause);
/* Record that this host applied the entry, with its status: 0 or -1. */
int	 journal_mark_applied(struct journal *, const char *,
	    const struct entry *, int status, int64_t duration_ms,
	    char **cause);
/* 0 and the entries of the branch of one kind after seq after, in
 * order (the caller frees them with journal_entries_free), or -1. */
int	 journal_list_kind(struct journal *, const char *branch,
	    enum entry_kind, uint64_t after, struct entry **, size_t *n,
	    char **cause) MUST_CHECK;
/* 0 if every entry this host applied on hist_branch up to upto stands at
 * the same seq with the same id on branch; else 1 and the first seq
 * that does not; -1 on an error. */
int	 journal_history_matches(struct journal *, const char *hist_branch,
	    const char *branch, uint64_t upto, uint64_t *first_bad,
	    char **cause) MUST_CHECK;
/* 1 and the first seq at which branches a and b hold different
 * entries, 0 if they agree wherever both have one, -1. */
int	 journal_first_diff(struct journal *, const char *a, const char *b,
	    uint64_t *seq, char **cause) MUST_CHECK;
/*
 * A fork resolved for the other side: in one transaction, keep branch's
 * entries as branch loser (made if it does not exist), then replace
 * branch's entries from seq on with those of branch winner.  Nothing
 * is deleted that is not kept in loser.  0 or -1 and nothing changed.
 */
int	 journal_take_side(struct journal *, const char *branch,
	    const char *winner, const char *loser, uint64_t seq,
	    char **cause);
/* Move this host's history of branch from seq on, where it does not
 * match branch's entries, to branch to: 0 or -1. */
int	 journal_history_move(struct journal *, const char *branch,
	    const char *to, uint64_t seq, char **cause);
/* Copy the history of from up to upto to branch to (a fork): 0 or -1. */
int	 journal_history_copy(struct journal *, const char *from,
	    const char *to, uint64_t upto, char **cause);

/*
 * Staging (stage.c): entries received but not yet covered by a verified
 * signature, on disk under (branch, run) and never seen as journal
 * entries.  The caller checks that they chain before it stages them.
 */
struct jstage {
	uint64_t	first, last;		/* seqs staged */
	uint64_t	n, bytes;		/* rows, encoded bytes */
	uint8_t		parent[HASH_LEN];	/* of the first */
	uint8_t		last_id[HASH_LEN];
};
/* Stage entries in one transaction: 0 or -1 and none staged. */
int	 journal_stage_put(struct journal *, const char *branch,
	    const char *run, const struct entry *, size_t n, char **cause);
/* 1 and the staged entry at seq (entry_free), 0 if none, -1. */
int	 journal_stage_get(struct journal *, const char *branch,
	    const char *run, uint64_t seq, struct entry *,
	    char **cause) MUST_CHECK;
/* 1 and what (branch, run) holds, 0 if nothing, -1. */
int	 journal_stage_span(struct journal *, const char *branch,
	    const char *run, struct jstage *, char **cause) MUST_CHECK;
/* fn on each staged entry lo < seq < hi, newest first: the signed ones
 * (kind 0) or those of a kind.  Stops at fn's -1 and returns it; 0. */
typedef int (*journal_stage_cb)(void *arg, const struct entry *,
    char **cause);
int	 journal_stage_walk(struct journal *, const char *branch,
	    const char *run, uint64_t lo, uint64_t hi, int kind,
	    journal_stage_cb fn, void *arg, char **cause) MUST_CHECK;
/*
 * Append to branch target the staged entries of (branch, run) up to
 * upto, then the n entries es (which follow them), in one transaction,
 * and unstage them.  Entries target already has (the same id at the
 * same seq: another run stored them) are skipped; one that disagrees
 * or does not extend its head fails it.  0, or -1 and nothing changed.
 */
int	 journal_stage_commit(struct journal *, const char *branch,
	    const char *run, const char *target, uint64_t upto,
	    const struct entry *es, size_t n, char **cause);
/* fn on each entry of a kind with lo < seq <= hi, oldest first, in one
 * query (its signature not loaded).  Stops at fn's -1; 0. */
int	 journal_walk_kind(struct journal *, const char *branch, uint64_t lo,
	    uint64_t hi, int kind, journal_stage_cb fn, void *arg,
	    char **cause) MUST_CHECK;
/* Unstage everything of (branch, run): 0 or -1. */
int	 journal_stage_drop(struct journal *, const char *branch,
	    const char *run, char **cause);
/* What each (branch, run) holds staged, for status and metrics. */
struct jstaged {
	char		*branch;
	char		*run;
	uint64_t	 n, bytes;
};
int	 journal_stage_list(struct journal *, struct jstaged **, size_t *n,
	    char **cause) MUST_CHECK;
void	 journal_stage_list_free(struct jstaged *, size_t);
/* Unstage every run whose last row was staged before the time: the
 * number of rows removed, or -1. */
int	 journal_stage_expire(struct journal *, int64_t before, char **cause);

/* Key/value state (pending reboot, last up result): 1 and a copy the
 * caller frees in *value, 0 if unset (*value NULL), -1 error. */
int	 journal_state_get(struct journal *, const char *key, char **value,
	    char **cause) MUST_CHECK;
/* Set key to a copy of value, replacing it: 0 or -1. */
int	 journal_state_set(struct journal *, const char *key,
	    const char *value, char **cause);
/* Every key starting with prefix (not empty), in key order, and its
 * value: 0 with n pairs in *keys and *values (the caller frees them
 * with journal_state_list_free), or -1. */
int	 journal_state_list(struct journal *, const char *prefix,
	    char ***keys, char ***values, size_t *n, char **cause) MUST_CHECK;
void	 journal_state_list_free(char **keys, char **values, size_t n);

#endif
