/*
 * Moving the messages of msg.h over the socketpair, both ends.
 *
 * Reading: libevent 2.1 reads at most 4096 bytes per event
 * (EVBUFFER_MAX_READ), whatever the bufferevent's max_single_read, so
 * a chunk's 1 MiB message took some 250 trips through the loop (an
 * epoll_wait, a FIONREAD and a readv each), and a copy to make it
 * contiguous.  nmsg_in reads straight into one buffer, as much as is
 * there up to the end of the message begun (its header says how long),
 * and hands the messages out decoded in place.
 *
 * Writing: the header and fields, then the rest as it is, with one
 * writev when nothing is queued before them (most of the time: the
 * socket's buffers hold a chunk's message, NMSG_SOCKBUF); only what
 * the socket does not take is copied, into the bufferevent's output.
 * Errors are left to the bufferevent's next write.
 */
#include <sys/uio.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "net_int.h"
#include "msg.h"

/* Room for many small messages at once; a buffer grown past it for a
 * big one is let go once that is taken. */
#define NMSG_IN_MIN	(64 * 1024)
#define NMSG_DIRECT_MIN	(64 * 1024)

/* Where the message begun at in->start ends (or NMSG_IN_MIN past its
 * start while its header is incomplete); 0 if its header is malformed. */
static size_t
in_need(const struct nmsg_in *in)
{
	uint8_t		type;
	uint32_t	id;
	size_t		len;

	switch (nmsg_hdr(in->buf + in->start, in->end - in->start, &type,
	    &id, &len)) {
	case 1:
		return NMSG_IN_MIN;
	case 0:
		return NMSG_HDR + len;
	}
	return 0;
}

int
nmsg_in_read(struct nmsg_in *in, int fd)
{
	size_t	have, need;
	ssize_t	n;

	if (in->start == in->end) {
		in->start = in->end = 0;
		if (in->cap > NMSG_IN_MIN) {
			free(in->buf);
			in->buf = NULL;
			in->cap = 0;
		}
	}
	have = in->end - in->start;
	need = in->buf == NULL ? NMSG_IN_MIN : in_need(in);
	if (need == 0 || have >= need)
		return 1;	/* nmsg_in_next has something to say */
	if (in->start + need > in->cap) {
		if (in->start > 0) {
			memmove(in->buf, in->buf + in->start, have);
			in->start = 0;
			in->end = have;
		}
		if (need > in->cap) {
			in->buf = xreallocarray(in->buf, need, 1);
			in->cap = need;
		}
	}
	for (;;) {
		n = read(fd, in->buf + in->end, in->cap - in->end);
		if (n > 0) {
			in->end += (size_t)n;
			return 1;
		}
		if (n == 0) {
			errno = 0;
			return -1;
		}
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		if (errno != EINTR)
			return -1;
	}
}

int
nmsg_in_next(struct nmsg_in *in, struct nmsg *m)
{
	size_t	need;

	if (in->end - in->start < NMSG_HDR)
		return 0;
	if ((need = in_need(in)) == 0)
		return -1;
	if (in->end - in->start < need)
		return 0;
	if (nmsg_decode(in->buf + in->start, need, m) == -1)
		return -1;
	in->start += need;
	return 1;
}

void
nmsg_in_free(struct nmsg_in *in)
{
	free(in->buf);
	memset(in, 0, sizeof *in);
}

void
nmsg_write(struct evbuffer *out, int fd, const struct nmsg *m)
{
	struct nmsg	h = *m;
	struct buf	b;
	struct iovec	iov[2];
	ssize_t		n = 0;
	size_t		done, skip;

	h.data = NULL;
	h.len = 0;
	buf_init(&b);
	nmsg_encode(&b, &h);
	put_u32(b.data, (uint32_t)(b.len - NMSG_HDR + m->len));
	/* A big rest with nothing queued before it: straight to the
	 * socket.  Small ones wait for the loop's write, together: sent
	 * one by one, the child's frames to a peer went out one by one
	 * too, and Nagle held one back for the peer's delayed ACK (a
	 * ci-to-peer p99 of 95 ms, not 44). */
	if (fd != -1 && m->len >= NMSG_DIRECT_MIN &&
	    evbuffer_get_length(out) == 0) {
		iov[0].iov_base = b.data;
		iov[0].iov_len = b.len;
		iov[1].iov_base = (void *)m->data;
		iov[1].iov_len = m->len;
		while ((n = writev(fd, iov, m->len > 0 ? 2 : 1)) == -1 &&
		    errno == EINTR)
			;
	}
	done = n > 0 ? (size_t)n : 0;
	if (done < b.len)
		evbuffer_add(out, b.data + done, b.len - done);
	skip = done > b.len ? done - b.len : 0;
	if (m->len > skip)
		evbuffer_add(out, m->data + skip, m->len - skip);
	sodium_memzero(b.data, b.len);
	buf_free(&b);
}
