#!/usr/bin/env bash
# How the pairs `duplicates` reports for this tree break down: the whole
# tree; without the applied migrations (which are never edited); and then
# also without Go import blocks (two files that import the same six
# packages are a pair to the tool). Usage: scripts/duplicates-breakdown.sh [REV]
# (default: the working tree). Needs the `duplicates` command and perl.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v duplicates >/dev/null || { echo "duplicates-breakdown: no duplicates command on PATH" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [ $# -gt 0 ]; then
  git archive "$1" | tar -xf - -C "$tmp"
else
  git ls-files -co --exclude-standard | tar -cf - -T - 2>/dev/null | tar -xf - -C "$tmp"
fi
count() { duplicates --repo "$tmp" --seconds 600 | head -1; }
lines() { find "$tmp" -name '*.go' -print0 | xargs -0 cat | wc -l; }
echo "whole tree:                        $(count)"
echo "  Go lines: $(lines)"
rm -rf "$tmp/migrations"
echo "without migrations/:               $(count)"
find "$tmp" -name '*.go' -print0 | xargs -0 perl -0pi -e 's/\nimport \((?:.|\n)*?\n\)\n/\n/'
echo "... and without Go import blocks:  $(count)"
