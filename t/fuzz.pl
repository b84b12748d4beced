#!/usr/bin/perl
# Throw random and mutated datagrams and stream bytes at an isconfd.
#
#   fuzz.pl ADDR PORT DOMAIN COUNT SEED
#
# Datagrams: pure noise, truncations, and well-formed headers (no HMAC:
# the target runs without keys) with random types and bodies, so the
# body parsers see hostile input.  Streams: noise, and a handshake
# prefix followed by noise.
use strict;
use warnings;
use IO::Socket::INET;
use Time::HiRes qw(time);

my ($addr, $port, $domain, $count, $seed) = @ARGV;
srand($seed);
my $udp = IO::Socket::INET->new(PeerAddr => $addr, PeerPort => $port,
    Proto => 'udp') or die "udp: $!";

sub noise { my $n = shift; return join '', map { chr(int(rand(256))) } 1 .. $n }
sub str { my $s = shift; return pack('N', length $s) . $s }

sub header {
	my ($type, $host) = @_;
	my $ms = int(time() * 1e3);
	return 'ISC' . chr(2) . chr($type) . pack('N', 0) .
	    pack('NNNN', 0, int(rand(2**32)), 0, int(rand(2**32))) .
	    pack('NN', int($ms / 2**32), $ms % 2**32) . str($domain) .
	    str($host);
}

sub body {
	my $kind = int(rand(4));
	return noise(int(rand(300))) if $kind == 0;
	# Plausible shapes: strings, counts and seqs with random values.
	my $b = '';
	for (1 .. int(rand(12))) {
		my $f = int(rand(4));
		$b .= $f == 0 ? str(noise(int(rand(40)))) :
		    $f == 1 ? pack('N', int(rand(2**32))) :
		    $f == 2 ? pack('N', int(rand(20))) :
		    pack('NN', 0, int(rand(100)));
	}
	return $b;
}

for my $i (1 .. $count) {
	my $r = int(rand(5));
	my $d;
	if ($r == 0) {
		$d = noise(int(rand(1500)));
	} elsif ($r == 1) {
		$d = header(int(rand(8)), "fuzz$i");
		$d = substr($d, 0, int(rand(length $d)));
	} else {
		my $b = body();
		$d = header(1 + int(rand(8)), "fz" . int(rand(50))) . str($b);
		# Flip a byte now and then.
		substr($d, int(rand(length $d)), 1) = chr(int(rand(256)))
		    if rand() < 0.3;
	}
	$udp->send($d);
}

for my $i (1 .. int($count / 20)) {
	my $t = IO::Socket::INET->new(PeerAddr => $addr, PeerPort => $port,
	    Proto => 'tcp', Timeout => 2) or next;
	my $d = rand() < 0.5 ? noise(int(rand(3000))) :
	    'ISCT' . chr(1) . pack('N', 0) . noise(32) . str($domain) .
	    noise(32) . noise(int(rand(2000)));
	syswrite($t, $d);
	close($t);
}
print "sent $count datagrams\n";
