#!/bin/sh
test_description='the fleet view at 10,000 hosts: summary, filters, pages (API, isconf hosts)'
. "$(dirname "$0")/lib-isconf.sh"

A=$(host_dir a)/root
get() {	# get PATH: from host a's HTTP API, without the token
	curl -sf --max-time 20 "http://127.0.0.1:65028$1"
}
code() {
	curl -s -o /dev/null -w "%{http_code}" --max-time 20 "http://127.0.0.1:65028$1"
}
hosts_of() {	# the host names of a JSON answer
	perl -MJSON::PP -0e 'print "$_->{host}\n" for @{decode_json(<STDIN>)->{hosts}}'
}
count() {	# count AWK-CONDITION: lines of fleet.txt
	awk "$1" fleet.txt | wc -l
}

# The injected fleet (daemon/fleet_inject.c, t/fleet.pl): h00000-h06999
# on generic (head 6), h07000-h09999 on web (head 10); some behind,
# some failed (generic at 5 or 6, web at 9), some of those behind
# waiting on a wave (generic, before 4) or held (web, before 9), and
# the hosts ending in 0 among the first hundred of each thousand in
# wave canary.
fleet() {
	awk 'BEGIN {
		for (i = 0; i < 10000; i++) {
			w = (i % 1000 < 100 && i % 10 == 0) ? "canary" : "-"
			t = "-"
			if (i < 7000) {
				b = "generic"; a = 6; f = 0
				if (i % 13 == 2) { a = 4; f = 5 }
				else if (i % 17 == 3) { a = 5; f = 6 }
				else if (i % 7 == 1) { a = 3; if (i % 2 == 0) t = "w4" }
			} else {
				b = "web"; a = 10; f = 0
				if (i % 11 == 0) { a = 8; f = 9 }
				else if (i % 5 == 0) { a = 8; if (i % 3 == 0) t = "h9" }
			}
			printf "h%05d %s %d %d %s %s\n", i, b, a, f, w, t
		}
	}'
}

test_expect_success 'setup: generic (head 6), web (head 10), 10,000 hosts injected' '
	make_host a 1 IS_GOSSIP_MS=500 &&
	isconf_on a -q start &&
	for i in 1 2; do
		isconf_on a -q lock "base $i" &&
		(cd "$A" && isconf_on a -q exec true) &&
		isconf_on a -q ci || return 1
	done &&
	isconf_on a -q fork web &&
	isconf_on a -q lock "web" && (cd "$A" && isconf_on a -q exec true) &&
	isconf_on a -q ci &&
	test "$(status_field a head)" = 10 &&
	fleet >fleet.txt &&
	stop_host a &&
	printf "ISCONF_FLEET_INJECT=\"%s\"; export ISCONF_FLEET_INJECT\n" \
	    "$PWD/fleet.txt" >>"$(host_dir a)/env" &&
	isconf_on a -q start &&
	grep -q "test: 10000 hosts injected" "$(host_dir a)/isconfd.log"
'

test_expect_success '/api/v1/hosts: the summary matches the injected states' '
	perl "$ISCONF_TESTS/fleet.pl" expect fleet.txt web generic=6 web=10 >expect &&
	get "/api/v1/hosts?limit=0" >s.json &&
	perl "$ISCONF_TESTS/fleet.pl" api <s.json >actual &&
	test_cmp expect actual &&
	json_eval s.json "\$j->{matched} == 10001 && !@{\$j->{hosts}}"
'

test_expect_success 'a filter: the web hosts that failed, on pages of 100' '
	awk "\$2 == \"web\" && \$4 != 0 {print \$1}" fleet.txt >expect &&
	test $(wc -l <expect) = 273 &&
	: >actual &&
	off=0 &&
	while :; do
		get "/api/v1/hosts?branch=web&state=failed&offset=$off" >p.json &&
		json_eval p.json "\$j->{matched} == 273 && \$j->{limit} == 100 && \$j->{offset} == $off" &&
		hosts_of <p.json >page &&
		cat page >>actual &&
		test $(wc -l <page) = 100 || break
		off=$((off + 100))
	done &&
	test $off = 200 &&
	test_cmp expect actual
'

