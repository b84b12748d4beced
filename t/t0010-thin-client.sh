#!/bin/sh
test_description='the client is thin: lib/ and conf/ only, no journal, cache, network or SQLite'
. "$(dirname "$0")/lib-isconf.sh"

command -v nm >/dev/null && test_set_prereq NM
ls "$ISCONF_BUILD"/journal/*.o >/dev/null 2>&1 && test_set_prereq OBJECTS

# Symbols the client may not hold or import: SQLite's, libevent's,
# zlib's, libmicrohttpd's, and journal's and cache's by name.
test_expect_success NM 'isconf has no SQLite, libevent, zlib, journal or cache symbols' '
	: >expect &&
	nm "$ISCONF" | awk "{ print \$NF }" |
	    grep -E "^(sqlite3_|event_|evbuffer_|inflate|deflate|gz|MHD_|journal_|cache_)" >actual ||
	    true &&
	test_cmp expect actual
'

# And none of what the daemon-side modules define (journal/, cache/,
# net/, daemon/), as the build tree's objects say.
test_expect_success NM,OBJECTS 'isconf defines nothing of journal/, cache/, net/ or daemon/' '
	: >expect &&
	nm -g --defined-only "$ISCONF_BUILD"/journal/*.o "$ISCONF_BUILD"/cache/*.o \
	    "$ISCONF_BUILD"/net/*.o "$ISCONF_BUILD"/daemon/*.o |
	    awk "NF == 3 { print \$3 }" | grep -vx main | sort -u >module &&
	nm -g --defined-only "$ISCONF" | awk "NF == 3 { print \$3 }" |
	    sort -u >client &&
	comm -12 module client >actual &&
	test_cmp expect actual
'

test_expect_success 'isconf is not linked with SQLite, libevent or zlib' '
	: >expect &&
	{ ldd "$ISCONF" || true; } |
	    grep -E "libsqlite3|libevent|libz\.|libmicrohttpd" >actual || true &&
	test_cmp expect actual
'

test_done
