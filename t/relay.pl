#!/usr/bin/perl
# A test relay between two isconf hosts: UDP and TCP on LISTEN:PORT,
# forwarded between HOST1 and HOST2 (each on PORT), every byte relayed
# appended to LOG.  Runs until killed.  Used by t1300 to show that
# nothing crosses the wire in clear.
#
#   relay.pl LISTEN HOST1 HOST2 PORT LOG READYFILE
use strict;
use warnings;
use IO::Socket::INET;
use IO::Select;
use Socket ();

my ($listen, $h1, $h2, $port, $logf, $ready) = @ARGV;
open(my $log, '>>', $logf) or die "$logf: $!";
binmode $log;
$log->autoflush(1);

my $udp = IO::Socket::INET->new(LocalAddr => $listen, LocalPort => $port,
    Proto => 'udp', ReuseAddr => 1) or die "udp: $!";
my $tcp = IO::Socket::INET->new(LocalAddr => $listen, LocalPort => $port,
    Proto => 'tcp', Listen => 16, ReuseAddr => 1) or die "tcp: $!";
my $sel = IO::Select->new($udp, $tcp);
my %peer;	# socket -> its other end
if (open(my $r, ">", $ready)) { close($r); }

sub other { return $_[0] eq $h1 ? $h2 : $h1 }

while (1) {
	for my $s ($sel->can_read) {
		if ($s == $udp) {
			my $buf = '';
			my $from = recv($udp, $buf, 65535, 0);
			next unless defined $from && length $from;
			my ($fport, $faddr) = Socket::unpack_sockaddr_in($from);
			my $to = other(Socket::inet_ntoa($faddr));
			print $log $buf;
			send($udp, $buf, 0, Socket::pack_sockaddr_in($port, Socket::inet_aton($to)));
		} elsif ($s == $tcp) {
			my $c = $tcp->accept or next;
			my $to = other($c->peerhost);
			my $o = IO::Socket::INET->new(PeerAddr => $to,
			    PeerPort => $port, Proto => 'tcp') or do {
				close $c; next;
			};
			$peer{$c} = $o;
			$peer{$o} = $c;
			$sel->add($c, $o);
		} else {
			my $n = sysread($s, my $buf, 65536);
			my $o = $peer{$s};
			if (!$n) {
				$sel->remove($s, $o);
				delete $peer{$s};
				delete $peer{$o};
				close $s;
				close $o;
				next;
			}
			print $log $buf;
			my $off = 0;
			while ($off < $n) {
				my $w = syswrite($o, $buf, $n - $off, $off);
				last unless defined $w;
				$off += $w;
			}
		}
	}
}
