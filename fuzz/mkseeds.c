/*
 * Write the binary seed inputs of t/fuzz/ with the real encoders (make
 * fuzz-seeds): one valid input of each kind for the fuzzers to mutate.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "journal.h"
#include "proto.h"
#include "wire.h"
#include "stmt.h"
#include "msg.h"

#include <sodium.h>
#include "isconfd.h"

#include <zlib.h>

static void
seed(const char *target, const char *name, const struct buf *b)
{
	char	*path, *cause = NULL;

	xasprintf(&path, "t/fuzz/%s/%s", target, name);
	if (file_write_atomic(path, b->data, b->len, 0644, &cause) == -1)
		fatalx("%s", cause);
	free(path);
}

/* One message of each kind between isconfd and its network process. */
static void
netmsg_seeds(void)
{
	static const uint8_t	 keys[] = "key-one\0key-two";
	uint8_t			 data[NMSG_IDENT_LEN];
	struct nmsg		 m;
	struct buf		 b, all;
	static const uint8_t	 types[] = { NMSG_P_INIT, NMSG_P_KEYS,
	    NMSG_P_SEND, NMSG_P_CONNECT, NMSG_P_CSEND, NMSG_P_FINISH,
	    NMSG_P_ABORT, NMSG_P_DRAIN, NMSG_P_SIGNED, NMSG_P_TEST,
	    NMSG_P_BCAST, NMSG_C_DGRAM, NMSG_C_FRESH, NMSG_C_ACCEPT,
	    NMSG_C_FRAME, NMSG_C_CLOSED, NMSG_C_WRITTEN, NMSG_C_SIGN,
	    NMSG_C_IDENT, NMSG_C_READY };
	char			 name[32];
	size_t			 i;
	uint8_t			 t;

	memset(data, 7, sizeof data);
	memcpy(data, NMSG_AUTH_CONTEXT, 16);
	buf_init(&b);
	buf_init(&all);
	for (i = 0; i < sizeof types; i++) {
		t = types[i];
		memset(&m, 0, sizeof m);
		m.type = t;
		m.id = t;
		m.addr.sin_family = AF_INET;
		m.addr.sin_addr.s_addr = htonl(0x7f000001);
		m.addr.sin_port = htons(9999);
		m.t = 3;
		m.a = 1234;
		m.b = 5678;
		xstrlcpy(m.s, "host-a", sizeof m.s);
		xstrlcpy(m.s2, "example.com", sizeof m.s2);
		m.data = data;
		m.len = t == NMSG_P_SIGNED ? 96 : t == NMSG_C_SIGN ?
		    NMSG_AUTH_LEN : t == NMSG_C_IDENT ? NMSG_IDENT_LEN :
		    40;
		if (t == NMSG_P_KEYS) {
			m.data = keys;
			m.len = sizeof keys;
		}
		buf_reset(&b);
		nmsg_encode(&b, &m);
		snprintf(name, sizeof name, "type%u", t);
		seed("netmsg", name, &b);
		/* And all of them one after the other, as read. */
		nmsg_encode(&all, &m);
	}
	seed("netmsg", "stream", &all);
	buf_free(&all);
	buf_free(&b);
}

/* The same bundle gzip-compressed, as bundle create writes it. */
static void
bundle_gz(const struct buf *b)
{
	gzFile	gz;

	if ((gz = gzopen("t/fuzz/bundle/gzip", "wb")) == NULL ||
	    gzwrite(gz, b->data, (unsigned)b->len) != (int)b->len ||
	    gzclose(gz) != Z_OK)
		fatalx("t/fuzz/bundle/gzip");
}

/* A datagram as net_send frames it (no HMAC: key id 0). */
static void
dgram_seed(const char *name, uint8_t type, const struct buf *body)
{
	struct buf	b;

	buf_init(&b);
	buf_add(&b, "ISC", 3);
	buf_add_u8(&b, 2);
	buf_add_u8(&b, type);
	buf_add_u32(&b, 0);
	buf_add_u64(&b, 0x1234567890abcdefULL);	/* session */
	buf_add_u64(&b, 7);				/* counter */
	buf_add_u64(&b, 1700000000000ULL);		/* clock, ms */
	buf_add_str(&b, "example.com");
	buf_add_str(&b, "host2");
	buf_add_blob(&b, body->data, body->len);
	seed("udp", name, &b);
	buf_free(&b);
}

