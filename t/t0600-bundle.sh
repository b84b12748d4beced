#!/bin/sh
test_description='bundles are checked completely before anything is applied'
. "$(dirname "$0")/lib-isconf.sh"

A=$(host_dir a)/root

grep -q "pause hook: paused" "$ISCONFD" && test_set_prereq PAUSE_HOOKS

test_expect_success 'setup: a transaction on a, bundled' '
	start_host a 1 && start_host b 2 &&
	head -c 300000 /dev/urandom >"$A/blob" &&
	isconf_on a -q lock "bundle me" &&
	isconf_on a -q snap "$A/blob" &&
	isconf_on a -q ci &&
	isconf_on a -q bundle create "$PWD/good.bundle"
'

test_expect_success 'a bundle that is not one is refused' '
	echo "hello" >junk.bundle &&
	expect_code 1 isconf_on b bundle apply "$PWD/junk.bundle" &&
	echo "isconf: error: bundle apply $PWD/junk.bundle: not an isconf bundle (version 1)" >expect &&
	test_cmp expect err &&
	expect_code 1 isconf_on b bundle apply "$PWD/missing.bundle"
'

test_expect_success 'a truncated bundle is refused and changes nothing' '
	gzip -dc good.bundle >plain &&
	head -c 2000 plain | gzip -1 >trunc.bundle &&
	expect_code 1 isconf_on b bundle apply "$PWD/trunc.bundle" &&
	echo "isconf: error: bundle apply $PWD/trunc.bundle: truncated or malformed" >expect &&
	test_cmp expect err &&
	test "$(status_field b head)" = 0
'

test_expect_success 'a flipped byte anywhere is refused and changes nothing' '
	size=$(wc -c <plain) &&
	for off in 40 120 $((size / 2)) $((size - 40)); do
		perl -e "open(F, q(<), q(plain)); binmode F; local \$/; \$d = <F>;
			substr(\$d, $off, 1) ^= chr(1); print \$d" | gzip -1 >bad.bundle &&
		expect_code 1 isconf_on b bundle apply "$PWD/bad.bundle" &&
		test "$(status_field b head)" = 0 || return 1
	done
'

test_expect_success 'bundle create follows no link planted at its temporary, and writes 0600' '
	echo precious >victim &&
	ln -s "$PWD/victim" "$PWD/planted.bundle.tmp" &&
	isconf_on a -q bundle create "$PWD/planted.bundle" &&
	test "$(cat victim)" = precious &&
	test "$(stat -c %a planted.bundle)" = 600 &&
	! ls | grep "^planted.bundle.tmp." &&
	cmp good.bundle planted.bundle
'

test_expect_success 'bytes after the trailer are refused and change nothing' '
	{ cat plain && printf x; } | gzip -1 >trail.bundle &&
	expect_code 1 isconf_on b bundle apply "$PWD/trail.bundle" &&
	echo "isconf: error: bundle apply $PWD/trail.bundle: trailing bytes after the trailer" >expect &&
	test_cmp expect err &&
	{ cat good.bundle && printf x | gzip; } >trail2.bundle &&
	expect_code 1 isconf_on b bundle apply "$PWD/trail2.bundle" &&
	echo "isconf: error: bundle apply $PWD/trail2.bundle: trailing bytes after the trailer" >expect &&
	test_cmp expect err &&
	{ cat good.bundle && echo junk; } >trail3.bundle &&
	expect_code 1 isconf_on b bundle apply "$PWD/trail3.bundle" &&
	echo "isconf: error: bundle apply $PWD/trail3.bundle: trailing bytes after the gzip stream" >expect &&
	test_cmp expect err &&
	test "$(status_field b head)" = 0
'

# Drop the chunks section of a plain bundle (no MAC: a has no hmac_keys).
drop_chunks() {
	perl -e '''
		local $/; open(F, "<", $ARGV[0]) or die; binmode F; my $d = <F>;
		my $o = 14 + 4;
		for (1..2) { $o += 4 + unpack("N", substr($d, $o, 4)); }
		my $n = unpack("Q>", substr($d, $o, 8)); $o += 8;
		for (1..$n) {
			$o += 4 + unpack("N", substr($d, $o, 4));
			$o += 1 + (ord(substr($d, $o, 1)) ? 64 : 0);
		}
		print substr($d, 0, $o), pack("Q>", 0), chr(0);''' "$1"
}

