/*
 * key: this host's public signing key, in hex, for other hosts'
 * trusted_keys.
 */
#include "isconfd.h"

static void	verb_key(struct client *);

const struct verb_entry verb_key_entry = {
	.name = "key",
	.exec = verb_key,
};

static void
verb_key(struct client *c)
{
	char	hex[2 * PUBKEY_LEN + 1];

	hex_encode(hex, c->d->pk, PUBKEY_LEN);
	client_out(c, "%s", hex);
	client_exit(c, 0);
}
