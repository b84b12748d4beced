#!/usr/bin/perl
# A datagram tap and relay for the tests: every datagram reaching
# LISTEN:65027 is appended to LOG as "SOURCE HEX" lines; with A and B,
# datagrams from A are sent on to B and those from B to A, from
# LISTEN (a relay without the key).  Runs until killed.
#
#   udptap.pl LISTEN LOG READYFILE [A B]
use strict;
use warnings;
use IO::Socket::INET;
use Socket ();

my ($listen, $logf, $ready, $a, $b) = @ARGV;
open(my $log, '>>', $logf) or die "$logf: $!";
$log->autoflush(1);
my $udp = IO::Socket::INET->new(LocalAddr => $listen, LocalPort => 65027,
    Proto => 'udp') or die "udp: $!";
if (open(my $r, '>', $ready)) { close($r); }
while (1) {
	my $from = recv($udp, my $d, 65535, 0);
	next unless defined $from && length $from;
	my $src = Socket::inet_ntoa((Socket::unpack_sockaddr_in($from))[1]);
	print $log "$src ", unpack('H*', $d), "\n";
	next unless defined $a;
	my $to = $src eq $a ? $b : $src eq $b ? $a : next;
	send($udp, $d, 0, Socket::pack_sockaddr_in(65027,
	    Socket::inet_aton($to)));
}