test_expect_success 'a bundle lacking chunks its entries need is refused, nothing applied' '
	drop_chunks plain | gzip -1 >nochunks.bundle &&
	expect_code 1 isconf_on b bundle apply "$PWD/nochunks.bundle" &&
	echo "isconf: error: bundle apply $PWD/nochunks.bundle: entry 2 (/blob) needs chunk HASH, which the bundle lacks" >expect &&
	sed "s/needs chunk [0-9a-f]*,/needs chunk HASH,/" err >actual &&
	test_cmp expect actual &&
	test "$(status_field b head)" = 0
'

test_expect_success 'a bundle for another domain is refused' '
	TEST_DOMAIN=other.example start_host x 5 &&
	isconf_on x -q lock "other" && isconf_on x -q reboot && isconf_on x -q ci &&
	isconf_on x -q bundle create "$PWD/other.bundle" &&
	expect_code 1 isconf_on b bundle apply "$PWD/other.bundle" &&
	echo "isconf: error: bundle apply $PWD/other.bundle: bundle is for domain other.example; this host is in test.example" >expect &&
	test_cmp expect err
'

test_expect_success 'the good bundle applies, and applying it twice is harmless' '
	isconf_on b bundle apply "$PWD/good.bundle" >out &&
	echo "isconf: applied bundle: 3 new entries on generic, head 3; run '\''isconf up'\''" >expect &&
	test_cmp expect out &&
	isconf_on b bundle apply "$PWD/good.bundle" >out &&
	echo "isconf: bundle holds nothing new for generic (3 entries)" >expect &&
	test_cmp expect out &&
	isconf_on b -q up && cmp "$A/blob" "$(host_dir b)/root/blob"
'

test_expect_success 'with hmac_keys, bundles need a valid HMAC' '
	echo "sekrit-key-number-one" >"$(host_dir b)/home/conf/hmac_keys" &&
	expect_code 1 isconf_on b bundle apply "$PWD/good.bundle" &&
	echo "isconf: error: bundle apply $PWD/good.bundle: not authenticated, and $(host_dir b)/home/conf/hmac_keys requires it" >expect &&
	test_cmp expect err &&
	echo "wrong-key" >"$(host_dir a)/home/conf/hmac_keys" &&
	isconf_on a -q bundle create "$PWD/wrong.bundle" &&
	expect_code 1 isconf_on b bundle apply "$PWD/wrong.bundle" &&
	echo "isconf: error: bundle apply $PWD/wrong.bundle: HMAC does not match any key in $(host_dir b)/home/conf/hmac_keys" >expect &&
	test_cmp expect err &&
	printf "newkey\n# old one:\nsekrit-key-number-one\n" >"$(host_dir a)/home/conf/hmac_keys" &&
	isconf_on a -q bundle create "$PWD/newkey.bundle" &&
	expect_code 1 isconf_on b bundle apply "$PWD/newkey.bundle" &&
	printf "sekrit-key-number-one\nnewkey\n" >"$(host_dir b)/home/conf/hmac_keys" &&
	isconf_on b -q bundle apply "$PWD/newkey.bundle" &&
	{ gzip -dc newkey.bundle && printf x; } | gzip -1 >mactrail.bundle &&
	expect_code 1 isconf_on b bundle apply "$PWD/mactrail.bundle" &&
	echo "isconf: error: bundle apply $PWD/mactrail.bundle: trailing bytes after the MAC" >expect &&
	test_cmp expect err
'

# p pauses in bundle apply between its first pass and the checking
# pass, until the test removes $PAUSED.
PAUSED=$SHARNESS_TRASH_DIRECTORY/bundle.paused

