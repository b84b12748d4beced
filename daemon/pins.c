/*
 * Binding host names to keys, for statements (stmtd.h).  With
 * conf/trusted_keys, only the keys listed there may speak at all.
 * Either way the first key that speaks for a name is pinned to it (in
 * the journal's state, "pin:HOST", hex), and a statement under that
 * name signed by another key is dropped, counted and shown by `isconf
 * hosts`.  Re-keying (isconf(8)): `isconf hosts --unpin HOST` on each
 * host; with trusted_keys, replacing the old key by the new one there
 * is enough, since a pin gives way when its key is no longer trusted.
 */
#include <stdlib.h>
#include <string.h>

#include "isconfd.h"
#include "stmtd.h"

int
pins_trust(struct isconfd *d, const uint8_t *pk)
{
	struct trusted_keys	 t;
	char			*path, *cause = NULL;
	int			 rv;

	path = path_join(d->conf.home, "conf/trusted_keys");
	rv = trusted_keys_load(path, &t, &cause);
	free(path);
	if (rv == -1) {
		log_warnx("statements: %s; no statement is believed", cause);
		free(cause);
		return -1;	/* a broken policy trusts no one */
	}
	rv = !t.present ? 1 : trusted_keys_find(&t, pk) ? 0 : -1;
	trusted_keys_free(&t);
	return rv;
}

static char *
pin_key(const char *issuer)
{
	char	*k;

	xasprintf(&k, "pin:%s", issuer);
	return k;
}

int
pins_load(struct isconfd *d, struct stmt_host *h, char **cause)
{
	char	*k = pin_key(h->issuer), *v;
	int	 r;

	r = journal_state_get(d->journal, k, &v, cause);
	free(k);
	if (r != 1)
		return r;
	if (hex_decode(h->pin, sizeof h->pin, v) == 0)
		h->pinned = 1;
	else
		log_warnx("statements: the pinned key of %s is damaged; "
		    "ignored", h->issuer);
	free(v);
	return 0;
}

static int
pin_store(struct isconfd *d, struct stmt_host *h, const uint8_t *pk)
{
	char	*k = pin_key(h->issuer), hex[2 * STMT_PK_LEN + 1];
	char	*cause = NULL;
	int	 rv;

	hex_encode(hex, pk, STMT_PK_LEN);
	rv = journal_state_set(d->journal, k, hex, &cause);
	free(k);
	if (rv == -1) {
		log_warnx("statements: %s; %s's key not pinned", cause,
		    h->issuer);
		free(cause);
		return -1;
	}
	memcpy(h->pin, pk, STMT_PK_LEN);
	h->pinned = 1;
	log_info("statements: %s's key %.16s... pinned", h->issuer, hex);
	return 0;
}

int
pins_check(struct isconfd *d, struct stmt_host *h, const uint8_t *pk,
    int pin, enum stmt_count *why)
{
	int	trust = pins_trust(d, pk);

	*why = STMT_C_UNTRUSTED;
	if (trust == -1)
		return -1;
	if (h->pinned && memcmp(h->pin, pk, STMT_PK_LEN) == 0)
		return 0;
	/* Nothing pinned yet, or (trusted_keys) the operator replaced the
	 * pinned key there. */
	if (!h->pinned || (trust == 0 && pins_trust(d, h->pin) == -1))
		return !pin || pin_store(d, h, pk) == 0 ? 0 : -1;
	*why = STMT_C_KEY_REFUSED;
	h->refused++;
	memcpy(h->refused_pk, pk, STMT_PK_LEN);
	return -1;
}

int
pins_forget(struct isconfd *d, struct stmt_host *h, char **cause)
{
	char	*k = pin_key(h->issuer);
	int	 rv;

	rv = journal_state_set(d->journal, k, NULL, cause);
	free(k);
	if (rv == 0) {
		h->pinned = 0;
		memset(h->pin, 0, sizeof h->pin);
		log_info("statements: %s's pinned key forgotten", h->issuer);
	}
	return rv;
}
