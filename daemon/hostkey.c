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

int
hostkey_load(struct isconfd *d, char **cause)
{
	char		*skpath, *pkpath, *line = NULL;
	struct stat	 sb;
	int		 rv = -1, r;

	skpath = path_join(d->conf.home, "conf/host.key");
	pkpath = path_join(d->conf.home, "conf/host.pub");
	if ((r = file_read_line(skpath, &line, cause)) == -1)
		goto out;
	if (r == 1) {
		rv = hostkey_create(d, skpath, pkpath, cause);
		goto out;
	}
	if (stat(skpath, &sb) == 0 && (sb.st_mode & 077) != 0)
		log_warnx("%s is readable by others; fixing its mode", skpath);
	chmod(skpath, 0600);
	if (hex_decode(d->sk, sizeof d->sk, line) == -1) {
		set_cause(cause, "%s: not a hex Ed25519 secret key", skpath);
		goto out;
	}
	crypto_sign_ed25519_sk_to_pk(d->pk, d->sk);
	rv = 0;
out:
	if (line != NULL) {
		sodium_memzero(line, strlen(line));
		free(line);
	}
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
	char	*path, *text;
	char	 hex[2 * PUBKEY_LEN + 1];
	int	 r, found = 0;

	path = path_join(d->conf.home, "conf/trusted_keys");
	r = file_read(path, 1 << 20, &text, NULL, cause);
	free(path);
	if (r == 1)
		return 0;
	if (r == -1)
		return -1;
	hex_encode(hex, pubkey, PUBKEY_LEN);
	found = trusted_keys_find(text, hex);
	free(text);
	if (!found)
		return set_cause(cause, "signed by key %.16s..., which is not "
		    "in trusted_keys", hex);
	return 0;
}
