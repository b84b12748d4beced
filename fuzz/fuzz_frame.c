/*
 * A decrypted sync frame, u8 type then body, as the serving side
 * (F_GET_ENTRIES, F_GET_CHUNK, a F_BITFIELD request) and the fetching
 * side (F_ENTRY, F_ORIGIN, F_END, F_CHUNK, F_NOCHUNK, F_BITFIELD,
 * F_HAVE) decode it.
 */
#include <stdlib.h>

#include "util.h"
#include "wire.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *p, size_t len)
{
	struct entry	 e;
	uint8_t		 hash[HASH_LEN];
	const uint8_t	*data;
	size_t		 dlen;
	const uint8_t	*bits;
	uint64_t	 after;
	uint32_t	 n;
	uint8_t		 tag;
	char		*branch;

	if (len < 1)
		return 0;
	switch (p[0]) {
	case F_GET_ENTRIES:
		if (wire_get_entries_decode(p + 1, len - 1, &branch,
		    &after) == 0)
			free(branch);
		break;
	case F_GET_CHUNK:
		wire_get_chunk_decode(p + 1, len - 1, hash);
		break;
	case F_END:
		wire_end_decode(p + 1, len - 1, &after);
		break;
	case F_ORIGIN:
		if (wire_origin_decode(p + 1, len - 1, &branch) == 0)
			free(branch);
		break;
	case F_ENTRY:
		if (wire_entry_decode(p + 1, len - 1, &e) == 0)
			entry_free(&e);
		break;
	case F_BITFIELD:
		/* The same type both ways: a request, and an answer whose
		 * bits lie inside the input, n's bytes of them. */
		if (wire_bitfield_req_decode(p + 1, len - 1, &tag, &branch,
		    &after, hash) == 0)
			free(branch);
		if (wire_bitfield_decode(p + 1, len - 1, &tag, &n, &bits) ==
		    0 && (tag >= HAVE_LISTS || (n > 0 && (bits < p ||
		    bits + (n + 7) / 8 != p + len))))
			abort();
		break;
	case F_HAVE:
		if (wire_have_decode(p + 1, len - 1, &tag, &n) == 0 &&
		    tag >= HAVE_LISTS)
			abort();
		break;
	case F_CHUNK:
	case F_NOCHUNK:
		if (wire_chunk_decode(p[0], p + 1, len - 1, hash, &data,
		    &dlen) == 0 && data != NULL && dlen > 0 &&
		    (data < p || data + dlen > p + len))
			abort();
		break;
	}
	return 0;
}
