/*
 * The HMAC keys of net/, as the daemon hands them over: at start-up and
 * whenever hmac_keys changes (the daemon checks when net/ is about to use
 * them, net_keys_check), so a key rollout needs no restart.  The manual's
 * rules: the first key signs, every key verifies, +ANY+ turns checking
 * off but not signing, no keys at all means no authentication.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net_int.h"

void
net_keys_free(struct net *n)
{
	size_t	i;

	for (i = 0; i < n->nkeys; i++) {
		sodium_memzero(n->keys[i].key, strlen(n->keys[i].key));
		free(n->keys[i].key);
	}
	free(n->keys);
	n->keys = NULL;
	n->nkeys = 0;
	n->any = 0;
}

void
net_set_keys(struct net *n, char *const *keys, size_t nkeys, int any)
{
	uint8_t	h[4];
	size_t	i;

	net_keys_free(n);
	n->keys = xcalloc(nkeys ? nkeys : 1, sizeof *n->keys);
	for (i = 0; i < nkeys; i++) {
		n->keys[i].key = xstrdup(keys[i]);
		crypto_generichash(h, sizeof h, (uint8_t *)keys[i],
		    strlen(keys[i]), NULL, 0);
		n->keys[i].id = get_u32(h) | 1;
	}
	n->nkeys = nkeys;
	n->any = any;
	if (n->remote)
		net_proxy_keys(n);
}

void
net_keys_check(struct net *n)
{
	if (n->keys_cb != NULL)
		n->keys_cb(n->arg);
}

void
net_mac(const char *key, const uint8_t *p, size_t len, uint8_t *mac)
{
	crypto_auth_hmacsha256_state	st;

	crypto_auth_hmacsha256_init(&st, (const uint8_t *)key, strlen(key));
	crypto_auth_hmacsha256_update(&st, p, len);
	crypto_auth_hmacsha256_final(&st, mac);
}

const struct net_key *
net_sign_key(struct net *n)
{
	return n->nkeys > 0 ? &n->keys[0] : NULL;
}

int
net_verify(struct net *n, uint32_t keyid, const uint8_t *p, size_t len,
    const uint8_t *mac)
{
	uint8_t	want[NET_MAC_LEN];
	size_t	i;

	if (n->nkeys == 0 || n->any)
		return 0;
	for (i = 0; i < n->nkeys; i++) {
		if (n->keys[i].id != keyid)
			continue;
		net_mac(n->keys[i].key, p, len, want);
		if (sodium_memcmp(want, mac, NET_MAC_LEN) == 0)
			return 0;
	}
	return -1;
}

void
net_drop(struct net *n, int reason, uint64_t *counter, const char *fmt, ...)
{
	va_list	ap;
	char	msg[256];
	int64_t	now = now_ns();

	(*counter)++;
	if (reason < 0 || (size_t)reason >= sizeof n->log_next /
	    sizeof n->log_next[0] || now < n->log_next[reason])
		return;
	n->log_next[reason] = now + 10 * 1000000000LL;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	log_warnx("%s (%llu so far; next such message in 10 s at most)", msg,
	    (unsigned long long)*counter);
}