static void
frame_seed(const char *name, uint8_t type, const struct buf *body)
{
	struct buf	b;

	buf_init(&b);
	buf_add_u8(&b, type);
	buf_add(&b, body->data, body->len);
	seed("frame", name, &b);
	buf_free(&b);
}

/* The lock statements signed (claim, held, release), for the lock
 * datagrams and the hello (wire_seeds). */
static struct buf	lock_stmts[3];

/* Statements (fuzz_stmt): each kind signed in a MSG_STMT body, a want;
 * and the receipt as a whole datagram (fuzz_udp). */
static void
stmt_seed(const char *name, uint8_t kind, const struct buf *body)
{
	static uint8_t	pk[crypto_sign_PUBLICKEYBYTES];
	static uint8_t	sk[crypto_sign_SECRETKEYBYTES];
	struct buf	one, list;

	if (pk[0] == 0 && pk[1] == 0)
		crypto_sign_seed_keypair(pk, sk, (const uint8_t *)
		    "isconf fuzz seeds: fixed key...");
	buf_init(&one);
	stmt_sign(&one, kind, "host2", pk, sk, 1700000000, 1, "example.com",
	    body->data, body->len);
	buf_init(&list);
	buf_add_u8(&list, 1);
	buf_add_blob(&list, one.data, one.len);
	seed("stmt", name, &list);
	if (kind >= STMT_LOCK_CLAIM && kind <= STMT_LOCK_RELEASE) {
		buf_init(&lock_stmts[kind - STMT_LOCK_CLAIM]);
		buf_add(&lock_stmts[kind - STMT_LOCK_CLAIM], one.data,
		    one.len);
	}
	if (strcmp(name, "receipt") == 0)
		dgram_seed("stmt", MSG_STMT, &list);
	buf_free(&one);
	buf_free(&list);
}

static void
stmt_seeds(void)
{
	struct stmt_receipt	rc;
	struct stmt_lock	l;
	struct stmt_want	w;
	struct buf		b;
	uint8_t			kind;
	const char		*names[] = { "", "", "claim", "held", "release" };

	if (sodium_init() == -1)
		fatalx("sodium_init");
	buf_init(&b);
	memset(&rc, 0, sizeof rc);
	rc.branch = "main";
	rc.applied = 12;
	memset(rc.applied_id, 0x3c, sizeof rc.applied_id);
	rc.failed_seq = 13;
	rc.failed_status = 2;
	rc.wave = "canary";
	stmt_receipt_encode(&rc, &b);
	stmt_seed("receipt", STMT_RECEIPT, &b);
	rc.failed_seq = rc.failed_status = 0;
	rc.waiting = 13;
	rc.held = 1;
	rc.why = "main is held by root@host1 since 2023-11-14 22:13: looking";
	buf_reset(&b);
	stmt_receipt_encode(&rc, &b);
	stmt_seed("receipt-held", STMT_RECEIPT, &b);
	memset(&l, 0, sizeof l);
	l.branch = "main";
	l.clock = 4;
	l.base_seq = 12;
	l.author = "root";
	l.message = "new ssh config";
	l.time = 1700000000;
	l.holder = "host2";
	l.held_epoch = 1700000000;
	l.held_seq = 1;
	for (kind = STMT_LOCK_CLAIM; kind <= STMT_LOCK_RELEASE; kind++) {
		buf_reset(&b);
		stmt_lock_encode(kind, &l, &b);
		stmt_seed(names[kind], kind, &b);
	}
	buf_reset(&b);
	stmt_hold_encode(&(struct stmt_hold){ "main", 1, "root",
	    "web3 fails: looking", 1700000000 }, &b);
	stmt_seed("hold", STMT_HOLDS, &b);
	buf_reset(&b);
	stmt_holdings_encode(&(struct stmt_holdings){ "main", 100,
	    { 7, 7, 7 }, 1700000000000LL }, &b);
	stmt_seed("holdings", STMT_HOLDINGS, &b);
	memset(&w, 0, sizeof w);
	w.issuer = "host3";
	w.kind = STMT_RECEIPT;
	w.epoch = 1700000000;
	w.seq = 2;
	buf_reset(&b);
	stmt_want_encode(&w, 1, &b);
	seed("stmt", "want", &b);
	dgram_seed("stmt-want", MSG_STMT_WANT, &b);
	buf_free(&b);
}

