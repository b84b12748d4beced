#!/bin/sh
test_description='journals and bundles written by isconf before chunk list objects are still read'
. "$(dirname "$0")/lib-isconf.sh"

# t/fixtures/v1: a host's IS_HOME and a bundle made by the build of
# commit cb0a2d8 (t/fixtures/make-v1.sh says how), format 1: chunk lists
# inline in snap entries.
V1=$SHARNESS_TEST_SRCDIR/fixtures/v1

check_sums() {
	(cd "$(host_dir $1)/root" && sha256sum -c --quiet "$V1/sums")
}

test_expect_success 'setup: the old host keeps its journal, a new host beside it' '
	make_host old 1 IS_GOSSIP_MS=500 &&
	make_host b 2 IS_GOSSIP_MS=500 &&
	rm -rf "$(host_dir old)/home" &&
	tar -xzf "$V1/home.tar.gz" -C "$(host_dir old)" &&
	echo 127.0.0.2 >"$(host_dir old)/home/conf/nets" &&
	echo 127.0.0.1 >"$(host_dir b)/home/conf/nets" &&
	isconf_on old -q start && isconf_on b -q start
'

test_expect_success 'the new daemon reads the old journal: same entries, same ids' '
	isconf_on old --json log >actual &&
	test_cmp "$V1/log.json" actual
'

test_expect_success 'it serves them to a new host, which verifies and installs them' '
	wait_head b 10 &&
	isconf_on b -q up &&
	check_sums b &&
	test "$(readlink "$(host_dir b)/root/etc/link")" = motd &&
	isconf_on b --json log >actual &&
	test_cmp "$V1/log.json" actual
'

test_expect_success 'the old bundle applies on a lone new host and installs' '
	start_host c 3 &&
	isconf_on c -q bundle apply "$V1/v1.bundle" &&
	isconf_on c -q up &&
	check_sums c &&
	isconf_on c --json log >actual &&
	test_cmp "$V1/log.json" actual
'

test_expect_success 'and a bundle the new daemon makes of the old journal is the same' '
	isconf_on old -q bundle create "$PWD/again.bundle" &&
	gzip -dc "$V1/v1.bundle" >old.plain &&
	gzip -dc again.bundle >new.plain &&
	cmp old.plain new.plain
'

test_done
