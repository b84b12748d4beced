# Forged gossip datagrams for the tests (doc/protocol.md, "UDP
# datagrams"), signed with a key the test gives, as a key holder or a
# replayer would send them.
#
#   use lib $ENV{SHARNESS_TEST_SRCDIR}; use forge;
#   my $f = forge->new(domain => 'test.example', key => 'K', host => 'x');
#   $f->send('127.0.0.2', 1, forge::hello('generic'));
package forge;
use strict;
use warnings;
use Digest::SHA qw(hmac_sha256);
use Digest::SHA ();
use IO::Socket::INET;
use Time::HiRes qw(time);

our $PORT = 65027;

sub str { return pack('N', length $_[0]) . $_[0] }
sub u64 { return pack('NN', int($_[0] / 2**32), $_[0] % 2**32) }

# A hello body: branch, nothing applied, no heads, no locks (or those
# given as [branch, holder, author, message, time]).
sub hello {
	my ($branch, @locks) = @_;
	my $b = str($branch) . u64(0) . u64(0) . pack('N', 0) . pack('N', 0);
	$b .= pack('N', scalar @locks);
	$b .= str($_->[0]) . str($_->[1]) . str($_->[2]) . str($_->[3]) .
	    u64($_->[4]) for @locks;
	return $b;
}

# The key id: BLAKE2b with a 4-byte digest of the key, low bit set.
sub keyid {
	my $key = shift;
	my $h = `printf %s '$key' | b2sum -l 32`;
	return (hex(substr($h, 0, 8)) | 1);
}

sub new {
	my ($class, %o) = @_;
	my $s = bless { domain => 'test.example', %o }, $class;
	$s->{sock} = IO::Socket::INET->new(Proto => 'udp',
	    LocalAddr => $o{bind} // '127.0.0.1') or die "udp: $!";
	$s->{keyid} = defined $o{key} ? keyid($o{key}) : 0;
	return $s;
}

# A whole datagram of TYPE with BODY from HOST (default: ours).
sub dgram {
	my ($s, $type, $body, %o) = @_;
	my $ns = $o{counter} // int(time() * 1e9);
	my $d = 'ISC' . chr(1) . chr($type) . pack('N', $s->{keyid}) .
	    u64($ns) . str($s->{domain}) . str($o{host} // $s->{host}) .
	    str($body);
	$d .= hmac_sha256($d, $s->{key}) if defined $s->{key};
	return $d;
}

sub send {
	my ($s, $to, $type, $body, %o) = @_;
	my $d = ref $type ? $$type : $s->dgram($type, $body, %o);
	send($s->{sock}, $d, 0, Socket::pack_sockaddr_in($PORT,
	    Socket::inet_aton($to))) or die "send: $!";
}

1;
