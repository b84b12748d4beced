/*
 * The host's Ed25519 key pair, made on first start: conf/host.key (the
 * secret, mode 0600) and conf/host.pub, both hex.  Each ci and fork entry
 * carries this key and its signature of the entry id.  With
 * conf/trusted_keys present, only keys listed there are believed.
 */
#include <sys/stat.h>

#include <stdlib.h>
#include <string.h>

#include "isconfd.h"

static int
hostkey_create(struct isconfd *d, const char *skpath, const char *pkpath,
    char **cause)
{
	char	hex[2 * crypto_sign_SECRETKEYBYTES + 2];
	int	rv;

	crypto_sign_keypair(d->pk, d->sk);
	hex_encode(hex, d->sk, sizeof d->sk);
	xstrlcpy(hex + strlen(hex), "\n", 2);
	rv = file_write_atomic(skpath, hex, strlen(hex), 0600, cause);
	sodium_memzero(hex, sizeof hex);
	if (rv == -1)
		return -1;
	hex_encode(hex, d->pk, sizeof d->pk);
	xstrlcpy(hex + strlen(hex), "\n", 2);
	log_info("made host key %s", skpath);
	return file_write_atomic(pkpath, hex, strlen(hex), 0644, cause);
}

/*
 * The secret key file: one line of hex, nothing else.  1 if missing or
 * blank (a new key is made).  Wipes everything it read.
 */
static int
hostkey_read(const char *path, uint8_t *sk, char **cause)
{
	char	*text, *line, *next, *p;
	size_t	 len;
	int	 lineno = 0, rv;

	if ((rv = file_read_text(path, 4096, &text, cause)) != 0)
		return rv;
	len = strlen(text);
	rv = 1;
	for (line = text; line != NULL && rv != -1; line = next) {
		lineno++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (*(p = str_trim(line)) == '\0')
			continue;
		if (rv == 0 || hex_decode(sk, crypto_sign_SECRETKEYBYTES,
		    p) == -1)
			rv = set_cause(cause, "%s:%d: not a hex Ed25519 "
			    "secret key", path, lineno);
		else
			rv = 0;
	}
	sodium_memzero(text, len);
	free(text);
	return rv;
}

/* For isconfd -n: host.key as hostkey_load would read it. */
int
hostkey_check(const char *home, char **cause)
{
	uint8_t	sk[crypto_sign_SECRETKEYBYTES];
	char	*path;
	int	 rv;

	path = path_join(home, "conf/host.key");
	rv = hostkey_read(path, sk, cause);
	sodium_memzero(sk, sizeof sk);
	free(path);
	return rv == -1 ? -1 : 0;
}

int
hostkey_load(struct isconfd *d, char **cause)
{
	char		*skpath, *pkpath;
	struct stat	 sb;
	int		 rv = -1, r;

	skpath = path_join(d->conf.home, "conf/host.key");
	pkpath = path_join(d->conf.home, "conf/host.pub");
	if ((r = hostkey_read(skpath, d->sk, cause)) == -1)
		goto out;
	if (r == 1) {
		rv = hostkey_create(d, skpath, pkpath, cause);
		goto out;
	}
	/* check_modes() has warned; the daemon owns this file. */
	if (stat(skpath, &sb) == 0 && (sb.st_mode & 077) != 0) {
		log_info("%s: mode set to 0600", skpath);
		chmod(skpath, 0600);
	}
	crypto_sign_ed25519_sk_to_pk(d->pk, d->sk);
	rv = 0;
out:
	free(skpath);
	free(pkpath);
	return rv;
}

void
hostkey_sign(struct isconfd *d, struct entry *e, const char *branch)
{
	uint8_t	msg[SIG_MSG_LEN];

	entry_sig_message(e, branch, msg);
	crypto_sign_detached(e->sig, NULL, msg, sizeof msg, d->sk);
	e->has_sig = 1;
}

int
hostkey_verify(const struct entry *e, const char *branch,
    const uint8_t *pubkey)
{
	uint8_t	msg[SIG_MSG_LEN];

	if (!e->has_sig)
		return -1;
	entry_sig_message(e, branch, msg);
	return crypto_sign_verify_detached(e->sig, msg, sizeof msg, pubkey);
}

int
hostkey_trusted(struct isconfd *d, const uint8_t *pubkey, char **cause)
{
	struct trusted_keys	 t;
	char			*path, hex[2 * PUBKEY_LEN + 1];
	int			 found;

	path = path_join(d->conf.home, "conf/trusted_keys");
	if (trusted_keys_load(path, &t, cause) == -1) {
		free(path);
		return -1;	/* a broken policy trusts no one */
	}
	free(path);
	found = !t.present || trusted_keys_find(&t, pubkey);
	trusted_keys_free(&t);
	if (found)
		return 0;
	hex_encode(hex, pubkey, PUBKEY_LEN);
	return set_cause(cause, "signed by key %.16s..., which is not in "
	    "trusted_keys", hex);
}
