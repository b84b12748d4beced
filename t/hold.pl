#!/usr/bin/perl
# Hold idle connections to a daemon as an attacker would, opening a new
# one for each that the daemon closes: COUNT connections to DST (ADDR:PORT,
# or the path of a Unix socket when SRC is "unix"), from the source
# addresses SRC (comma-separated, used in turn), for SECONDS.  With
# "trickle", each sends an HTTP request line and then one header byte a
# second, never ending its headers.  Touches READY once all are open;
# prints how many the daemon closed when it ends.  Used by t1620.
#
#   hold.pl DST SRC COUNT SECONDS READY [trickle]
use strict;
use warnings;
use IO::Socket::INET;
use IO::Socket::UNIX;
use IO::Select;
use Time::HiRes qw(sleep time);

my ($dst, $src, $count, $secs, $ready, $mode) = @ARGV;
$SIG{PIPE} = "IGNORE";
$mode //= '';
my @srcs = split /,/, $src;
my $sel = IO::Select->new;
my %from;	# socket -> its source address
my $closed = 0;

sub open_one {
	my ($addr) = @_;
	my $s = $addr eq 'unix'
	    ? IO::Socket::UNIX->new(Peer => $dst, Type => SOCK_STREAM)
	    : IO::Socket::INET->new(PeerAddr => $dst, LocalAddr => $addr,
		Proto => 'tcp', Timeout => 2);
	return unless $s;
	syswrite($s, "GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ") if $mode eq 'trickle';
	$from{$s} = $addr;
	$sel->add($s);
}

open_one($srcs[$_ % @srcs]) for 0 .. $count - 1;
if (open(my $r, '>', $ready)) { close $r; }
my $end = time + $secs;
my $next_byte = time + 1;
while (time < $end) {
	my @again;
	for my $s ($sel->can_read(0.5)) {
		next if sysread($s, my $buf, 4096);
		push @again, delete $from{$s};
		$sel->remove($s);
		close $s;
		$closed++;
	}
	# Not at once: a refused connection would be retried in a loop.
	sleep 0.5 if @again;
	open_one($_) for @again;
	if ($mode eq 'trickle' && time >= $next_byte) {
		syswrite($_, 'a') for $sel->handles;
		$next_byte = time + 1;
	}
}
print "closed $closed\n";