static void
wire_seeds(const struct buf *entry)
{
	struct buf	b;
	uint8_t		hash[HASH_LEN] = { 1, 2, 3 };

	buf_init(&b);
	buf_add_str(&b, "main");		/* hello */
	buf_add_u64(&b, 3);
	buf_add(&b, hash, HASH_LEN);		/* the entry applied */
	buf_add_u64(&b, 0);
	buf_add_u32(&b, 0);
	buf_add_u32(&b, 1);			/* skipped */
	buf_add_u32(&b, 1);
	buf_add_str(&b, "main");
	buf_add_u64(&b, 3);
	buf_add(&b, hash, HASH_LEN);
	buf_add_u32(&b, 1);			/* a lock: held */
	buf_add_blob(&b, lock_stmts[1].data, lock_stmts[1].len);
	buf_add_u32(&b, 1);			/* a release */
	buf_add_blob(&b, lock_stmts[2].data, lock_stmts[2].len);
	dgram_seed("hello", MSG_HELLO, &b);
	buf_reset(&b);
	buf_add_blob(&b, lock_stmts[0].data, lock_stmts[0].len);
	dgram_seed("claim", MSG_CLAIM, &b);
	buf_reset(&b);
	buf_add_str(&b, "main");		/* grant, deny */
	buf_add_u64(&b, 12);
	buf_add_str(&b, "host1");
	dgram_seed("grant", MSG_GRANT, &b);
	buf_add_str(&b, "host3");
	buf_add_str(&b, "carol");
	buf_add_str(&b, "other work");
	buf_add_u64(&b, 1700000000);
	buf_add_str(&b, "");
	dgram_seed("deny", MSG_DENY, &b);
	buf_reset(&b);
	buf_add_blob(&b, lock_stmts[1].data, lock_stmts[1].len);
	dgram_seed("locked", MSG_LOCKED, &b);
	buf_reset(&b);
	buf_add_blob(&b, lock_stmts[2].data, lock_stmts[2].len);
	dgram_seed("release", MSG_RELEASE, &b);
	buf_reset(&b);
	buf_add_u64(&b, 0x0102030405060708ULL);	/* challenge, echo */
	dgram_seed("challenge", 7, &b);
	buf_add(&b, "\177\0\0\2", 4);
	buf_add(&b, "\376\3", 2);
	dgram_seed("echo", 8, &b);

	buf_reset(&b);
	buf_add_str(&b, "main");
	buf_add_u64(&b, 2);
	frame_seed("get_entries", F_GET_ENTRIES, &b);
	buf_reset(&b);
	buf_add_u64(&b, 102);			/* the server's head */
	frame_seed("end", F_END, &b);
	buf_reset(&b);
	buf_add(&b, hash, HASH_LEN);
	frame_seed("get_chunk", F_GET_CHUNK, &b);
	frame_seed("nochunk", F_NOCHUNK, &b);
	buf_add_blob(&b, "data", 4);
	frame_seed("chunk", F_CHUNK, &b);
	buf_reset(&b);
	buf_add_blob(&b, entry->data, entry->len);
	buf_add_u8(&b, 1);
	buf_add(&b, hash, HASH_LEN);
	buf_add(&b, hash, HASH_LEN);
	frame_seed("entry", F_ENTRY, &b);
	buf_reset(&b);
	buf_add_str(&b, "webserver");
	frame_seed("origin", F_ORIGIN, &b);
	buf_reset(&b);				/* holdings */
	buf_add_u8(&b, 1);
	buf_add_str(&b, "main");
	buf_add_u64(&b, 7);
	buf_add(&b, hash, HASH_LEN);
	frame_seed("bitfield_req", F_BITFIELD, &b);
	buf_reset(&b);
	buf_add_u8(&b, 1);
	buf_add_u32(&b, 11);
	buf_add(&b, "\xfb\x05", 2);
	frame_seed("bitfield", F_BITFIELD, &b);
	buf_reset(&b);
	buf_add_u8(&b, 3);
	buf_add_u32(&b, 10);
	frame_seed("have", F_HAVE, &b);

	buf_reset(&b);				/* control request */
	buf_add_u32(&b, CTL_REQUEST);
	buf_add_u32(&b, 0);
	buf_add_u32(&b, CTL_VERSION);
	buf_add_u32(&b, CTL_F_TTY);
	buf_add_str(&b, "/root");
	buf_add_str(&b, "alice");
	buf_add_u32(&b, 2);
	buf_add_str(&b, "snap");
	buf_add_str(&b, "/etc/motd");
	put_u32(b.data + 4, (uint32_t)(b.len - CTL_HDR_LEN));
	seed("ctl", "snap", &b);

	buf_reset(&b);				/* stream handshake */
	buf_add(&b, "ISCT", 4);
	buf_add_u8(&b, 1);
	buf_add_u32(&b, 7);
	buf_add(&b, hash, HASH_LEN);
	buf_add_str(&b, "example.com");
	buf_add(&b, hash, HASH_LEN);
	seed("handshake", "hello", &b);
	buf_reset(&b);
	buf_add(&b, "ISCT", 4);
	buf_add_u8(&b, 1);
	buf_add_u32(&b, 0);
	buf_add(&b, hash, HASH_LEN);
	buf_add(&b, hash, HASH_LEN);
	seed("handshake", "answer", &b);

	buf_reset(&b);				/* a bundle: one entry, a chunk */
	buf_add(&b, "ISCONF-BUNDLE\n", 14);
	buf_add_u32(&b, 1);
	buf_add_str(&b, "example.com");
	buf_add_str(&b, "main");
	buf_add_u64(&b, 1);
	buf_add_blob(&b, entry->data, entry->len);
	buf_add_u8(&b, 1);
	buf_add(&b, hash, HASH_LEN);
	buf_add(&b, hash, HASH_LEN);
	buf_add_u64(&b, 1);
	buf_add(&b, hash, HASH_LEN);
	buf_add_blob(&b, "data", 4);
	buf_add_u8(&b, 0);
	seed("bundle", "plain", &b);
	bundle_gz(&b);
	buf_free(&b);
}

