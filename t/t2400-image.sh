#!/bin/sh
test_description='checkpoint images: image build from a busybox base, the sandbox, images on images, a host from an image, ci --test'
. "$(dirname "$0")/lib-isconf.sh"

A=$(host_dir a)/root
BASE=$SHARNESS_TRASH_DIRECTORY/base
# What an exec must not reach: a path on the host, outside every image.
ESC=$root/escaped

if ! test -x /bin/busybox; then
	skip_all='busybox-static is not installed (make deps)'
	test_done
fi

# In an image (where /marker exists) it says so; on the origin a, it
# writes beside itself.  ESCAPE tries to leave the image every way it
# can, recording what worked in steps; on the origin it does nothing.
WHERE='test -f /marker && echo in-image >>steps || echo on-origin >>steps'
ESCAPE="test -f /marker || exit 0
mkdir -p $ESC && echo out >$ESC/file
mknod disk b 7 0 && echo mknod >>steps
mount -t tmpfs none /mnt 2>/dev/null && echo mount >>steps
echo x >/proc/sys/kernel/domainname && echo sysctl >>steps
echo x >/proc/sysrq-trigger && echo sysrq >>steps
test -e /sys/kernel && echo sys >>steps
ls /dev >devs
hostname >uts
true"

test_expect_success 'setup: a busybox base, and a branch of snaps, execs and a reboot' '
	mkdir -p "$BASE/bin" "$BASE/etc" "$BASE/tmp" "$BASE/mnt" &&
	cp /bin/busybox "$BASE/bin/" &&
	for a in sh echo cat mkdir touch mknod mount ls test true hostname; do
		ln -s busybox "$BASE/bin/$a" || return 1
	done &&
	touch "$BASE/marker" &&
	start_host a 1 &&
	isconf_on a -q lock "first" &&
	mkdir -p "$A/etc/app" && echo hello >"$A/etc/app/motd" &&
	isconf_on a -q snap "$A/etc/app/motd" &&
	(cd "$A" && isconf_on a -q exec sh -c "$WHERE") &&
	(cd "$A" && isconf_on a -q exec sh -c "$ESCAPE") &&
	isconf_on a -q reboot &&
	(cd "$A" && isconf_on a -q exec sh -c "echo after >>steps") &&
	isconf_on a -q ci &&
	test "$(status_field a head)" = 7
'

test_expect_success 'image build replays the branch into the image, showing progress' '
	isconf_on a image build img --base "$BASE" >out 2>err &&
	cat >expect <<-EOF &&
	isconf: image $PWD/img: copying the base $BASE
	isconf: image $PWD/img: replaying generic entries 1 to 7
	isconf: [2/7] snap /etc/app/motd
	isconf: [3/7] exec sh -c '\''$WHERE'\''
	EOF
	head -n 4 out >actual &&
	test_cmp expect actual &&
	grep "^isconf: \[5/7\] reboot: recorded, passed over$" out &&
	tail -n 1 out >actual &&
	echo "isconf: image $PWD/img: generic at entry 7 (7 applied now, 0 skipped)" >expect &&
	test_cmp expect actual &&
	echo hello >expect && test_cmp expect img/etc/app/motd &&
	printf "in-image\nafter\n" >expect && test_cmp expect img/steps &&
	printf "on-origin\nafter\n" >expect && test_cmp expect "$A/steps"
'

test_expect_success 'an exec in an image writes nothing outside it' '
	test ! -e "$ESC" &&
	echo out >expect && test_cmp expect "img$ESC/file" &&
	test ! -e img/disk &&
	printf "fd\nfull\nnull\nrandom\nshm\nstderr\nstdin\nstdout\ntty\nurandom\nzero\n" >expect &&
	test_cmp expect img/devs &&
	test ! -e img/dev/null
'

test_expect_success 'the image records where it stands, and a new host state' '
	id=$(isconf_on a log | sed -n "7p" | cut -f 2) &&
	sed -n "1,3p" img/var/lib/isconf/image >actual &&
	printf "isconf-image 1\nbranch generic\nseq 7\n" >expect &&
	test_cmp expect actual &&
	grep "^head [0-9a-f]\{64\}$" img/var/lib/isconf/image &&
	echo generic >expect && test_cmp expect img/var/lib/isconf/conf/branch &&
	echo test.example >expect && test_cmp expect img/var/lib/isconf/conf/domain &&
	test ! -e img/var/lib/isconf/conf/host.key &&
	test ! -e img/var/lib/isconf/conf/http_token &&
	test ! -e img/var/lib/isconf/conf/hmac_keys
'

test_expect_success 'an image built to --at SEQ, then one built on it, goes on from SEQ' '
	isconf_on a -q image build img1 --base "$BASE" --at 5 &&
	grep "^seq 5$" img1/var/lib/isconf/image &&
	echo in-image >expect && test_cmp expect img1/steps &&
	isconf_on a image build img2 --base img1 >out &&
	sed -n 2p out >actual &&
	echo "isconf: image $PWD/img2: replaying generic entries 6 to 7" >expect &&
	test_cmp expect actual &&
	printf "in-image\nafter\n" >expect && test_cmp expect img2/steps &&
	grep "^seq 7$" img2/var/lib/isconf/image
