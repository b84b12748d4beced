#!/bin/sh
# Issue 26's costs: the fleet view of one daemon that knows N hosts
# (10,000), injected (ISCONF_FLEET_INJECT, daemon/fleet_inject.c: so a
# build with TEST_HOOKS=1).  The API's time (curl's total, median of
# ROUNDS (7)) for the summary alone (limit=0), one page of 100, a page
# of 1000 and a filtered page; then the dashboard's time in headless
# Chromium to fetch and draw the summary and a page of 100, and with a
# page of 1000 (its wall time less that of a blank page); "-" where
# chromium is absent.
#   fleet.sh BUILD N  ->  "summary_ms page_ms page1000_ms filter_ms
#       render_ms render1000_ms"
set -e
BUILD=$1 N=${2:-10000} ROUNDS=${ROUNDS:-7}
ISCONF=$BUILD/isconf
HERE=$(cd "$(dirname "$0")" && pwd)
W=$(mktemp -d /tmp/isconf-fleet.XXXXXX)
trap 'host 1 "$ISCONF" -q stop 2>/dev/null || true; rm -rf "$W"' EXIT

. "$HERE/lib.sh"
host() { bench_host f 127.0.5 65427 "$@"; }
URL=http://127.0.5.1:65428

mkdir -p "$W/1/home" "$W/1/root"
host 1 "$ISCONF" -q start
(cd "$W/1/root" && host 1 "$ISCONF" -q lock bench && for i in 1 2 3; do
	host 1 "$ISCONF" -q exec true; done && host 1 "$ISCONF" -q ci)
host 1 "$ISCONF" -q stop
# As t3010: most at the head (5), some behind, some failed at 3 or 4.
awk -v n=$N 'BEGIN { for (i = 0; i < n; i++) {
	a = 5; f = 0
	if (i % 13 == 2) { a = 2; f = 3 } else if (i % 17 == 3) { a = 3; f = 4 }
	else if (i % 7 == 1) a = 2
	printf "h%05d generic %d %d %s\n", i, a, f, i % 10 ? "-" : "canary" } }' \
    >"$W/fleet.txt"
ISCONF_FLEET_INJECT=$W/fleet.txt host 1 "$ISCONF" -q start

# ms PATH: the median of ROUNDS requests' total time, in ms.
ms() {
	for r in $(seq $ROUNDS); do
		curl -s -o /dev/null -w '%{time_total}\n' "$URL$1"
	done | sort -n | sed -n "$(((ROUNDS + 1) / 2))p" |
	    awk '{ printf "%.1f", $1 * 1000 }'
}
# render FRAGMENT: chromium's wall time (ms, median of 3) to load the
# dashboard and draw it, less its time for a blank page: the page's own
# clock runs in virtual time there (--virtual-time-budget, which ends
# the run once the page is idle, the fetches answered and drawn).
chrome_ms() {
	for r in 1 2 3; do
		t0=$(date +%s%N)
		chromium --headless --no-sandbox --disable-gpu --disable-quic \
		    --no-first-run --disable-background-networking \
		    --disable-component-update --disable-sync \
		    --user-data-dir="$W/chrome" --virtual-time-budget=8000 \
		    --dump-dom "$1" >"$W/dom.html" 2>/dev/null
		grep -q 'data-loaded="1"' "$W/dom.html" || [ "$1" = about:blank ] ||
		    { echo "fleet.sh: the dashboard did not load" >&2; exit 1; }
		echo $((($(date +%s%N) - t0) / 1000000))
	done | sort -n | sed -n 2p
}
render() {
	command -v chromium >/dev/null || { echo -; return; }
	echo $(($(chrome_ms "$URL/#$1") - blank))
}
curl -s -o /dev/null "$URL/api/v1/hosts?limit=0"	# loads libmicrohttpd
command -v chromium >/dev/null && blank=$(chrome_ms about:blank)
echo "$(ms '/api/v1/hosts?limit=0') $(ms /api/v1/hosts) \
$(ms '/api/v1/hosts?limit=1000') $(ms '/api/v1/hosts?state=failed&name=h0*') \
$(render '') $(render 'limit=1000')"
