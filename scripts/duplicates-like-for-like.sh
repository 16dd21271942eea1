#!/usr/bin/env bash
# Like-for-like pair counts: what `duplicates` reports for the tree at REV,
# and for the files of today's tree that already existed at REV (renames
# followed), plus the folders DIR... that code of REV's files was moved
# into (consultation/record for the process record's move). The later
# issues' new files are left out, so the two counts speak of the same code.
# Usage: scripts/duplicates-like-for-like.sh REV [DIR...]. Needs the
# `duplicates` command.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 1 ] || { echo "usage: $0 REV [DIR...]" >&2; exit 2; }
command -v duplicates >/dev/null || { echo "duplicates-like-for-like: no duplicates command on PATH" >&2; exit 1; }
rev=$1
shift
old=$(mktemp -d)
now=$(mktemp -d)
trap 'rm -rf "$old" "$now"' EXIT
git archive "$rev" | tar -xf - -C "$old"
{
  comm -12 <(git ls-tree -r --name-only "$rev" | sort) <(git ls-files | sort)
  git diff --name-status -M "$rev" HEAD | awk '$1 ~ /^R/ {print $3}'
  for d in "$@"; do git ls-files "$d"; done
} | sort -u | tar -cf - -T - | tar -xf - -C "$now"
count() { duplicates --repo "$1" --seconds 600 | head -1; }
lines() { find "$1" -name '*.go' -print0 | xargs -0 cat | wc -l; }
echo "at $rev:                    $(count "$old")"
echo "  Go lines: $(lines "$old")"
echo "the same files today:       $(count "$now")"
echo "  Go lines: $(lines "$now")"