test_expect_success 'filters: the failing entry, a wave, a name pattern' '
	get "/api/v1/hosts?failed=5&limit=0" >f.json &&
	json_eval f.json "\$j->{matched} == $(count "\$4 == 5")" &&
	get "/api/v1/hosts?state=wave&limit=1000" >wv.json &&
	hosts_of <wv.json >actual &&
	awk "\$6 ~ /^w/ {print \$1}" fleet.txt >expect &&
	test_cmp expect actual &&
	json_eval wv.json "!grep { \$_->{waiting} != 4 || \$_->{held} ||
	    \$_->{why} ne q(waiting for a wave (injected)) } @{\$j->{hosts}}" &&
	get "/api/v1/hosts?state=held&limit=1000" >hd.json &&
	hosts_of <hd.json >actual &&
	awk "\$6 ~ /^h/ {print \$1}" fleet.txt >expect &&
	test_cmp expect actual &&
	get "/api/v1/hosts?wave=canary&state=behind&limit=1000" >w.json &&
	json_eval w.json "\$j->{matched} == $(count "\$5 == \"canary\" && \$4 == 0 && \$6 == \"-\" && \$3 < (\$2 == \"web\" ? 10 : 6)")" &&
	get "/api/v1/hosts?name=h0*1?" >n.json &&
	hosts_of <n.json >actual &&
	grep -E "^h0[0-9]*1[0-9] " fleet.txt | cut -d" " -f1 | head -n 100 >expect &&
	test_cmp expect actual &&
	get "/api/v1/hosts?name=h07777&verify=1" >one.json &&
	json_eval one.json "\$j->{matched} == 1 && \$j->{hosts}[0]{statement}{verified} && \$j->{hosts}[0]{branch} eq q(web)"
'

test_expect_success 'bad query values are refused, naming the key' '
	for q in limit=1001 limit=x offset=-1 offset=10000001 state=nope \
	    failed=0 "name=a/b" "name=" branch=x "wave=a%20b" verify=2; do
		test "$(code "/api/v1/hosts?$q")" = 400 ||
		{ echo "$q accepted"; return 1; }
	done &&
	curl -s "http://127.0.0.1:65028/api/v1/hosts?state=nope" | grep -q "bad state"
'

test_expect_success 'isconf hosts --summary: the same counts on the terminal' '
	isconf_on a hosts --summary >out &&
	cat >expect <<-EOF &&
	BRANCH             HEAD  HOSTS AT-HEAD  BEHIND    WAVE    HELD  FORKED  FAILED UNKNOWN
	web                  10   3001 $(printf %7d $(($(count "\$2 == \"web\" && \$3 == 10") + 1))) $(printf %7d $(count "\$2 == \"web\" && \$3 < 10 && \$4 == 0 && \$6 == \"-\""))       0 $(printf %7d $(count "\$2 == \"web\" && \$6 ~ /^h/"))       0     273       0
	  failed at 9: 273 hosts
	EOF
	sed -n "1,3p" out >actual &&
	test_cmp expect actual &&
	grep -q "^generic  *6  *7000 " out &&
	grep -q "^canary  *- " out &&
	tail -n 1 out >actual &&
	echo "10001 of 10001 hosts match" >expect &&
	test_cmp expect actual
'

test_expect_success 'isconf hosts: filters, a page, and how to see more' '
	isconf_on a hosts --branch generic --failed 6 --limit 3 >out &&
	test $(wc -l <out) = 5 &&
	awk "\$4 == 6 {print \$1}" fleet.txt | head -n 3 >expect &&
	sed -n "2,4p" out | cut -d" " -f1 >actual &&
	test_cmp expect actual &&
	tail -n 1 out | grep "^(3 of $(count "\$4 == 6") hosts shown: --offset 3 for the next" &&
	isconf_on a hosts --all --state failed >all &&
	test $(grep -c FAILED all) = $(count "\$4 != 0") &&
	expect_code 22 isconf_on a hosts --state nope &&
	expect_code 22 isconf_on a hosts --limit
'

