#!/usr/bin/env bash
# The repository stands on its own (issue 13): no source or document may cite
# the contract files that lived outside it (the product brief's sections, the
# starting design, the hardware notes, the seed documents, ../shared), and every
# docs/ page that code or docs name must exist. Prints each offence as
# file:line: what, and exits 1 when there is one.
#	bash scripts/check-docs.sh
set -euo pipefail
cd "$(dirname "$0")/.."

mapfile -t files < <(git ls-files -co --exclude-standard -- \
	'*.go' '*.md' '*.yaml' '*.yml' '*.sh' '*.json' '*.toml' '*.xml' '*.wxs' '*.txt' |
	grep -v -E '^(vendor/|scripts/check-docs\.sh$)' | sort -u)

existing=()
for f in "${files[@]}"; do [ -f "$f" ] && existing+=("$f"); done
[ "${#existing[@]}" -gt 0 ] || { echo "check-docs: no files found" >&2; exit 1; }

# perl reads each file whole, so a reference wrapped across two comment lines
# is found too; line numbers are those of the reference's first line.
perl -CSD -0777 -ne '
	use strict; use warnings; use utf8;
	our $bad;
	my $f = $ARGV;
	my $s = $_;
	my $line = sub { 1 + (substr($s, 0, $_[0]) =~ tr/\n//) };
	my $say = sub { my ($pos, $what) = @_; printf "%s:%d: %s\n", $f, $line->($pos), $what; $bad = 1 };
	my $gap = qr/[ \t]*(?:\n[ \t]*(?:\/\/+|#+|\*)?[ \t]*)?/;

	my @outside = (
		[qr/\bSPEC${gap}§/, "cites a section of the product brief; point at the docs/ page instead"],
		[qr/\bSPEC\.md\b/, "cites the product brief; point at docs/README.md"],
		[qr/\bDESIGN(?:\.md\b|${gap}habits?\b)/, "cites the starting design; point at docs/ARCHITECTURE.md"],
		[qr/\bHARDWARE(?:\.md\b|${gap}§)/, "cites the hardware notes; point at docs/hardware.md"],
		[qr{(?:\.\./|/work/)shared/}, "points outside the repository"],
		[qr{\bseeds/[\w.-]+\.txt\b}, "cites a seed document; point at docs/jabra-integration-service.md"],
	);
	for my $o (@outside) {
		while ($s =~ /$o->[0]/g) { $say->($-[0], $o->[1]) }
	}

	# docs/NAME.md (or .yaml) named anywhere, resolved from the repository root.
	# docs/hardware.md is left out: its docs/… paths cite other repositories.
	while ($f ne "docs/hardware.md" && $s =~ m{(?<![\w./-])(docs/[\w./-]*?\.(?:md|yaml))(?![\w/-])}g) {
		my ($p, $at) = ($1, $-[1]);
		$say->($at, "names $p, which does not exist") unless -f $p;
	}
	# Relative Markdown links in Markdown files, resolved from the file.
	if ($f =~ /\.md$/) {
		(my $dir = $f) =~ s{[^/]*$}{};
		while ($s =~ m{\]\(([^)\s#]+\.(?:md|yaml))(?:#[^)\s]*)?\)}g) {
			my ($p, $at) = ($1, $-[1]);
			next if $p =~ m{^[a-z]+://};
			my $full = $p =~ m{^/} ? substr($p, 1) : "$dir$p";
			1 while $full =~ s{(^|/)(?!\.\./)[^/]+/\.\./}{$1};
			$say->($at, "links $p, which does not exist") unless -f $full;
		}
	}
	END { exit($bad ? 1 : 0) }
' "${existing[@]}"