'

test_expect_success 'a corrupt or hostile image record is refused, saying why' '
	cp -a img1 bad &&
	sed -i "s/^seq 5$/seq five/" bad/var/lib/isconf/image &&
	expect_code 1 isconf_on a image build img3 --base bad &&
	echo "isconf: error: image $PWD/img3: the base'\''s image record (/var/lib/isconf/image): line 3: expected \"seq\" and a valid value" >expect &&
	test_cmp expect err &&
	rm -rf img3 bad/var/lib/isconf/image &&
	ln -s /etc/passwd bad/var/lib/isconf/image &&
	expect_code 1 isconf_on a image build img3 --base bad &&
	grep "image: Too many levels of symbolic links" err &&
	rm -rf img3 && mkdir img3 && touch img3/x &&
	expect_code 1 isconf_on a image build img3 &&
	grep "img3 is not empty" err
'

test_expect_success '--tar writes a tarball; keys only with --with-keys' '
	echo image-test-key >"$(host_home a)/conf/hmac_keys" &&
	isconf_on a -q image build img4 --base "$BASE" --at 2 --tar img4.tar \
		--with-keys &&
	rm "$(host_home a)/conf/hmac_keys" &&
	tar -tf img4.tar >list &&
	grep "^\./var/lib/isconf/image$" list &&
	grep "^\./etc/app/motd$" list &&
	echo image-test-key >expect &&
	test_cmp expect img4/var/lib/isconf/conf/hmac_keys &&
	isconf_on a -q image build img5 --at 1 --tar img5.tar &&
	test -f img5.tar &&
	test ! -e img5/var/lib/isconf/conf/hmac_keys &&
	test ! -e img5/etc/app/motd
'

test_expect_success 'ci --test refuses a transaction that fails in the image, and keeps it' '
	isconf_on a -q lock "bad change" &&
	(cd "$A" && isconf_on a -q exec sh -c "test ! -f /marker") &&
	expect_code 1 isconf_on a ci --test "$BASE" &&
	grep "transaction entry (exec sh -c .test ! -f /marker.) failed: exit status 1; stopping here" err &&
	grep "ci --test: not checked in" err &&
	status_has a "^lock: *held by .*bad change" &&
	test "$(status_field a head)" = 7 &&
	isconf_on a log >out && ! grep "bad change" out &&
	isconf_on a -q unlock
'

scratch_image() {
	for _d in /var/tmp/isconf-test.*/image; do
		test -d "$_d" && echo "$_d" && return 0
	done
	return 1
}

test_expect_success 'ci --test builds its scratch image inside a directory only root enters' '
	isconf_on a -q lock "slow change" &&
	touch "$A/here" &&
	(cd "$A" && isconf_on a -q exec sh -c "test -f here && exit 0; i=0; while ! test -f go && test \$i -lt 200; do sleep 0.1; i=\$((i + 1)); done; exit 3") &&
	(isconf_on a ci --test "$BASE" >slow.out 2>&1; echo $? >slow.rc) &
	wait_for 20 scratch_image &&
	img=$(scratch_image) &&
	test "$(stat -c %a "${img%/image}")" = 700 &&
	touch "$img/go" &&
	wait_for 20 test -s slow.rc &&
	test "$(cat slow.rc)" = 1 &&
	grep "ci --test: not checked in" slow.out &&
	isconf_on a -q unlock &&
	rm "$A/here" &&
	! ls -d /var/tmp/isconf-test.* 2>/dev/null | grep .
'

test_expect_success 'ci --test checks in a transaction that succeeds in the image' '
	isconf_on a -q lock "good change" &&
	(cd "$A" && isconf_on a -q exec sh -c "echo good >>steps") &&
	isconf_on a ci --test img1 >out &&
	grep "ci --test: every entry succeeded in a scratch image from $PWD/img1" out &&
	test "$(status_field a head)" = 10 &&
	status_has a "^lock: *none" &&
	! ls -d /var/tmp/isconf-test.* 2>/dev/null | grep .
'

test_expect_success 'a host started from an image state goes on from SEQ+1' '
	make_host c 3 "IS_HOME=$PWD/img1/var/lib/isconf" "IS_ROOT=$PWD/img1" &&
	isconf_on c -q start &&
	test "$(status_field c applied)" = 5 &&
	bundle_copy a c &&
	isconf_on c up >out &&
	head -n 1 out >actual &&
	echo "isconf: [6/10] exec sh -c '\''echo after >>steps'\''" >expect &&
	test_cmp expect actual &&
	printf "in-image\nafter\ngood\n" >expect && test_cmp expect img1/steps
'

test_done
