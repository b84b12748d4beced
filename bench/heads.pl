#!/usr/bin/perl
# bench/heads.pl N WANT T0_MS: poll hosts 2..N (127.0.1.i:65328) over
# kept-alive HTTP connections until each reports a head >= WANT; print
# each host's milliseconds after T0_MS (30000 for one that never did),
# then the mean time of one sweep over all hosts.  One sweep of
# `isconf status` over 200 hosts took ~900 ms (a process per host); this
# takes a few ms, so the figure is the mesh's, not the poller's.
use strict;
use warnings;
use IO::Socket::INET;
use Time::HiRes qw(time);

my ($n, $want, $t0) = @ARGV;
my (%sock, %done);

sub head_of {
	my $i = shift;
	my $s = $sock{$i} ||= IO::Socket::INET->new(
	    PeerAddr => "127.0.1.$i:65328", Timeout => 2) or return -1;
	# hosts, not status: no token needed, and this host comes first.
	unless (print $s "GET /api/v1/hosts HTTP/1.1\r\nHost: b\r\n\r\n") {
		delete $sock{$i};
		return -1;
	}
	local $/ = "\r\n\r\n";
	my $h = <$s>;
	my ($len) = defined $h ? $h =~ /Content-Length: *(\d+)/i : ();
	my $body = '';
	unless (defined $len && read($s, $body, $len) == $len) {
		delete $sock{$i};
		return -1;
	}
	delete $sock{$i} if $h =~ /Connection: *close/i;
	return $body =~ /"head":(\d+)/ ? $1 : -1;
}

my @pending = (2 .. $n);
my ($sweeps, $swept) = (0, 0);
while (@pending && time * 1000 - $t0 < 30000) {
	my $s0 = time;
	my @left;
	for my $i (@pending) {
		if (head_of($i) >= $want) {
			$done{$i} = int(time * 1000 - $t0);
		} else {
			push @left, $i;
		}
	}
	@pending = @left;
	$swept += time - $s0 if @pending;
	$sweeps++;
}
# One full sweep over every host, for the resolution.
my $s0 = time;
head_of($_) for 2 .. $n;
printf "%s %.1f\n", join(' ', map { $done{$_} // 30000 } 2 .. $n),
    (time - $s0) * 1000;
