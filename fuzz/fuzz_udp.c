/*
 * A whole gossip datagram as isconfd reads it: the header (net/udp.c),
 * then the body its type names (daemon/wire.c): hello, claim, grant,
 * deny, locked, release, members; and the challenge and echo that net/ answers.
 */
#include <stdlib.h>

#include "util.h"
#include "net.h"
#include "wire.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *p, size_t len)
{
	struct net_hdr		 h;
	struct wire_hello	 hello;
	struct wire_lockstmt	 ls;
	struct wire_answer	 answer;
	struct sockaddr_in	 seen, reached;
	uint64_t		 nonce;
	struct wire_member	 members[MEMBERS_PER_DGRAM];
	size_t			 nmembers;

	if (net_dgram_parse(p, len, &h) == -1)
		return 0;
	switch (h.type) {
	case MSG_HELLO:
		wire_hello_decode(h.body, h.len, &hello);
		wire_hello_free(&hello);
		break;
	case MSG_CLAIM:
	case MSG_LOCKED:
	case MSG_RELEASE:
		/* A lock statement of the kind the type names. */
		if (wire_lockstmt_decode(h.type == MSG_CLAIM ?
		    STMT_LOCK_CLAIM : h.type == MSG_LOCKED ? STMT_LOCK_HELD :
		    STMT_LOCK_RELEASE, h.body, h.len, &ls) == 0)
			wire_lockstmt_free(&ls);
		break;
	case MSG_GRANT:
	case MSG_DENY:
		if (wire_answer_decode(h.type, h.body, h.len, &answer) == 0)
			wire_answer_free(&answer);
		break;
	case 7:		/* NET_CHALLENGE (net_int.h) */
		net_challenge_parse(h.body, h.len, &nonce);
		break;
	case 8:		/* NET_ECHO */
		net_echo_parse(h.body, h.len, &nonce, &seen, &reached);
		break;
	case MSG_MEMBERS:
		wire_members_decode(h.body, h.len, members, &nmembers);
		break;
	}
	net_hdr_free(&h);
	return 0;
}
