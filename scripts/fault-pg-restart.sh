#!/usr/bin/env bash
# Fault run (issue 8): restart PostgreSQL in the middle of a load run. The
# service is NOT restarted: it must recover by itself, /readyz must report
# the outage while it lasts, and canyu-load's verification must find every
# acknowledged write exactly once. Exit status 0 means all three held.
#
# It restarts a whole PostgreSQL cluster, so by default it creates and uses a
# scratch cluster of its own (Debian's pg_createcluster, port 5499) instead of
# the shared one that other tests use:
#
# Usage: scripts/fault-pg-restart.sh [PG_VERSION [CLUSTER [PG_PORT]]]
#   defaults: the newest installed version, cluster canyuload, port 5499.
#   PORT (service, default 8094), LOAD_SECS (40), RESTART_AFTER (12).
# Run as root (pg_ctlcluster). Drop the scratch cluster afterwards with
#   pg_dropcluster --stop VERSION canyuload
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/usr/local/go/bin:$PATH
. scripts/fault-lib.sh
VER=${1:-$(ls /etc/postgresql | sort -V | tail -1)}
CLUSTER=${2:-canyuload}
PGPORT=${3:-5499}
PORT=${PORT:-8094}
LOAD_SECS=${LOAD_SECS:-40}
RESTART_AFTER=${RESTART_AFTER:-12}
if ! pg_lsclusters -h | awk -v v="$VER" -v c="$CLUSTER" '$1==v && $2==c {f=1} END {exit !f}'; then
  pg_createcluster "$VER" "$CLUSTER" -p "$PGPORT" -- --auth=trust >/dev/null
fi
pg_ctlcluster "$VER" "$CLUSTER" start 2>/dev/null || true
DB="postgres://postgres@127.0.0.1:$PGPORT/canyu?sslmode=disable"
psql -h 127.0.0.1 -p "$PGPORT" -U postgres -qc 'DROP DATABASE IF EXISTS canyu' -qc 'CREATE DATABASE canyu'
# CANYU_BIN / LOAD_BIN: binaries to use instead of building this tree.
fault_build
fault_env "$DB" "$PORT" "${CANYU_DATA_DIR:-/tmp/canyu-fault-var}"
log=$(mktemp /tmp/canyu-fault-pg.XXXXXX)
"$CANYU" serve >>"$log" 2>&1 &
svc=$!
wait_up "http://127.0.0.1:$PORT/readyz" || true
echo "service pid $svc, load average $(cut -d' ' -f1-3 /proc/loadavg)"
"$LOAD" --base-url "http://127.0.0.1:$PORT" --database-url "$DB" --duration "${LOAD_SECS}s" \
  --concurrency 32 --residents 5000 --retry-for 90s &
load=$!
# /readyz every 200 ms from the restart until it answers 200 again.
sleep "$RESTART_AFTER"
readyz_log=$(mktemp /tmp/canyu-readyz.XXXXXX)
poll_readyz "$PORT" 0.2 2 "$readyz_log"
echo "$(date +%T) pg_ctlcluster $VER $CLUSTER restart"
pg_ctlcluster "$VER" "$CLUSTER" restart
echo "$(date +%T) PostgreSQL back"
status=0
wait "$load" || status=$?
kill "$poll" 2>/dev/null || true
not_ready=$(grep -vc ' 200$' "$readyz_log" || true)
ready_end=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/readyz")
alive=yes; kill -0 "$svc" 2>/dev/null || alive=no
echo "/readyz during the restart: $not_ready non-200 answers (log $readyz_log: $(readyz_summary "$readyz_log"))"
echo "/readyz after: $ready_end; service still the same process: $alive"
kill "$svc" 2>/dev/null; wait "$svc" 2>/dev/null || true
echo "service log: $log"
if [[ $status -eq 0 && "$ready_end" == 200 && $alive == yes && $not_ready -gt 0 ]]; then
  echo "fault-pg-restart: PASS"
  exit 0
fi
echo "fault-pg-restart: FAIL (canyu-load exit $status, readyz after $ready_end, alive $alive, non-200 readyz $not_ready)"
exit 1
