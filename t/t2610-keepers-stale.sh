#!/bin/sh
test_description='a keeper that is demoted, or lost its cache, no longer vouches for what it held (issue 23)'
. "$(dirname "$0")/lib-isconf.sh"

KEY=key-of-the-mesh-0123456789
HOSTS="a:1 k:2 x:3"
A=$(host_dir a)/root
X=$(host_dir x)/root

. "$SHARNESS_TEST_SRCDIR/lib-keepers.sh"

# version N: check in a new 300 kB version of /f on a (3 entries).
version() {
	check_in $1 300000
}
pruned() {
	curl -s http://127.0.0.1:65028/metrics |
	    grep -q "^isconf_cache_pruned_total{unit=\"chunks\"} [1-9]"
}
# keeper HOST 0|1: restart HOST as a keeper or not.
keeper() {
	stop_host $1 &&
	echo "IS_CACHE_KEEP='$2'; export IS_CACHE_KEEP" >>"$(host_dir $1)/env" &&
	isconf_on $1 -q start
}

# a trusts one keeper (IS_CACHE_KEEPERS=1), by the key pinned to its
# name (no trusted_keys); x checks in on branch alpha, which sorts
# before generic.
test_expect_success 'setup: a prunes its first version, which keeper k holds' '
	lay_out a 1 IS_CACHE_KEEPERS=1 IS_CACHE_TRUST=pinned &&
	lay_out k 2 IS_CACHE_KEEP=1 &&
	lay_out x 3 && echo alpha >"$(host_home x)/conf/branch" &&
	isconf_on a -q start && isconf_on k -q start && isconf_on x -q start &&
	wait_for 10 peers_known a 2 &&
	head -c 300000 /dev/urandom >"$X/g" &&
	isconf_on x -q lock g && isconf_on x -q snap "$X/g" &&
	isconf_on x -q ci &&
	version 1 && version 2 && isconf_on a -q up &&
	wait_for 20 pruned a &&
	wait_for 20 cache_json a "\$j->{through} == 6 && \$j->{prunable_chunks} == 0" &&
	held=$(cache_field a chunks) &&
	cache_json k "\$j->{chunks} > $held"
'

test_expect_success 'a keeper restarted as an ordinary host no longer counts' '
	keeper k 0 &&
	wait_for 20 cache_json a "\$j->{keepers} == 0 && \$j->{through} == 0"
'

test_expect_success 'a keeper again: it counts again' '
	keeper k 1 &&
	wait_for 20 cache_json a "\$j->{keepers} == 1 && \$j->{through} == 6"
'

# k cannot fetch alpha (x is down and a holds only generic), and alpha
# sorts first: what k said of generic must not stand meanwhile.
test_expect_success 'a keeper that lost its cache no longer vouches for any branch' '
	stop_host x && stop_host k &&
	rm -f "$(host_home k)"/cache.db* "$(host_home k)/cache.pack" &&
	isconf_on k -q start &&
	wait_for 20 cache_json a "\$j->{through} < 6" &&
	version 3 &&
	isconf_on a -q cache prune &&
	test "$(cache_field a chunks)" -gt "$held" &&
	cache_json a "\$j->{prunable_chunks} == 0"
'

test_expect_success 'the keeper fetches the other branches meanwhile' '
	wait_for 20 cache_json k "\$j->{chunks} >= $held"
'

# A file of more than 32 chunks is journaled through chunk list
# objects, which only hosts of its branch (and keepers) fetch.
alpha_head() {
	test "$(sqlite3 "$(host_home a)/journal.db" \
	    "SELECT max(seq) FROM entries WHERE branch = 'alpha'")" = "$1"
}
test_expect_success 'a big file on a branch this host does not follow does not stop its pruning' '
	echo "ISCONF_CHUNK_MAX=4096; export ISCONF_CHUNK_MAX" >>"$(host_dir x)/env" &&
	isconf_on x -q start &&
	head -c 300000 /dev/urandom >"$X/big" &&
	isconf_on x -q lock big && isconf_on x -q snap "$X/big" &&
	isconf_on x -q ci &&
	wait_for 10 alpha_head 6 &&
	cache_json a "\$j->{complete}"
'

test_done
