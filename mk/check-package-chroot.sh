#!/bin/sh
# make check-package, inside the chroot (mk/check-package.sh), after
# apt-get installed /tmp/isconf.deb: the installed package checked,
# its daemon run, an upgrade to /tmp/isconf-next.deb, then a purge.
set -e
export DEBIAN_FRONTEND=noninteractive
step() {
	echo "check-package: $*"
}
fail() {
	echo "check-package: FAILED: $*" >&2
	[ ! -f /var/log/isconfd.log ] || tail -20 /var/log/isconfd.log >&2
	exit 1
}
mode() {
	stat -c %a "$1"
}
alive() {
	kill -0 "$1" 2>/dev/null
}

step "installed: state directory 0700, units enabled, cron line, completion"
[ "$(mode /var/lib/isconf)" = 700 ] || fail "/var/lib/isconf is $(mode /var/lib/isconf)"
wants=/etc/systemd/system/multi-user.target.wants
[ -L $wants/isconfd.service ] || fail "isconfd.service not enabled"
[ -L $wants/isconf-up.service ] || fail "isconf-up.service not enabled"
[ -f /etc/cron.d/isconf ] || fail "no /etc/cron.d/isconf"
dpkg-query -W -f='${Conffiles}\n' isconf | grep -q /etc/cron.d/isconf ||
	fail "/etc/cron.d/isconf is not a conffile"
[ -f /usr/share/bash-completion/completions/isconf ] || fail "no completion"
isconf status >/dev/null 2>&1 && fail "isconfd runs before the host is set up"

step "set up, isconf start, isconf status"
mkdir /var/lib/isconf/conf
echo check.example >/var/lib/isconf/conf/domain
export IS_LOGFILE=/var/log/isconfd.log
isconf start || fail "isconf start"
isconf status >/tmp/status || fail "isconf status"
cat /tmp/status
grep -q "^domain: *check.example$" /tmp/status || fail "status: no domain"
grep -q "^branch: *generic$" /tmp/status || fail "status: no branch"
pid=$(cat /var/lib/isconf/isconfd.pid)
alive "$pid" || fail "no daemon pid"
[ "$(bash -c '. /usr/share/bash-completion/completions/isconf
    COMP_WORDS=(isconf migrate ""); COMP_CWORD=2; _isconf
    echo "${COMPREPLY[*]}"')" = generic ] || fail "completion: no branch"

step "upgrade to $(dpkg-deb -f /tmp/isconf-next.deb Version)"
dpkg -i /tmp/isconf-next.deb >/tmp/upgrade.log 2>&1 ||
	{ cat /tmp/upgrade.log; fail "upgrade"; }
[ "$(dpkg-query -W -f='${Version} ${Status}' isconf)" = \
    "$(dpkg-deb -f /tmp/isconf-next.deb Version) install ok installed" ] ||
	fail "not upgraded"
alive "$pid" || fail "the upgrade stopped isconfd"
[ "$(mode /var/lib/isconf)" = 700 ] || fail "upgrade: /var/lib/isconf $(mode /var/lib/isconf)"
[ -f /var/lib/isconf/conf/domain ] || fail "upgrade: configuration lost"
isconf status >/dev/null || fail "isconf status after the upgrade"

step "purge"
apt-get purge -y -qq isconf >/tmp/purge.log 2>&1 ||
	{ cat /tmp/purge.log; fail "purge"; }
for i in $(seq 100); do
	alive "$pid" || break
	sleep 0.1
done
alive "$pid" && fail "isconfd still runs after the purge"
[ ! -e /var/lib/isconf ] || fail "/var/lib/isconf left"
[ ! -e /etc/cron.d/isconf ] || fail "/etc/cron.d/isconf left"
[ ! -e $wants/isconfd.service ] || fail "isconfd.service still enabled"
[ ! -e $wants/isconf-up.service ] || fail "isconf-up.service still enabled"
[ -z "$(dpkg-query -W -f='${Status}' isconf 2>/dev/null | grep -v not-installed)" ] ||
	fail "dpkg still knows isconf"
step "purged: no daemon, no state, no conffile, no unit links"
