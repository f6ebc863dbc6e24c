#!/usr/bin/perl
# Shrink a failing replay script from test/random/run.sh.
#
#   perl test/random/shrink.pl SCRIPT PATTERN [DBNAME]
#
# Runs SCRIPT with psql in a fresh database DBNAME (default stepping_shrink,
# dropped and re-created for every try, through the ambient PG* variables)
# and keeps removing statements while psql's output still matches the Perl
# regex PATTERN (e.g. 'out of sync', or '^ [+-] ' for rows of check_view).
# Statements mentioning check_view are never removed.  Prints the smallest
# failing script found.  Needs only perl-base and psql.
use strict;
use warnings;

my ($file, $pattern, $db) = @ARGV;
die "usage: shrink.pl SCRIPT PATTERN [DBNAME]\n" unless defined $pattern;
$db = 'stepping_shrink' unless defined $db;
die "bad database name\n" unless $db =~ /^[a-z_][a-z0-9_]*$/;
my $re = qr/$pattern/m;

open(my $fh, '<', $file) or die "cannot read $file: $!\n";
my @lines = <$fh>;
close($fh);

# one statement per entry; a $b$-quoted function body spans lines
my (@stmts, $cur, $inbody);
$cur = '';
$inbody = 0;
for my $l (@lines) {
    $cur .= $l;
    my $n = () = $l =~ /\$b\$/g;
    $inbody ^= ($n % 2);
    next if $inbody;
    if ($l =~ /;\s*(--.*)?$/ || $l =~ /^\\/ || $l =~ /^--/) {
        push @stmts, $cur;
        $cur = '';
    }
}
push @stmts, $cur if $cur =~ /\S/;

my $tmp = "/tmp/stepping_shrink_$$.sql";
my $tries = 0;

sub fails {
    my @s = @_;
    $tries++;
    open(my $out, '>', $tmp) or die "cannot write $tmp: $!\n";
    print $out @s;
    close($out);
    system("psql -X -q -d postgres -c 'DROP DATABASE IF EXISTS $db' -c 'CREATE DATABASE $db' >/dev/null 2>&1") == 0
        or die "cannot (re)create database $db\n";
    my $res = `psql -X -d $db -f $tmp 2>&1`;
    return $res =~ $re;
}

die "the script does not fail (pattern not found in psql's output)\n" unless fails(@stmts);
print STDERR "shrinking ", scalar(@stmts), " statements\n";

my $chunk = int(@stmts / 2) || 1;
while (1) {
    my $changed = 0;
    for (my $i = 0; $i < @stmts; $i += $chunk) {
        my @idx = grep { $_ < $i || $_ >= $i + $chunk || $stmts[$_] =~ /check_view\(/ } 0 .. $#stmts;
        next if @idx == @stmts;
        my @cand = map { $stmts[$_] } @idx;
        if (fails(@cand)) {
            @stmts = @cand;
            $changed = 1;
            $i -= $chunk;
            print STDERR "  $tries tries: ", scalar(@stmts), " statements\n";
        }
    }
    last if $chunk == 1 && !$changed;
    $chunk = int($chunk / 2) || 1 unless $changed && $chunk == 1;
}
unlink($tmp);
system("psql -X -q -d postgres -c 'DROP DATABASE IF EXISTS $db' >/dev/null 2>&1");
print STDERR "done after $tries tries\n";
print @stmts;