test_expect_success PAUSE_HOOKS 'a bundle renamed over between the passes: the file opened is the one checked and applied' '
	start_host p 9 ISCONF_PAUSE=bundle-passes ISCONF_PAUSE_FILE="$PAUSED" &&
	echo newkey >"$(host_dir p)/home/conf/hmac_keys" &&
	cp newkey.bundle applyme.bundle &&
	{ isconf_on p bundle apply "$PWD/applyme.bundle" >pout 2>perr;
	  echo $? >pcode; } &
	wait_for 10 test -f "$PAUSED" &&
	cp wrong.bundle swap.tmp && mv swap.tmp applyme.bundle &&
	rm "$PAUSED" &&
	wait_for 10 test -s pcode &&
	cat perr && test "$(cat pcode)" = 0 &&
	grep "applied bundle: 3 new entries" pout &&
	test "$(status_field p head)" = 3
'

# big_bundle N [KEY [ARGS]]: a bundle (no chunks, no MAC) of N chained
# exec entries of ARGS (default 4) arguments of 256 KiB, 1/1000 of that
# once compressed; with KEY (an Ed25519 PEM file), then a ci entry
# signed with it, as a host of any key can make.  Entry ids (BLAKE2b-256)
# from b2sum, the signature from openssl.
big_bundle() {
	perl -e '
		sub str { pack("N", length $_[0]) . $_[0] }
		sub put { open(my $t, ">", $_[0]) or die; binmode $t;
		    print $t $_[1]; close $t }
		binmode STDOUT;
		my ($n, $key, $args) = @ARGV;
		$args ||= 4;
		print "ISCONF-BUNDLE\n", pack("N", 1), str("test.example"),
		    str("generic"), pack("Q>", $n + ($key ? 1 : 0));
		my $prev = "\0" x 32;
		my $p = str("/") . pack("N", $args) .
		    join("", map { str("a" x 262144) } 1..$args);
		my $entry = sub {
			my ($kind, $seq, $payload) = @_;
			my $raw = pack("CCQ>", 1, $kind, $seq) . $prev .
			    pack("Q>", 0) . str("h") . str("u") . str("m") .
			    str($payload);
			put("raw.tmp", $raw);
			my $h = `b2sum -l 256 raw.tmp`; $h =~ s/ .*//s;
			$prev = pack("H*", $h);
			return str($raw);
		};
		print $entry->(3, $_, $p), chr(0) for 1..$n;
		if ($key) {
			my $pk = substr(`openssl pkey -in $key -pubout -outform DER`, -32);
			print $entry->(5, $n + 1, $pk . str(""));
			put("branch.tmp", "generic");
			my $bh = `b2sum -l 256 branch.tmp`; $bh =~ s/ .*//s;
			put("msg.tmp", "isconf-head-v1\0\0" . $prev . pack("H*", $bh));
			my $sig = `openssl pkeyutl -sign -rawin -inkey $key -in msg.tmp`;
			length $sig == 64 or die "openssl: no signature";
			print chr(1), $sig;
		}
		print pack("Q>", 0), chr(0);' "$@" | gzip -1
}

# Under ASan, freed blocks stay resident in its quarantine (256 MB): the
# hosts whose peak is measured keep it small, so that their peak is what
# they hold.
LOWQ="ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=1"

# The daemon's peak resident memory, KiB.
peak_kib() {
	sed -n "s/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p" "/proc/$(host_pid "$1")/status"
}

# The rows a host has staged (sync runs and bundle apply).
staged() {
	sqlite3 "$(host_home "$1")/journal.db" "SELECT COUNT(*) FROM staged"
}

# refused_small HOST BUNDLE KIB PATTERN: apply fails with PATTERN, the
# daemon's peak stays under KIB, nothing is applied or left staged.
refused_small() {
	expect_code 1 isconf_on "$1" bundle apply "$PWD/$2" &&
	peak=$(peak_kib "$1") && echo "peak $peak KiB" &&
	test "$peak" -lt "$3" &&
	grep "$4" err &&
	test "$(status_field "$1" head)" = 0 &&
	echo 0 >expect && staged "$1" >actual && test_cmp expect actual
}

