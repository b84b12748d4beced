/*
 * Write one transaction of N exec entries, closed by a ci entry signed
 * with a host key, straight into a stopped host's journal.db: 100,000
 * `isconf exec` calls would take most of an hour.  For the memory
 * figures of bench/memory.sh (bench/README).
 *
 *	bigtx JOURNAL.DB HOST.KEY BRANCH N ARGBYTES [unsigned|badsig]
 *
 * Each exec entry runs `true` with ARGBYTES bytes of arguments (of at
 * most ARG_MAX each: an argument is at most 256 KiB).
 * "unsigned" leaves the ci out (a tail no signature covers: what a
 * hostile peer serves); "badsig" closes it with a ci whose signature
 * does not verify.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "util.h"
#include "journal.h"

#define BATCH	10000
#define ARG_MAX	250000

static int
read_key(const char *path, uint8_t *sk)
{
	char	*text, *cause = NULL, *p;

	if (file_read_text(path, 4096, &text, &cause) != 0) {
		fprintf(stderr, "%s: %s\n", path, cause ? cause : "empty");
		return -1;
	}
	p = str_trim(text);
	if (hex_decode(sk, crypto_sign_SECRETKEYBYTES, p) == -1) {
		fprintf(stderr, "%s: not a hex Ed25519 secret key\n", path);
		return -1;
	}
	sodium_memzero(text, strlen(text));
	free(text);
	return 0;
}

static void
entry_fill(struct entry *e, enum entry_kind kind, uint64_t seq,
    const uint8_t *parent)
{
	memset(e, 0, sizeof *e);
	e->kind = kind;
	e->seq = seq;
	memcpy(e->parent, parent, HASH_LEN);
	e->time = time(NULL);
	e->host = xstrdup("bench");
	e->author = xstrdup("root");
	e->message = xstrdup("bench: one big transaction");
	buf_init(&e->payload);
}

int
main(int argc, char **argv)
{
	struct journal	*j;
	struct jhead	 h;
	struct entry	*es;
	struct exec_info x;
	struct sig_info	 si;
	uint8_t		 sk[crypto_sign_SECRETKEYBYTES], msg[SIG_MSG_LEN];
	uint8_t		 prev[HASH_LEN];
	char		*cause = NULL, *arg, **av;
	const char	*branch, *mode;
	uint64_t	 n, seq, done = 0;
	size_t		 len, k = 0, i, nargs;

	if (argc < 6 || sodium_init() == -1) {
		fprintf(stderr, "usage: bigtx JOURNAL.DB HOST.KEY BRANCH N "
		    "ARGBYTES [unsigned|badsig]\n");
		return 1;
	}
	branch = argv[3];
	n = strtoull(argv[4], NULL, 10);
	len = strtoull(argv[5], NULL, 10);
	mode = argc > 6 ? argv[6] : "";
	if (read_key(argv[2], sk) == -1 ||
	    journal_open(argv[1], &j, &cause) == -1 ||
	    journal_branch_create(j, branch, &cause) == -1 ||
	    journal_head(j, branch, &h, &cause) == -1) {
		fprintf(stderr, "bigtx: %s\n", cause ? cause : "bad key");
		return 1;
	}
	arg = xmalloc(ARG_MAX + 1);
	memset(arg, 'a', ARG_MAX);
	arg[ARG_MAX] = '\0';
	nargs = (len + ARG_MAX - 1) / ARG_MAX;
	av = xcalloc(nargs + 1, sizeof *av);
	av[0] = xstrdup("true");
	for (i = 0; i < nargs; i++)	/* the last one shorter */
		av[i + 1] = arg + (i + 1 < nargs ? 0 : ARG_MAX -
		    (len - i * ARG_MAX));
	x.cwd = xstrdup("/");
	x.argv = av;
	x.argc = nargs + 1;
	es = xcalloc(BATCH, sizeof *es);
	memcpy(prev, h.id, HASH_LEN);
	for (seq = h.seq + 1; done <= n; seq++, done++) {
		if (done < n) {
			entry_fill(&es[k], ENTRY_EXEC, seq, prev);
			exec_encode(&x, &es[k].payload);
		} else if (strcmp(mode, "unsigned") == 0)
			break;
		else {
			entry_fill(&es[k], ENTRY_CI, seq, prev);
			crypto_sign_ed25519_sk_to_pk(si.pubkey, sk);
			si.parent_branch = NULL;
			sig_encode(&si, &es[k].payload);
		}
		entry_compute_id(&es[k]);
		if (done == n) {
			entry_sig_message(&es[k], branch, msg);
			crypto_sign_detached(es[k].sig, NULL, msg, sizeof msg,
			    sk);
			if (strcmp(mode, "badsig") == 0)
				es[k].sig[0] ^= 1;
			es[k].has_sig = 1;
		}
		memcpy(prev, es[k].id, HASH_LEN);
		if (++k == BATCH || done == n) {
			if (journal_append(j, branch, es, k, 0, &cause) == -1) {
				fprintf(stderr, "bigtx: %s\n", cause);
				return 1;
			}
			journal_entries_free(es, k);
			es = xcalloc(BATCH, sizeof *es);
			k = 0;
		}
	}
	if (k > 0 && journal_append(j, branch, es, k, 0, &cause) == -1) {
		fprintf(stderr, "bigtx: %s\n", cause);
		return 1;
	}
	journal_entries_free(es, k);
	sodium_memzero(sk, sizeof sk);
	journal_close(j);
	free(arg);
	free(av[0]);
	free(av);
	free(x.cwd);
	return 0;
}
