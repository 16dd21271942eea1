#!/usr/bin/env bash
# Abuse runs (issue 8) against a running service:
#   1. a campaign of CAMPAIGN near-identical comments (one form letter with
#      small edits: punctuation inserted, a character changed or dropped,
#      words appended) from CAMPAIGN_ACCOUNTS accounts, within the comment
#      limits, then a check as the lead unit's staff through
#      GET /api/v1/decisions/{id}/comment-groups that they form one group;
#   2. residents commenting for ABUSE_SECS while, in the middle third, one
#      account and one address (24 accounts) hammer comments past the
#      limits: every refusal must be 429 with Retry-After, and the report
#      compares the residents' latency with and without the abusers.
# Exit status 0 means both passed (canyu-load exits 1 when a check fails).
#
# Usage: scripts/abuse.sh BASE_URL [DATABASE_URL]
#   BASE_URL: the service, on a loopback address (the generator spreads the
#   residents over 127.x source addresses to stay under the per-address
#   limit). DATABASE_URL defaults to $CANYU_DATABASE_URL.
#   CAMPAIGN (10000), CAMPAIGN_ACCOUNTS (1000), ABUSE_SECS (60),
#   CONCURRENCY (32), LOAD_BIN (a canyu-load binary instead of building one).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/usr/local/go/bin:$PATH
BASE=${1:?usage: scripts/abuse.sh BASE_URL [DATABASE_URL]}
DB=${2:-${CANYU_DATABASE_URL:?set CANYU_DATABASE_URL or pass the database URL}}
CAMPAIGN=${CAMPAIGN:-10000}
CAMPAIGN_ACCOUNTS=${CAMPAIGN_ACCOUNTS:-1000}
ABUSE_SECS=${ABUSE_SECS:-60}
CONCURRENCY=${CONCURRENCY:-32}
LOAD=${LOAD_BIN:-bin/canyu-load}
[[ -n "${LOAD_BIN:-}" ]] || go build -o bin/canyu-load ./cmd/canyu-load
status=0
echo "== campaign: $CAMPAIGN copies from $CAMPAIGN_ACCOUNTS accounts (load average $(cut -d' ' -f1-3 /proc/loadavg))"
"$LOAD" --base-url "$BASE" --database-url "$DB" --concurrency "$CONCURRENCY" \
  --campaign "$CAMPAIGN" --campaign-accounts "$CAMPAIGN_ACCOUNTS" || status=1
echo "== abusers during the middle third of ${ABUSE_SECS}s (load average $(cut -d' ' -f1-3 /proc/loadavg))"
"$LOAD" --base-url "$BASE" --database-url "$DB" --duration "${ABUSE_SECS}s" --concurrency "$CONCURRENCY" \
  --residents 10000 --mix comment=1 --lag-rate 0 --abuse --fail-on-errors || status=1
if [[ $status -eq 0 ]]; then echo "abuse: PASS"; else echo "abuse: FAIL"; fi
exit $status