/* MEMBERS bodies: two records, and a probe (none). */
static void
members_seeds(void)
{
	struct wire_member	m[2];
	struct buf		b;

	memset(m, 0, sizeof m);
	xstrlcpy(m[0].host, "host3", sizeof m[0].host);
	m[0].addr = htonl(0x7f000003);
	m[0].port = htons(65027);
	m[0].age_s = 12;
	xstrlcpy(m[1].host, "web-01.example.com", sizeof m[1].host);
	m[1].addr = htonl(0x0a000001);
	m[1].port = htons(65027);
	m[1].age_s = 86399;
	buf_init(&b);
	wire_members_encode(&b, m, 2);
	seed("members", "two", &b);
	dgram_seed("members", MSG_MEMBERS, &b);
	buf_reset(&b);
	wire_members_encode(&b, m, 0);
	seed("members", "probe", &b);
	buf_free(&b);
}

static void
entry_seed(const char *name, enum entry_kind kind, const struct buf *pl,
    struct buf *out)
{
	struct entry	e;
	struct buf	b;

	memset(&e, 0, sizeof e);
	e.kind = kind;
	e.seq = 7;
	memset(e.parent, 0xab, HASH_LEN);
	e.time = 1700000000;
	e.host = "host1";
	e.author = "alice";
	e.message = "a change";
	if (pl != NULL)
		e.payload = *pl;
	buf_init(&b);
	entry_encode(&e, &b);
	seed("entry", name, &b);
	if (out != NULL)
		buf_add(out, b.data, b.len);
	buf_free(&b);
}

/* A ci's record of the origin's disk: a file, an absent path, a
 * symlink; alone (fuzz_disk) and after a ci's key (fuzz_sig). */
static void
disk_seeds(struct buf *b)
{
	struct disk_path	p[3];
	struct disk_info	k = { p, 3 };
	struct sig_info		g;
	char			*names[] = { "canary", "early", "rest" };
	struct ci_waves		w = { names, 3 };

	memset(p, 0, sizeof p);
	p[0].path = "/tmp/app.conf";
	p[0].type = SNAP_FILE;
	p[0].mode = 0600;
	p[0].size = 3;
	memset(p[0].hash, 0x11, HASH_LEN);
	p[0].target = "";
	p[1].path = "/tmp/foo-1.2.tar.gz";
	p[1].target = "";
	p[2].path = "/etc/link";
	p[2].type = SNAP_SYMLINK;
	p[2].target = "app.conf";
	disk_encode(&k, b);
	seed("disk", "records", b);
	buf_reset(b);
	memset(&g, 0, sizeof g);
	g.parent_branch = "";
	sig_encode(&g, b);
	disk_encode(&k, b);
	seed("sig", "ci-disk", b);
	entry_seed("ci-disk", ENTRY_CI, b, NULL);
	/* The origin's waves after the disk record, and alone. */
	ci_waves_encode(&w, b);
	seed("sig", "ci-disk-waves", b);
	entry_seed("ci-disk-waves", ENTRY_CI, b, NULL);
	buf_reset(b);
	sig_encode(&g, b);
	ci_waves_encode(&w, b);
	seed("sig", "ci-waves", b);
	entry_seed("ci-waves", ENTRY_CI, b, NULL);
	buf_reset(b);
}

