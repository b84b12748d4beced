/*
 * The dashboard: one self-contained page (no external scripts, fonts
 * or CDNs), daemon/dashboard.html, made a C string at build time
 * (Makefile: dashboard.inc).  It fetches the JSON API and shows the
 * fleet's summary as a bar per branch (and per wave) split by state,
 * the failures grouped by entry, a page of hosts that a search and
 * filters choose (behind, failed and forked hosts marked, a fork with
 * both heads, hosts only learned of greyed), a host's detail (its
 * signed statement, applied position, last failure, and with the token
 * the failing entry and, for this host, its output), the lock holder
 * and the recent journal.  Refreshes every 5 s; filters and the open
 * host are kept in the URL's fragment.  Open it as
 * http://HOST:65028/#token=TOKEN: the token goes in a header (the status
 * and journal need it, on loopback too: they hold commands).
 */
#include "isconfd.h"

const char http_dashboard[] =
#include "dashboard.inc"
;
