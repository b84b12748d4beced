# Forged gossip datagrams for the tests (doc/protocol.md, "UDP
# datagrams"), signed with a key the test gives, as a key holder or a
# replayer would send them.
#
#   use lib $ENV{SHARNESS_TEST_SRCDIR}; use forge;
#   my $f = forge->new(domain => 'test.example', key => 'K', host => 'x');
#   $f->confirm('127.0.0.2');	# answer the challenge, as a live host
#   $f->send('127.0.0.2', 1, forge::hello('generic'));
package forge;
use strict;
use warnings;
use Digest::SHA qw(hmac_sha256);
use Digest::SHA ();
use IO::Select;
use IO::Socket::INET;
use Time::HiRes qw(time);

our $PORT = 65027;

sub str { return pack('N', length $_[0]) . $_[0] }
sub u64 { return pack('NN', int($_[0] / 2**32), $_[0] % 2**32) }

# A hello body: branch, nothing applied (seq 0, id zeros), failed or
# skipped, no heads, no locks (or the held statements given), no
# releases.
sub hello {
	my ($branch, @locks) = @_;
	my $b = str($branch) . u64(0) . ("\0" x 32) . u64(0) . pack('N', 0) .
	    pack('N', 0) . pack('N', 0);
	$b .= pack('N', scalar @locks);
	$b .= str($_) for @locks;
	return $b . pack('N', 0);
}

# Lock statements' bodies (daemon/stmt.h): a claim (kind 2), held (3)
# or release (4) of BRANCH; a release names HOLDER and the (epoch, seq)
# of its held statement.
sub claim_body {
	my ($branch, $clock, $base, $author, $msg, $time) = @_;
	return str($branch) . u64($clock) . u64($base) . str($author) .
	    str($msg) . u64($time);
}
sub held_body {
	my ($branch, $clock, $author, $msg, $time) = @_;
	return str($branch) . u64($clock) . str($author) . str($msg) .
	    u64($time);
}
sub release_body {
	my ($branch, $clock, $holder, $epoch, $seq) = @_;
	return str($branch) . u64($clock) . str($holder) . u64($epoch) .
	    u64($seq);
}

# A hello that claims a position: branch, applied, failed entry and
# its status (no heads, no locks).
sub hello_at {
	my ($branch, $applied, $failed, $status) = @_;
	return str($branch) . u64($applied) . u64($failed) . pack('N', $status) .
	    pack('N', 0) . pack('N', 0) . pack('N', 0);
}

