/*
 * The codec of the messages between isconfd and its network process
 * (msg.h).  One table says each type's fields and the limit of its
 * rest, and both the encoder and the decoder follow it, so they cannot
 * disagree; the decoder is the fuzz target fuzz/fuzz_netmsg.c.
 */
#include <string.h>

#include "net_int.h"
#include "msg.h"

struct spec {
	uint8_t		 type;
	const char	*fields;
	size_t		 min;	/* of the rest (d) */
	size_t		 max;
};

static const struct spec specs[] = {
	{ NMSG_P_INIT, "tabsSd", 1, 4096 },
	{ NMSG_P_KEYS, "td", 0, NMSG_KEYS_MAX },
	{ NMSG_P_SEND, "Atd", 0, NET_MAX_DGRAM },
	{ NMSG_P_CONNECT, "A", 0, 0 },
	{ NMSG_P_CSEND, "td", 0, NET_MAX_FRAME },
	{ NMSG_P_FINISH, "", 0, 0 },
	{ NMSG_P_ABORT, "", 0, 0 },
	{ NMSG_P_DRAIN, "ta", 0, 0 },
	{ NMSG_P_SIGNED, "d", 96, 96 },
	{ NMSG_P_TEST, "ts", 0, 0 },
	{ NMSG_P_BCAST, "t", 0, 0 },
	{ NMSG_C_DGRAM, "Atasd", 0, NET_MAX_DGRAM },
	{ NMSG_C_FRESH, "As", 0, 0 },
	{ NMSG_C_ACCEPT, "A", 0, 0 },
	{ NMSG_C_FRAME, "td", 0, NET_MAX_FRAME },
	{ NMSG_C_CLOSED, "ts", 0, 0 },
	{ NMSG_C_WRITTEN, "ab", 0, 0 },
	{ NMSG_C_SIGN, "d", NMSG_AUTH_LEN, NMSG_AUTH_LEN },
	{ NMSG_C_IDENT, "d", NMSG_IDENT_LEN, NMSG_IDENT_LEN },
	{ NMSG_C_STATS, "d", sizeof(struct net_stats),
	    sizeof(struct net_stats) },
	{ NMSG_C_READY, "", 0, 0 },
};

static const struct spec *
spec_of(uint8_t type)
{
	size_t	i;

	for (i = 0; i < sizeof specs / sizeof specs[0]; i++)
		if (specs[i].type == type)
			return &specs[i];
	return NULL;
}

int
nmsg_hdr(const uint8_t *p, size_t have, uint8_t *type, uint32_t *id,
    size_t *len)
{
	if (have < NMSG_HDR)
		return 1;
	*len = get_u32(p);
	*type = p[4];
	*id = get_u32(p + 5);
	if (spec_of(*type) == NULL || *len > NMSG_MAX_BODY)
		return -1;
	return 0;
}

static int
get_str(const uint8_t **p, const uint8_t *end, char *out)
{
	size_t	l;

	if (*p >= end)
		return -1;
	l = **p;
	if ((size_t)(end - *p - 1) < l || memchr(*p + 1, '\0', l) != NULL)
		return -1;
	memcpy(out, *p + 1, l);
	out[l] = '\0';
	*p += 1 + l;
	return 0;
}

int
nmsg_decode(const uint8_t *buf, size_t total, struct nmsg *m)
{
	const struct spec	*sp;
	const uint8_t		*p, *end;
	const char		*f;
	size_t			 len;

	memset(m, 0, sizeof *m);
	if (nmsg_hdr(buf, total, &m->type, &m->id, &len) != 0 ||
	    total != NMSG_HDR + len)
		return -1;
	sp = spec_of(m->type);
	p = buf + NMSG_HDR;
	end = buf + total;
	for (f = sp->fields; *f != '\0'; f++) {
		switch (*f) {
		case 'A':
			if (end - p < 6)
				return -1;
			m->addr.sin_family = AF_INET;
			memcpy(&m->addr.sin_addr, p, 4);
			memcpy(&m->addr.sin_port, p + 4, 2);
			p += 6;
			break;
		case 't':
			if (end - p < 1)
				return -1;
			m->t = *p++;
			break;
		case 'a':
		case 'b':
			if (end - p < 8)
				return -1;
			*(*f == 'a' ? &m->a : &m->b) = get_u64(p);
			p += 8;
			break;
		case 's':
		case 'S':
			if (get_str(&p, end, *f == 's' ? m->s : m->s2) == -1)
				return -1;
			break;
		case 'd':
			m->data = p;
			m->len = (size_t)(end - p);
			if (m->len < sp->min || m->len > sp->max)
				return -1;
			p = end;
			break;
		}
	}
	return p == end ? 0 : -1;
}

static void
put_str(struct buf *b, const char *s)
{
	size_t	l = strnlen(s, 255);

	buf_add_u8(b, (uint8_t)l);
	buf_add(b, s, l);
}

void
nmsg_encode(struct buf *b, const struct nmsg *m)
{
	const struct spec	*sp = spec_of(m->type);
	const char		*f;
	size_t			 start = b->len;

	if (sp == NULL)
		fatalx("nmsg_encode: type %u", m->type);
	buf_add_u32(b, 0);
	buf_add_u8(b, m->type);
	buf_add_u32(b, m->id);
	for (f = sp->fields; *f != '\0'; f++) {
		switch (*f) {
		case 'A':
			buf_add(b, &m->addr.sin_addr, 4);
			buf_add(b, &m->addr.sin_port, 2);
			break;
		case 't':
			buf_add_u8(b, m->t);
			break;
		case 'a':
			buf_add_u64(b, m->a);
			break;
		case 'b':
			buf_add_u64(b, m->b);
			break;
		case 's':
			put_str(b, m->s);
			break;
		case 'S':
			put_str(b, m->s2);
			break;
		case 'd':
			if (m->len > 0)
				buf_add(b, m->data, m->len);
			break;
		}
	}
	put_u32(b->data + start, (uint32_t)(b->len - start - NMSG_HDR));
}

int
nmsg_key(const struct nmsg *m, size_t *off, char **key)
{
	const uint8_t	*nul;
	size_t		 l;

	if (*off >= m->len)
		return 0;
	if ((nul = memchr(m->data + *off, '\0', m->len - *off)) == NULL)
		return -1;
	l = (size_t)(nul - (m->data + *off));
	if (l == 0)
		return -1;
	*key = xstrndup((const char *)m->data + *off, l);
	*off += l + 1;
	return 1;
}
