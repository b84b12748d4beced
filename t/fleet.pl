#!/usr/bin/perl
# The fleet view's summary as lines, for t3010 and t3020:
#	perl fleet.pl expect FLEET HEADS...	from an injected fleet file
#						(daemon/fleet_inject.c) and
#						BRANCH=HEAD, plus this host
#						as SELF-BRANCH (at its head)
#	perl fleet.pl api <JSON			from /api/v1/hosts
#	perl fleet.pl dom <HTML			from the dashboard (no heads)
use strict;
use warnings;
use JSON::PP;

my @states = qw(head behind wave held forked failed unknown);
my $mode = shift;

sub line {
	my ($name, $head, $st, $fails) = @_;
	my $l = $name . (defined $head ? " $head" : "");
	$l .= " $_=" . ($st->{$_} // 0) for @states;
	$l .= " failed-at-$_=$fails->{$_}" for sort { $a <=> $b } keys %$fails;
	return "$l\n";
}

if ($mode eq "expect") {
	my ($file, $self, @heads) = @ARGV;
	my %head = map { split /=/ } @heads;
	my (%s, %f, %w, $n);
	$s{$self}{head}++;
	open(my $in, "<", $file) or die "$file: $!";
	while (<$in>) {
		my ($h, $b, $a, $fs, $wave, $wait) = split;
		$wait //= "-";
		my $st = $fs ? "failed" : $wait =~ /^h/ ? "held" :
		    $wait =~ /^w/ ? "wave" : $a < $head{$b} ? "behind" : "head";
		$s{$b}{$st}++;
		$f{$b}{$fs}++ if $fs;
		$w{$wave}{$st}++ if $wave ne "-";
		$n++;
	}
	print line($_, $head{$_}, $s{$_}, $f{$_} // {}) for sort keys %s;
	print line("wave $_", undef, $w{$_}, {}) for sort keys %w;
	printf "total %d\n", $n + 1;
	exit 0;
}
local $/;
if ($mode eq "dom") {
	my $html = <STDIN>;
	my (%g, %f);
	$g{$1}{$2} = $3
	    while $html =~ /<span class="lg" data-of="([^"]+)" data-state="(\w+)" data-n="(\d+)">/g;
	$f{$1}{$2} = $3
	    while $html =~ /<li data-branch="([^"]+)" data-entry="(\d+)" data-n="(\d+)">/g;
	# Branches first, then waves, as in expect.
	print line($_, undef, $g{$_}, $f{$_} // {})
	    for (sort grep { !/^wave / } keys %g), (sort grep { /^wave / } keys %g);
	exit 0;
}
my $j = JSON::PP->new->decode(<STDIN>);
for my $b (sort { $a->{branch} cmp $b->{branch} } @{$j->{summary}{branches}}) {
	my %f = map { $_->{entry} => $_->{hosts} } @{$b->{failures}};
	print line($b->{branch}, $b->{head}, $b->{states}, \%f);
}
print line("wave $_->{wave}", undef, $_->{states}, {})
    for sort { $a->{wave} cmp $b->{wave} } @{$j->{summary}{waves}};
print "total $j->{total}\n";