# A receipt's body (daemon/stmt.h): branch, applied, a zero entry id,
# failed entry and status, nothing skipped, no wave.
sub receipt {
	my ($branch, $applied, $failed, $status) = @_;
	return str($branch) . u64($applied) . ("\0" x 32) . u64($failed // 0) .
	    pack('N', $status // 0) . pack('N', 0) . str('');
}

# A keeper's holdings (daemon/stmt.h, kind 5): BRANCH complete through
# SEQ whose id is IDHEX, signed at TIME (epoch ms; now if not given).
sub holdings {
	my ($branch, $seq, $idhex, $time) = @_;
	return str($branch) . u64($seq) . pack('H*', $idhex) .
	    u64($time // int(time() * 1000));
}

# The statements a host keeps in its journal's state under a key
# (hex of blobs, as daemon/stmtlist.c stores them), as raw strings.
sub state_stmts {
	my $raw = pack('H*', shift);
	my @out;
	while (length $raw >= 4) {
		my $n = unpack('N', $raw);
		push @out, substr($raw, 4, $n);
		$raw = substr($raw, 4 + $n);
	}
	return @out;
}

# A statement's issuer.
sub stmt_issuer {
	my $s = shift;
	return substr($s, 6, unpack('N', substr($s, 2, 4)));
}

# A statement of KIND by ISSUER, signed (openssl) with the Ed25519 key in
# the PEM file KEY for DOMAIN: what only the holder of KEY can make.
sub stmt {
	my (%o) = @_;
	my $pk = `openssl pkey -in '$o{key}' -pubout -outform DER | tail -c 32`;
	length $pk == 32 or die "no public key in $o{key}";
	my $s = chr(1) . chr($o{kind}) . str($o{issuer}) . $pk .
	    u64($o{epoch}) . u64($o{seq}) . str($o{body});
	my $tmp = "$o{key}.msg";
	open(my $f, '>', $tmp) or die "$tmp: $!";
	print $f "isconf stmt 1\0" . str($o{domain} // 'test.example') . $s;
	close($f);
	my $sig = `openssl pkeyutl -sign -inkey '$o{key}' -rawin -in '$tmp'`;
	length $sig == 64 or die "openssl did not sign";
	return $s . $sig;
}

# A MSG_STMT body carrying the statements given.
sub stmts { return chr(scalar @_) . join('', map { str($_) } @_) }

# The key id: BLAKE2b with a 4-byte digest of the key, low bit set.
sub keyid {
	my $key = shift;
	my $h = `printf %s '$key' | b2sum -l 32`;
	return (hex(substr($h, 0, 8)) | 1);
}

sub new {
	my ($class, %o) = @_;
	my $s = bless { domain => 'test.example', counter => 0, %o }, $class;
	$s->{sock} = IO::Socket::INET->new(Proto => 'udp',
	    LocalAddr => $o{bind} // '127.0.0.1', LocalPort => $o{port} // 0,
	    ReuseAddr => 1) or die "udp: $!";
	$s->{keyid} = defined $o{key} ? keyid($o{key}) : 0;
	$s->{session} //= 1 + int(rand(2**48));
	return $s;
}

# A whole datagram of TYPE with BODY from HOST (default: ours), in our
# session with the next counter unless told otherwise.
sub dgram {
	my ($s, $type, $body, %o) = @_;
	my $c = $o{counter} // ++$s->{counter};
	my $d = 'ISC' . chr(2) . chr($type) . pack('N', $s->{keyid}) .
	    u64($o{session} // $s->{session}) . u64($c) .
	    u64(int(time() * 1000)) . str($s->{domain}) .
	    str($o{host} // $s->{host}) . str($body);
	$d .= hmac_sha256($d, $s->{key}) if defined $s->{key};
	return $d;
}

sub send {
	my ($s, $to, $type, $body, %o) = @_;
	my $d = ref $type ? $$type : $s->dgram($type, $body, %o);
	send($s->{sock}, $d, 0, Socket::pack_sockaddr_in($PORT,
	    Socket::inet_aton($to))) or die "send: $!";
}

# The next datagram for us within 2 s: (type, body, from) or ().
sub recv_dgram {
	my $s = shift;
	my $sel = IO::Select->new($s->{sock});
	return () unless $sel->can_read(2);
	my $from = recv($s->{sock}, my $d, 2048, 0);
	return () unless defined $from && $d =~ /^ISC\x02/;
	my $type = ord(substr($d, 4, 1));
	my $off = 5 + 4 + 24;
	for (1 .. 2) { $off += 4 + unpack('N', substr($d, $off, 4)) }
	my $len = unpack('N', substr($d, $off, 4));
	return ($type, substr($d, $off + 4, $len), $from);
}

# Make TO believe our session under HOST (default: ours), as a live
# key holder can: send a hello, answer the challenge it draws.
sub confirm {
	my ($s, $to, %o) = @_;
	$s->send($to, 1, hello('generic'), %o);
	# TO may gossip to every session it already believes here (the
	# names confirmed before): skip those for up to 5 s, not 20 of them.
	my $until = time + 5;
	while (time < $until) {
		my ($type, $body, $from) = $s->recv_dgram or last;
		next unless $type == 7;
		my ($port, $addr) = Socket::unpack_sockaddr_in($from);
		$s->send($to, 8, $body . $addr . pack('n', $port) .
		    Socket::inet_aton($s->{sock}->sockhost) .
		    pack('n', $s->{sock}->sockport), %o);
		return 1;
	}
	die "no challenge from $to";
}

1;
