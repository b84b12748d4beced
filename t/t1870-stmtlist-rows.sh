#!/bin/sh
test_description='a list of statements is stored a row a statement: taking one writes one row, not the whole list (review)'
. "$(dirname "$0")/lib-isconf.sh"

KEY=key-of-the-mesh-0123456789

db() {
	sqlite3 "$(host_home $1)/journal.db" "$2"
}
# rows HOST: the keys of the holds HOST stores.
rows() {
	db $1 "SELECT key FROM state WHERE key LIKE 'holds%' ORDER BY key"
}
# whole HOST: HOST's holds stored as an older daemon did, one key.
whole() {
	db $1 "INSERT INTO state(key, value) SELECT 'holds',
	    group_concat(printf('%08x', length(value) / 2) || value, '')
	    FROM state WHERE key LIKE 'holds:%'; DELETE FROM state WHERE
	    key LIKE 'holds:%'"
}
# started_rows: b, started, holds a's hold, stored a row an issuer.
started_rows() {
	status_has b "^hold: *HELD by .*@a since .*: two" &&
	printf "holds:%s:%s\n" $(hex a) $(hex generic) $(hex b) $(hex generic) \
	    >expect &&
	rows b >actual &&
	test_cmp expect actual
}
hex() {
	printf %s "$1" | od -An -tx1 | tr -d " \n"
}

test_expect_success 'setup: a, b; a holds, b releases' '
	keyed_mesh a:1 b:2 &&
	wait_for 10 peers_known b 1 &&
	isconf_on a -q hold "one" &&
	wait_for 10 status_has b "^hold: *HELD by .*@a since .*: one" &&
	isconf_on b -q release &&
	wait_for 10 eval "! status_has a \"^hold:\""
'

# Before, every statement taken rewrote the whole list under one key.
test_expect_success 'each issuer'\''s statement for a branch is a row of its own' '
	printf "holds:%s:%s\n" $(hex a) $(hex generic) $(hex b) $(hex generic) \
	    >expect &&
	rows a >actual &&
	test_cmp expect actual &&
	rows b >actual &&
	test_cmp expect actual &&
	a_row=$(db b "SELECT value FROM state WHERE key = \
	    '\''holds:$(hex a):$(hex generic)'\''") &&
	isconf_on a -q hold "two" &&
	wait_for 10 status_has b "^hold: *HELD by .*@a since .*: two" &&
	test "$(db b "SELECT value FROM state WHERE key = \
	    '\''holds:$(hex a):$(hex generic)'\''")" != "$a_row" &&
	rows b >actual &&
	test_cmp expect actual
'

test_expect_success 'a list an older daemon stored whole is read, stored as rows, and its key dropped' '
	stop_host b &&
	whole b &&
	echo holds >expect &&
	rows b >actual &&
	test_cmp expect actual &&
	isconf_on b -q start &&
	started_rows
'

# Before, the list was deleted though its rows were not stored: a
# hold lost at the next start.
test_expect_success 'a row that cannot be stored keeps the older daemon'\''s list' '
	stop_host b &&
	whole b &&
	echo "ISCONF_FAULT=stmtlist-write:holds; export ISCONF_FAULT" \
	    >>"$(host_dir b)/env" &&
	isconf_on b -q start &&
	status_has b "^hold: *HELD by .*@a since .*: two" &&
	echo holds >expect &&
	rows b >actual &&
	test_cmp expect actual &&
	stop_host b &&
	sed -i "/ISCONF_FAULT/d" "$(host_dir b)/env" &&
	isconf_on b -q start &&
	started_rows
'

test_expect_success 'a damaged row is copied aside; the others are read' '
	stop_host b &&
	db b "INSERT INTO state(key, value) VALUES ('\''holds:00:00'\'', '\''not hex'\'')" &&
	isconf_on b -q start &&
	status_has b "^hold: *HELD by .*@a since .*: two" &&
	grep "holds: the stored list is damaged (holds:00:00): the statements that decode kept, the stored value copied to holds.damaged" \
	    "$(host_dir b)/isconfd.log" &&
	test "$(db b "SELECT value FROM state WHERE key = '\''holds.damaged'\''")" = "not hex"
'

test_done