test_expect_success 'with hmac_keys, an unauthenticated bundle of many entries is refused, nothing staged' '
	start_host m 6 "$LOWQ" &&
	echo "sekrit-key-number-one" >"$(host_dir m)/home/conf/hmac_keys" &&
	big_bundle 160 >big.bundle &&
	refused_small m big.bundle 409600 "not authenticated"
'

test_expect_success 'a bundle staging more than the limit is refused, its staging dropped' '
	start_host n 7 "$LOWQ" ISCONF_STAGE_MAX=8388608 &&
	openssl genpkey -algorithm ed25519 -out forger.pem &&
	big_bundle 40 forger.pem >signed-big.bundle &&
	refused_small n signed-big.bundle 204800 \
	    "its new entries take more than 8 MiB, the most bundle apply stages"
'

test_expect_success 'an entry over 4 MiB is refused, naming the limit' '
	big_bundle 2 forger.pem 17 >huge-entry.bundle &&
	refused_small n huge-entry.bundle 204800 \
	    "entry 1 is larger than 4 MiB, the most bundle apply reads"
'

test_expect_success 'with trusted_keys, an untrusted bundle is refused before anything is staged' '
	start_host o 8 "$LOWQ" &&
	isconf_on a key >"$(host_dir o)/home/conf/trusted_keys" &&
	refused_small o signed-big.bundle 204800 \
	    "signed by key [0-9a-f]*\.\.\., which is not in trusted_keys"
'

# 100 entries of 1 MiB: more than bundle apply used to hold (64 MiB,
# refused then), staged and committed now with its peak far below.
test_expect_success 'a signed bundle of 100 MiB of entries applies in bounded memory' '
	start_host q 10 "$LOWQ" &&
	big_bundle 100 forger.pem >legit-big.bundle &&
	isconf_on q bundle apply "$PWD/legit-big.bundle" >out &&
	echo "isconf: applied bundle: 101 new entries on generic, head 101; run '\''isconf up'\''" >expect &&
	test_cmp expect out &&
	peak=$(peak_kib q) && echo "peak $peak KiB" &&
	test "$peak" -lt 153600 &&
	test "$(status_field q head)" = 101 &&
	echo 0 >expect && staged q >actual && test_cmp expect actual
'

test_expect_success '+ANY+ accepts bundles without checking' '
	printf "sekrit-key-number-one\n+ANY+\n" >"$(host_dir b)/home/conf/hmac_keys" &&
	isconf_on b -q bundle apply "$PWD/wrong.bundle" &&
	rm "$(host_dir b)/home/conf/hmac_keys" "$(host_dir a)/home/conf/hmac_keys"
'

test_expect_success 'trusted_keys refuses entries signed by an untrusted host' '
	start_host c 3 &&
	isconf_on x -q key >/dev/null &&
	isconf_on a key >"$(host_dir c)/home/conf/trusted_keys" &&
	isconf_on c -q bundle apply "$PWD/good.bundle" &&
	isconf_on c key >"$(host_dir c)/home/conf/trusted_keys" &&
	isconf_on a -q lock more && isconf_on a -q reboot && isconf_on a -q ci &&
	isconf_on a -q bundle create "$PWD/more.bundle" &&
	expect_code 1 isconf_on c bundle apply "$PWD/more.bundle" &&
	echo "isconf: error: bundle apply $PWD/more.bundle: signed by key KEY..., which is not in trusted_keys" >expect &&
	sed "s/signed by key [0-9a-f]\{16\}\.\.\./signed by key KEY.../" err >actual &&
	test_cmp expect actual &&
	test "$(status_field c head)" = 3
'

test_expect_success 'a fork between bundle and local journal is refused, naming both' '
	start_host d 4 &&
	isconf_on d -q lock "d made this" && isconf_on d -q reboot && isconf_on d -q ci &&
	expect_code 1 isconf_on d bundle apply "$PWD/good.bundle" &&
	echo "isconf: error: bundle apply $PWD/good.bundle: fork: entry 1 of generic is HASH here but HASH in the bundle; nothing applied" >expect &&
	sed "s/is [0-9a-f]* here but [0-9a-f]* in/is HASH here but HASH in/" err >actual &&
	test_cmp expect actual
'

test_done