/* An image's record: mid-branch, and an image of no entry yet. */
static void
image_seeds(void)
{
	struct image_record	 r;
	struct buf		 b;
	char			*text;

	memset(&r, 0, sizeof r);
	xstrlcpy(r.branch, "generic", sizeof r.branch);
	r.seq = 7;
	memset(r.head, 0xab, HASH_LEN);
	r.time = 1700000000;
	buf_init(&b);
	text = image_record_encode(&r);
	buf_add(&b, text, strlen(text));
	seed("image", "record", &b);
	free(text);
	buf_reset(&b);
	memset(&r, 0, sizeof r);
	xstrlcpy(r.branch, "web.prod-2", sizeof r.branch);
	text = image_record_encode(&r);
	buf_add(&b, text, strlen(text));
	seed("image", "empty", &b);
	free(text);
	buf_free(&b);
}

int
main(void)
{
	struct snap_info	s;
	struct snap_parent	par[2];
	struct chunk_ref	ch[2];
	struct exec_info	x;
	struct sig_info		g;
	struct resolve_info	ri;
	struct skip_info	k;
	char			*argv[] = { "sh", "-c", "echo hi", NULL };
	struct buf		b, ent;

	buf_init(&b);
	memset(&s, 0, sizeof s);
	memset(par, 0, sizeof par);
	memset(ch, 0, sizeof ch);
	s.path = "/etc/motd";
	s.type = SNAP_FILE;
	s.own.mode = 0644;
	s.own.user = "root";
	s.own.group = "root";
	s.mtime_sec = 1700000000;
	s.size = 10;
	s.target = "";
	ch[0].len = 4;
	ch[1].len = 6;
	s.chunks = ch;
	s.nchunks = 2;
	par[0].path = "/etc";
	par[0].own.mode = 0755;
	par[0].own.user = "root";
	par[0].own.group = "wheel";
	s.parents = par;
	s.nparents = 1;
	snap_encode(&s, &b);
	seed("snap", "file", &b);
	entry_seed("snap", ENTRY_SNAP, &b, NULL);
	buf_reset(&b);
	s.type = SNAP_SYMLINK;
	s.target = "../x";
	s.nchunks = 0;
	s.nparents = 0;
	snap_encode(&s, &b);
	seed("snap", "symlink", &b);
	buf_reset(&b);

	x.cwd = "/";
	x.argv = argv;
	x.argc = 3;
	exec_encode(&x, &b);
	seed("exec", "sh", &b);
	entry_seed("exec", ENTRY_EXEC, &b, NULL);
	buf_reset(&b);

	memset(&g, 0, sizeof g);
	g.parent_branch = "";
	sig_encode(&g, &b);
	seed("sig", "ci", &b);
	buf_init(&ent);
	entry_seed("ci", ENTRY_CI, &b, &ent);
	stmt_seeds();		/* first: the lock datagrams carry them */
	wire_seeds(&ent);
	members_seeds();
	buf_free(&ent);
	buf_reset(&b);
	g.parent_branch = "main";
	sig_encode(&g, &b);
	seed("sig", "fork", &b);
	entry_seed("fork", ENTRY_FORK, &b, NULL);
	buf_reset(&b);

	memset(&ri, 0, sizeof ri);
	ri.branch = "webserver";
	ri.seq = 8;
	memset(ri.winner, 0x5a, HASH_LEN);
	resolve_encode(&ri, &b);
	seed("resolve", "decision-v1", &b);	/* written before order */
	buf_reset(&b);
	ri.order = 1700000000123456789ull;
	resolve_encode(&ri, &b);
	seed("resolve", "decision", &b);
	entry_seed("resolve", ENTRY_RESOLVE, &b, NULL);
	buf_reset(&b);

	entry_seed("lock", ENTRY_LOCK, NULL, NULL);

	memset(&k, 0, sizeof k);
	k.seq = 5;
	memset(k.id, 0xcd, HASH_LEN);
	k.reason = "depended on a file only the origin had";
	skip_encode(&k, &b);
	seed("skip", "reason", &b);
	entry_seed("skip", ENTRY_SKIP, &b, NULL);
	buf_reset(&b);
	k.reason = "";
	skip_encode(&k, &b);
	seed("skip", "plain", &b);
	buf_reset(&b);
	disk_seeds(&b);
	buf_free(&b);
	image_seeds();
	netmsg_seeds();
	return 0;
}
