#!/usr/bin/env bash
# Fault run (issue 8): kill -9 the service in the middle of a load run and
# start it again. canyu-load retries writes that failed on the network with
# the same Idempotency-Key and, at the end, checks in the database that every
# acknowledged comment and survey response exists exactly once. Exit status
# 0 means nothing acknowledged was lost or duplicated.
#
# Usage: scripts/fault-kill9.sh [DATABASE_URL]
#   DATABASE_URL: an empty or canyu database (migrated here); default
#   $CANYU_DATABASE_URL. The service listens on 127.0.0.1:${PORT:-8093}.
#   LOAD_SECS (default 40), KILL_AFTER (default 12), DOWN_SECS (default 3).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/usr/local/go/bin:$PATH
. scripts/fault-lib.sh
DB=${1:-${CANYU_DATABASE_URL:?set CANYU_DATABASE_URL or pass the database URL}}
PORT=${PORT:-8093}
LOAD_SECS=${LOAD_SECS:-40}
KILL_AFTER=${KILL_AFTER:-12}
DOWN_SECS=${DOWN_SECS:-3}
# CANYU_BIN / LOAD_BIN: binaries to use instead of building this tree.
fault_build
fault_env "$DB" "$PORT" "${CANYU_DATA_DIR:-/tmp/canyu-fault-var}"
log=$(mktemp /tmp/canyu-fault-kill9.XXXXXX)
start_service() {
  "$CANYU" serve >>"$log" 2>&1 &
  svc=$!
  wait_up "http://127.0.0.1:$PORT/readyz" || { echo "service did not become ready; log in $log"; exit 1; }
}
start_service
echo "service pid $svc, load average $(cut -d' ' -f1-3 /proc/loadavg)"
"$LOAD" --base-url "http://127.0.0.1:$PORT" --database-url "$DB" --duration "${LOAD_SECS}s" \
  --concurrency 32 --residents 5000 --retry-for 90s &
load=$!
sleep "$KILL_AFTER"
echo "$(date +%T) kill -9 $svc"
kill -9 "$svc"
wait "$svc" 2>/dev/null || true
sleep "$DOWN_SECS"
start_service
echo "$(date +%T) restarted: pid $svc"
status=0
wait "$load" || status=$?
kill "$svc"; wait "$svc" 2>/dev/null || true
echo "service log: $log"
if [[ $status -eq 0 ]]; then echo "fault-kill9: PASS (no acknowledged write lost or duplicated)"; else echo "fault-kill9: FAIL (canyu-load exit $status)"; fi
exit $status
