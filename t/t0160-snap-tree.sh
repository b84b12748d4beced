#!/bin/sh
test_description='snap -R DIR snaps a tree; snap DIR says it took the directory alone (issue 20 item 3)'
. "$(dirname "$0")/lib-isconf.sh"

A=$(host_dir a)/root
B=$(host_dir b)/root

test_expect_success 'setup: a tree on a' '
	start_host a 1 && start_host b 2 &&
	mkdir -p "$A/srv/app/sub" && chmod 750 "$A/srv/app" &&
	echo one >"$A/srv/app/f1" && echo two >"$A/srv/app/sub/f2" &&
	chmod 600 "$A/srv/app/sub/f2" && ln -s f1 "$A/srv/app/link" &&
	isconf_on a -q lock "tree"
'

test_expect_success 'snap DIR: the message says the contents were not included' '
	(cd "$A/srv" && isconf_on a snap app) >out &&
	echo "isconf: snapped /srv/app (directory alone, not its contents: snap -R snaps the tree)" >expect &&
	test_cmp expect out &&
	isconf_on a -q unlock && isconf_on a -q lock "tree"
'

test_expect_success 'snap -R DIR: every file, directory and symlink below, in order' '
	(cd "$A/srv" && isconf_on a snap -R app) >out &&
	cat >expect <<-\EOF &&
	isconf: snapped /srv/app (directory)
	isconf: snapped /srv/app/f1 (4 bytes, 4 new in the cache)
	isconf: snapped /srv/app/link (symlink)
	isconf: snapped /srv/app/sub (directory)
	isconf: snapped /srv/app/sub/f2 (4 bytes, 4 new in the cache)
	isconf: snapped 5 paths under app
	EOF
	test_cmp expect out &&
	isconf_on a -q ci &&
	bundle_copy a b && isconf_on b -q up &&
	test "$(cat "$B/srv/app/sub/f2")" = two &&
	test "$(stat -c %a "$B/srv/app")" = 750 &&
	test "$(stat -c %a "$B/srv/app/sub/f2")" = 600 &&
	test "$(readlink "$B/srv/app/link")" = f1 &&
	isconf_on b verify
'

test_expect_success 'snap -R refuses a FIFO inside, and a tree past the bound, snapping nothing' '
	isconf_on a -q lock "bad trees" &&
	mkfifo "$A/srv/app/fifo" &&
	expect_code 1 isconf_on a snap -R "$A/srv/app" &&
	echo "isconf: error: snap -R $A/srv/app: $A/srv/app/fifo: only regular files, directories and symlinks can be snapped (nothing snapped)" >expect &&
	test_cmp expect err &&
	rm "$A/srv/app/fifo" &&
	mkdir "$A/big" && (cd "$A/big" && seq 10000 | xargs touch) &&
	expect_code 1 isconf_on a snap -R "$A/big" &&
	grep "more than 10000 files, directories and symlinks: snap -R takes at most 10000; snap the subdirectories one at a time (nothing snapped)" err &&
	expect_code 2 isconf_on a snap -R "$A/nonesuch" &&
	isconf_on a ci >out &&
	grep "nothing to check in" out
'

test_done
