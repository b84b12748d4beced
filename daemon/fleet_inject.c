/*
 * Test builds only (ISCONF_CRASH_HOOKS, like lib/log.c's knobs): with
 * ISCONF_FLEET_INJECT=FILE the daemon starts knowing a fleet that is
 * not there, so that the fleet view (fleet.h) is tested and measured
 * at 10,000 hosts.  Each line of FILE is
 *
 *	HOST BRANCH APPLIED FAILED-SEQ WAVE [WAIT]
 *
 * (WAVE "-" for none; WAIT wN: its up waits for a wave before entry
 * N, hN: held before N, "-" or absent: neither): a peer of that name, heard from now at a
 * discard address, and its receipt, signed by a key made for the run
 * and taken as if a peer had sent it.  The applied entry's id is the
 * journal's, so such a host is on its branch, not diverged.
 */
#ifdef ISCONF_CRASH_HOOKS
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isconfd.h"
#include "stmtd.h"

/* WAIT into rc: 0, or -1 if it is none of -, wN, hN. */
static int
inject_wait(const char *wait, struct stmt_receipt *rc)
{
	char	*end;

	if (strcmp(wait, "-") == 0)
		return 0;
	if (wait[0] != 'w' && wait[0] != 'h')
		return -1;
	rc->held = wait[0] == 'h';
	rc->waiting = strtoull(wait + 1, &end, 10);
	rc->why = (char *)(rc->held ? "held (injected)" :
	    "waiting for a wave (injected)");
	return *end == '\0' && rc->waiting != 0 ? 0 : -1;
}

static int
inject_one(struct isconfd *d, const uint8_t *pk, const uint8_t *sk,
    char *host, char *branch, uint64_t applied, uint64_t failed,
    const char *wave, const char *wait, char **cause)
{
	struct stmt_receipt	 rc;
	struct entry		 e;
	struct peer		*p;
	struct buf		 body, st;
	uint8_t			*raw;
	int			 r;

	memset(&rc, 0, sizeof rc);
	rc.branch = branch;
	rc.applied = applied;
	rc.failed_seq = failed;
	rc.failed_status = failed ? 1 : 0;
	rc.wave = (char *)(strcmp(wave, "-") == 0 ? "" : wave);
	if (inject_wait(wait, &rc) == -1)
		return set_cause(cause, "%s: WAIT %s is not -, wN or hN", host,
		    wait);
	if ((r = journal_get(d->journal, branch, applied, &e, cause)) == -1)
		return -1;
	if (r == 1) {
		memcpy(rc.applied_id, e.id, sizeof rc.applied_id);
		entry_free(&e);
	}
	buf_init(&body);
	buf_init(&st);
	stmt_receipt_encode(&rc, &body);
	stmt_sign(&st, STMT_RECEIPT, host, pk, sk, 1, 1, d->conf.domain,
	    body.data, body.len);
	buf_free(&body);
	raw = xmalloc(st.len);
	memcpy(raw, st.data, st.len);
	r = stmtd_inject(d, raw, st.len, cause);
	buf_free(&st);
	if (r == -1)
		return -1;
	p = xcalloc(1, sizeof *p);
	p->host = xstrdup(host);
	p->branch = xstrdup(branch);
	p->applied = applied;
	p->failed_seq = failed;
	p->addr.sin_family = AF_INET;
	p->addr.sin_addr.s_addr = htonl(0x7ffffffe);	/* 127.255.255.254 */
	p->addr.sin_port = htons(9);			/* discard */
	p->last_seen = now_ns();
	peer_link(d, p);
	return 0;
}

int
fleet_inject(struct isconfd *d, char **cause)
{
	const char		*path = getenv("ISCONF_FLEET_INJECT");
	uint8_t			 pk[crypto_sign_PUBLICKEYBYTES];
	uint8_t			 sk[crypto_sign_SECRETKEYBYTES];
	char			 line[1024], host[256], branch[256], wave[256];
	char			 wait[32];
	unsigned long long	 applied, failed;
	size_t			 n = 0, lineno = 0;
	FILE			*f;
	int			 rv = 0;

	if (path == NULL || *path == '\0')
		return 0;
	if ((f = fopen(path, "r")) == NULL)
		return set_cause(cause, "ISCONF_FLEET_INJECT=%s: cannot open",
		    path);
	crypto_sign_keypair(pk, sk);
	while (rv == 0 && fgets(line, sizeof line, f) != NULL) {
		lineno++;
		xstrlcpy(wait, "-", sizeof wait);
		if (sscanf(line, "%255s %255s %llu %llu %255s %31s", host,
		    branch, &applied, &failed, wave, wait) < 5 ||
		    !host_name_valid(host) || !name_valid(branch) ||
		    peer_find(d, host) != NULL)
			rv = set_cause(cause, "%s:%zu: not HOST BRANCH APPLIED "
			    "FAILED WAVE [WAIT], or a host twice", path, lineno);
		else if ((rv = inject_one(d, pk, sk, host, branch, applied,
		    failed, wave, wait, cause)) == 0)
			n++;
	}
	fclose(f);
	sodium_memzero(sk, sizeof sk);
	if (rv == 0)
		log_info("test: %zu hosts injected from %s", n, path);
	return rv;
}
#else
typedef int fleet_inject_unused;	/* ISO C: not an empty file */
#endif
