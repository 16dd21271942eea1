#!/usr/bin/env bash
# Comments through the full service as a fraction of what the database alone
# does (issue 8), in one run: pgbench inserting comment rows
# (scripts/load-baseline.sh), then canyu-load submitting comments through a
# running service on the same PostgreSQL, then the ratio.
#
# Usage: scripts/load-vs-baseline.sh SERVICE_PID [canyu-load flags...]
#   CANYU_DATABASE_URL: the service's database; BASE_URL (default
#   http://127.0.0.1:8095); LOAD_BIN: a canyu-load binary (default: build).
#   Default canyu-load flags: --duration 60s --concurrency 32 --residents 24000.
set -euo pipefail
cd "$(dirname "$0")/.."
pid=${1:?usage: scripts/load-vs-baseline.sh SERVICE_PID [canyu-load flags...]}
shift
: "${CANYU_DATABASE_URL:?set CANYU_DATABASE_URL}"
[ $# -gt 0 ] || set -- --duration 60s --concurrency 32 --residents 24000
base=$(scripts/load-baseline.sh "$CANYU_DATABASE_URL" 20 8 | tee /dev/stderr | sed -n 's/^baseline: \([0-9.]*\) .*/\1/p')
out=$(scripts/load-cpu.sh "$pid" --mix comment=1 --lag-rate 0 "$@" | tee /dev/stderr)
rate=$(echo "$out" | awk '$1 == "comment" && $2 ~ /^[0-9]+$/ {print $3}')
awk -v r="$rate" -v b="$base" 'BEGIN { printf "comments through the service: %.1f/s = %.0f%% of the database alone (%.1f rows/s)\n", r, 100 * r / b, b }'
