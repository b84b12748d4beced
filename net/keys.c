/*
 * The HMAC keys of net/, reloaded when the hmac_keys file changes (at
 * most once a second, checked when a message is sent or received), so a
 * key rollout needs no restart.  The manual's rules: the first key signs,
 * every key verifies, +ANY+ turns checking off but not signing, no keys
 * at all means no authentication.
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

/* On error the keys in force stay; there are none before the first. */
static int
net_keys_load(struct net *n, char **cause)
{
	struct hmac_keys	 k;
	uint8_t			 h[4];
	size_t			 i;

	if (hmac_keys_load(n->hmac_path, &k, cause) == -1)
		return -1;
	net_keys_free(n);
	n->keys = xcalloc(k.n ? k.n : 1, sizeof *n->keys);
	for (i = 0; i < k.n; i++) {
		n->keys[i].key = xstrdup(k.keys[i]);
		crypto_generichash(h, sizeof h, (uint8_t *)k.keys[i],
		    strlen(k.keys[i]), NULL, 0);
		n->keys[i].id = get_u32(h) | 1;
	}
	n->nkeys = k.n;
	n->any = k.any;
	hmac_keys_free(&k);
	return 0;
}

/* Records the file's state; 1 if it differs from the last one seen. */
static int
net_keys_changed(struct net *n)
{
	struct stat	sb;

	n->keys_checked = now_ns();
	if (stat(n->hmac_path, &sb) == -1)
		memset(&sb, 0, sizeof sb);
	if (sb.st_mtim.tv_sec == n->keys_st.st_mtim.tv_sec &&
	    sb.st_mtim.tv_nsec == n->keys_st.st_mtim.tv_nsec &&
	    sb.st_size == n->keys_st.st_size && sb.st_ino == n->keys_st.st_ino)
		return 0;
	n->keys_st = sb;
	return 1;
}

static void
net_keys_loaded(struct net *n)
{
	log_info("hmac_keys %s: %zu key(s)%s", n->keys_st.st_ino ? "loaded" :
	    "absent", n->nkeys, n->any ? ", +ANY+" : "");
}

/* At start-up a bad hmac_keys is an error: nothing to fall back on. */
int
net_keys_open(struct net *n, char **cause)
{
	memset(&n->keys_st, 0, sizeof n->keys_st);
	net_keys_changed(n);
	if (net_keys_load(n, cause) == -1)
		return -1;
	net_keys_loaded(n);
	return 0;
}

void
net_keys_check(struct net *n)
{
	char	*cause = NULL;

	if (now_ns() - n->keys_checked < 1000000000LL || !net_keys_changed(n))
		return;
	if (net_keys_load(n, &cause) == -1) {
		log_warnx("keeping the old HMAC keys: %s", cause);
		free(cause);
		return;
	}
	net_keys_loaded(n);
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
	if (reason < 0 || reason >= 8 || now < n->log_next[reason])
		return;
	n->log_next[reason] = now + 10 * 1000000000LL;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	log_warnx("%s (%llu so far; next such message in 10 s at most)", msg,
	    (unsigned long long)*counter);
}