# chrome URL-FRAGMENT OUT: the dashboard's DOM once loaded, or with
# --screenshot=FILE --window-size=W,H before it, a screenshot.
chrome() {
	_frag=$1 _out=$2
	shift 2
	chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
	    --disable-background-networking --disable-component-update --disable-sync \
	    --user-data-dir="$root/chrome" --virtual-time-budget=8000 "$@" \
	    ${_out:+--dump-dom} "http://127.0.0.1:65028/#$_frag" >"${_out:-/dev/null}" 2>>chrome.err
}
tok() {
	cat "$(host_dir a)/home/conf/http_token"
}

command -v chromium >/dev/null && test_set_prereq CHROMIUM
test_expect_success CHROMIUM 'headless Chromium: the summary the dashboard draws is the injected one' '
	chrome "token=$(tok)" dom.html &&
	grep -q "data-loaded=\"1\"" dom.html &&
	perl "$ISCONF_TESTS/fleet.pl" expect fleet.txt web generic=6 web=10 |
	    grep -v "^total" | sed -E "s/^([a-z]+) [0-9]+ /\1 /" >expect &&
	perl "$ISCONF_TESTS/fleet.pl" dom <dom.html >actual &&
	test_cmp expect actual &&
	grep -q "10001 of 10001 match" dom.html &&
	# The bars count waiting and held hosts, per branch and per wave.
	grep -q "data-of=\"generic\" data-state=\"wave\" data-n=\"$(count "\$6 ~ /^w/")\"" dom.html &&
	grep -q "data-of=\"wave canary\" data-state=\"held\" data-n=\"$(count "\$5 == \"canary\" && \$6 ~ /^h/")\"" dom.html
'

test_expect_success CHROMIUM 'headless Chromium: held hosts, and why' '
	chrome "state=held&token=$(tok)" dom.html &&
	grep -q "data-loaded=\"1\"" dom.html &&
	grep -q "1-100 of $(count "\$6 ~ /^h/")" dom.html &&
	test $(grep -o "HELD before 9: held (injected)" dom.html | wc -l) = 100
'

test_expect_success CHROMIUM 'headless Chromium: a filter from the URL, a page of its hosts' '
	chrome "branch=web&state=failed&token=$(tok)" dom.html &&
	grep -q "data-loaded=\"1\"" dom.html &&
	grep -q "1-100 of 273" dom.html &&
	grep -o "<tr class=\"failed\" data-host=\"h[0-9]*\"" dom.html |
	    sed "s/.*data-host=.\(h[0-9]*\)./\1/" >actual &&
	awk "\$2 == \"web\" && \$4 != 0 {print \$1}" fleet.txt | head -n 100 >expect &&
	test_cmp expect actual
'

test_expect_success CHROMIUM 'headless Chromium: a host detail, its statement, position and failure' '
	chrome "host=h07007&token=$(tok)" dom.html &&
	grep -q "<section id=\"detail\" data-host=\"h07007\">" dom.html &&
	grep -q "<dd id=\"d-applied\">8 of 10, behind by 2</dd>" dom.html &&
	grep -q "<dd id=\"d-stmt\">receipt 1.1, key [0-9a-f]*: verified</dd>" dom.html &&
	grep -q "<dd id=\"d-fail\">entry 9, status 1: exec true</dd>" dom.html &&
	grep -q "Its output is kept on h07007" dom.html &&
	# Without the token: no command, and it says why.
	chrome "host=h07007" dom2.html &&
	grep -q "<dd id=\"d-fail\">entry 9, status 1 (the bearer token is needed" dom2.html &&
	! grep -q "exec true" dom2.html
'

test_expect_success CHROMIUM 'headless Chromium: screenshots, a desktop and a phone' '
	chrome "token=$(tok)" "" --window-size=1100,1000 --screenshot="$PWD/fleet.png" &&
	chrome "host=h07007&state=failed&token=$(tok)" "" --window-size=390,844 \
	    --screenshot="$PWD/fleet-phone.png" &&
	test -s fleet.png && test -s fleet-phone.png &&
	# The trash goes when the script ends: kept where t3000 keeps its.
	mkdir -p "$SHARNESS_TEST_SRCDIR/test-results" &&
	cp fleet.png fleet-phone.png "$SHARNESS_TEST_SRCDIR/test-results/"
'
test_have_prereq CHROMIUM || say "# skipping the browser tests: chromium is not installed (make deps installs it as root)"

test_done
