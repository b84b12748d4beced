#!/bin/sh
test_description='ISconf 4 layout: conf/ files read from /var/is/conf when IS_HOME is unset and the default home has no state; the open-mesh warning'
. "$(dirname "$0")/lib-isconf.sh"

# The default home and /var/is are moved below the trash: only test
# builds can, others would use the real /var/lib/isconf and /var/is.
if ! grep -q ISCONF_TEST_IS4_HOME "$ISCONFD" ||
    ! grep -q ISCONF_TEST_IS4_HOME "$ISCONF"; then
	skip_all='needs a TEST_HOOKS build (ISCONF_TEST_HOME_DEFAULT)'
	test_done
fi

# legacy HOST N [VAR=VALUE...]: a host with IS_HOME and IS_DOMAIN unset.
legacy() {
	_hd=$(host_dir "$1")
	make_host "$@" IS_HOME= IS_DOMAIN= IS_GOSSIP_MS=500 \
	    ISCONF_TEST_HOME_DEFAULT="$_hd/home" \
	    ISCONF_TEST_IS4_HOME="$_hd/var-is"
}
# is4_conf HOST DOMAIN: HOST's /var/is/conf with DOMAIN in it.
is4_conf() {
	mkdir -p "$(host_dir "$1")/var-is/conf" &&
	echo "$2" >"$(host_dir "$1")/var-is/conf/domain"
}
log_of() {
	cat "$(host_dir "$1")/isconfd.log"
}
KEY=legacy-key-0123456789

test_expect_success 'setup: host a on ISconf 4 conf/ files, host b on its own' '
	legacy a 1 &&
	A4=$(host_dir a)/var-is/conf &&
	is4_conf a legacy.example &&
	echo $KEY >"$A4/hmac_keys" &&
	chmod 600 "$A4/hmac_keys" &&
	echo 127.0.0.2 >"$A4/nets" &&
	echo prod >"$A4/branch" &&
	make_host b 2 IS_DOMAIN=legacy.example IS_GOSSIP_MS=500 &&
	echo $KEY >"$(host_dir b)/home/conf/hmac_keys" &&
	echo 127.0.0.1 >"$(host_dir b)/home/conf/nets" &&
	isconf_on a -q start &&
	isconf_on b -q start
'

test_expect_success '/var/is/conf gives the domain, branch, nets and keys' '
	status_on a >out &&
	grep "^domain: *legacy.example$" out &&
	grep "^branch: *prod$" out &&
	grep -F "conf:     domain, hmac_keys, nets and branch from ISconf 4'"'"'s $A4; ISconf 4'"'"'s journal and cache are another format and are not read" out &&
	! grep "^WARNING" out &&
	wait_for 10 status_has a "^peers: *1 known, 1 reachable" &&
	log_of a >log &&
	grep -F "conf: domain, hmac_keys, nets and branch from ISconf 4'"'"'s $A4" log &&
	grep "hmac_keys loaded: 1 key(s)" log &&
	! grep "open mesh" log &&
	status_json a "\$j->{is4_conf} eq \"$A4\" && !\$j->{open_mesh} &&
	    \$j->{domain} eq \"legacy.example\""
'

test_expect_success 'a restart keeps reading /var/is/conf once the home has a journal' '
	test -f "$(host_dir a)/home/journal.db" &&
	test -f "$(host_dir a)/home/conf/is4_layout" &&
	echo generic >"$A4/branch" &&
	isconf_on a -q restart &&
	status_on a >out &&
	grep "^domain: *legacy.example$" out &&
	grep "^branch: *generic$" out &&
	grep "^conf: .*ISconf 4" out
'

test_expect_success 'migrate writes the branch to /var/is/conf/branch' '
	isconf_on a migrate prod &&
	echo prod >expect &&
	test_cmp expect "$A4/branch" &&
	status_has a "^branch: *prod$"
'

test_expect_success 'state in the default home wins over /var/is' '
	legacy c 3 &&
	isconf_on c -q start &&
	isconf_on c -q stop &&
	is4_conf c legacy.example &&
	isconf_on c -q start &&
	status_on c >out &&
	grep "^domain: *default$" out &&
	! grep "^conf:" out &&
	test ! -e "$(host_dir c)/home/conf/is4_layout" &&
	status_json c "!defined \$j->{is4_conf}"
'

test_expect_success 'domain "default" without hmac_keys: an open mesh, warned of' '
	grep "^WARNING:  open mesh: domain \"default\" and no hmac_keys ($(host_dir c)/home/conf/hmac_keys), so any host that reaches this one can join its mesh$" out &&
	status_json c "\$j->{open_mesh}" &&
	log_of c >log &&
	grep -F "warning: open mesh: domain \"default\" and no hmac_keys" log
'

test_expect_success 'domain "default" with hmac_keys: no warning' '
	isconf_on c -q stop &&
	echo $KEY >"$(host_dir c)/home/conf/hmac_keys" &&
	chmod 600 "$(host_dir c)/home/conf/hmac_keys" &&
	: >"$(host_dir c)/isconfd.log" &&
	isconf_on c -q start &&
	! status_has c "open mesh" &&
	status_json c "!\$j->{open_mesh}" &&
	! log_of c | grep "open mesh"
'

test_expect_success 'IS_HOME set wins over /var/is; another domain is no open mesh' '
	make_host d 4 IS_DOMAIN= ISCONF_TEST_IS4_HOME="$(host_dir d)/var-is" &&
	is4_conf d legacy.example &&
	echo mine.example >"$(host_dir d)/home/conf/domain" &&
	isconf_on d -q start &&
	status_on d >out &&
	grep "^domain: *mine.example$" out &&
	! grep "^conf:" out &&
	! grep "open mesh" out &&
	status_json d "!defined \$j->{is4_conf} && !\$j->{open_mesh}"
'

test_done
