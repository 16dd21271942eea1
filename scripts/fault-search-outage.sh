#!/usr/bin/env bash
# Fault run (issue 8): the search backend is unavailable for a minute in the
# middle of a load run. The backend is Meilisearch (CANYU_MEILI_URL); no
# Meilisearch server is needed: `canyu-load fake-meili` stands in for it at
# that external boundary (the routes canyu calls, documents in memory, saved
# to a file when stopped and loaded when started, as a real server keeps
# its data on disk). The script
#   1. starts the fake and `canyu serve` pointed at it,
#   2. runs canyu-load (comments, decision page, search; a sample of the
#      comments published by staff and polled in search: --lag-rate),
#   3. OUTAGE_AFTER seconds into the run stops the fake (SIGTERM: every
#      connection closed, then connection refused) for OUTAGE_SECS,
#      polling /readyz meanwhile, then starts it again,
#   4. measures how long the outbox backlog takes to drain after the restart
#      (rows enqueued before it still in search_outbox), and
#   5. checks: no write errors and every acknowledged write present once
#      (canyu-load --fail-on-errors), /readyz answered 503 during the outage
#      and 200 after, every published comment found by search again, and the
#      comments' p99 during the outage within MAX_P99_RATIO of the p99
#      outside it.
# Exit status 0 means all of that held.
#
# Usage: scripts/fault-search-outage.sh [DATABASE_URL]
#   DATABASE_URL: an empty or canyu database (migrated here); default
#   $CANYU_DATABASE_URL.
#   PORT (service, default 8096), MEILI_PORT (fake, default 7799),
#   LOAD_SECS (120), OUTAGE_AFTER (20), OUTAGE_SECS (60), LAG_RATE (5),
#   CONCURRENCY (24), RESIDENTS (6000), MAX_P99_RATIO (2),
#   DRAIN_LIMIT (seconds the backlog may take after the restart, 300).
#   CANYU_BIN / LOAD_BIN: binaries to use instead of building this tree;
#   WORK_DIR: where the logs go (default a new /tmp/canyu-fault-search.*).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/usr/local/go/bin:$PATH
. scripts/fault-lib.sh
DB=${1:-${CANYU_DATABASE_URL:?set CANYU_DATABASE_URL or pass the database URL}}
PORT=${PORT:-8096}
MEILI_PORT=${MEILI_PORT:-7799}
LOAD_SECS=${LOAD_SECS:-120}
OUTAGE_AFTER=${OUTAGE_AFTER:-20}
OUTAGE_SECS=${OUTAGE_SECS:-60}
LAG_RATE=${LAG_RATE:-5}
CONCURRENCY=${CONCURRENCY:-24}
RESIDENTS=${RESIDENTS:-6000}
MAX_P99_RATIO=${MAX_P99_RATIO:-2}
DRAIN_LIMIT=${DRAIN_LIMIT:-300}
fault_build
work=${WORK_DIR:-$(mktemp -d /tmp/canyu-fault-search.XXXXXX)}
mkdir -p "$work"; rm -f "$work/started" "$work/meili.json"
export CANYU_MEILI_URL=http://127.0.0.1:$MEILI_PORT
fault_env "$DB" "$PORT" "$work/var"
fake=; svc=; load=; poll=
cleanup() {
  for p in $poll $load $svc $fake; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT
start_fake() {
  "$LOAD" fake-meili --addr "127.0.0.1:$MEILI_PORT" --data "$work/meili.json" >>"$work/fake.log" 2>&1 &
  fake=$!
  wait_up "$CANYU_MEILI_URL/health" || { echo "fake meilisearch did not start; log in $work/fake.log"; exit 1; }
}
start_fake
"$CANYU" serve >>"$work/serve.log" 2>&1 &
svc=$!
wait_up "http://127.0.0.1:$PORT/readyz" || true
echo "service pid $svc (search: fake Meilisearch pid $fake), load average $(cut -d' ' -f1-3 /proc/loadavg)"
"$LOAD" --base-url "http://127.0.0.1:$PORT" --database-url "$DB" --duration "${LOAD_SECS}s" \
  --concurrency "$CONCURRENCY" --residents "$RESIDENTS" --mix comment=4,page=2,search=1 --retry-for 90s \
  --lag-rate "$LAG_RATE" --lag-timeout "$((OUTAGE_SECS + DRAIN_LIMIT))s" --fail-on-errors \
  --compare-window "${OUTAGE_AFTER}s+${OUTAGE_SECS}s" --started-file "$work/started" --service-pid "$svc" \
  >"$work/load.out" &
load=$!
for _ in $(seq 600); do [[ -s $work/started ]] && break; sleep 0.1; done
[[ -s $work/started ]] || { echo "canyu-load did not start its run"; exit 1; }
sleep "$OUTAGE_AFTER"
poll_readyz "$PORT" 0.5 3 "$work/readyz.log"
echo "$(date +%T.%N | cut -c1-12) search backend down (fake stopped)"
kill "$fake"; wait "$fake" 2>/dev/null || true
sleep "$OUTAGE_SECS"
down_readyz=$(grep -c ' 503$' "$work/readyz.log" || true)
start_fake
up=$(date +%s.%N)
echo "$(date +%T.%N | cut -c1-12) search backend up again (pid $fake, $(grep -o '[0-9]* documents loaded' "$work/fake.log" | tail -1))"
# The backlog: outbox rows enqueued before the restart.
drained=
while :; do
  left=$(psql "$DB" -tAc "SELECT count(*) FROM search_outbox WHERE enqueued_at < to_timestamp($up)")
  now=$(date +%s.%N)
  if [[ $left == 0 ]]; then drained=$(awk -v a="$now" -v b="$up" 'BEGIN { print a - b }'); break; fi
  awk -v a="$now" -v b="$up" -v l="$DRAIN_LIMIT" 'BEGIN { exit !(a - b > l) }' && break
  sleep 0.5
done
if [[ -n $drained ]]; then
  echo "backlog (outbox rows enqueued before the restart) drained $(printf %.1f "$drained") s after the restart"
else
  echo "backlog NOT drained within ${DRAIN_LIMIT}s: $left rows enqueued before the restart still in search_outbox"
fi
status=0
wait "$load" || status=$?
load=
kill "$poll" 2>/dev/null || true
cat "$work/load.out"
ready_end=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/readyz")
echo "/readyz during the outage: $down_readyz answers 503 (log $work/readyz.log: $(readyz_summary "$work/readyz.log")); after: $ready_end"
# comment inside: N ok, p50 X ms, p95 Y ms, p99 Z ms, ... | outside: N ok, p50 ..., p99 W ms
ratio_ok=$(awk -v max="$MAX_P99_RATIO" '$1 == "comment" && $2 == "inside:" {
    for (i = 1; i <= NF; i++) if ($i == "p99") { p[++n] = $(i + 1) }
    if (n == 2 && p[2] > 0) { printf "%s", (p[1] <= max * p[2] + 20) ? "yes" : "no"; printf " (p99 %s ms during the outage, %s ms outside it)\n", p[1], p[2] } }' "$work/load.out")
echo "comment latency within ${MAX_P99_RATIO}x during the outage: ${ratio_ok:-unknown}"
echo "logs: $work"
if [[ $status -eq 0 && $down_readyz -gt 0 && $ready_end == 200 && -n $drained && $ratio_ok == yes* ]]; then
  echo "fault-search-outage: PASS"
  exit 0
fi
echo "fault-search-outage: FAIL (canyu-load exit $status, readyz 503 during outage $down_readyz, readyz after $ready_end, drained ${drained:-no}, latency ${ratio_ok:-unknown})"
exit 1
