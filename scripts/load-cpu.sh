#!/usr/bin/env bash
# Runs canyu-load against a running service and reports, besides the
# generator's own table, the CPU time the service and PostgreSQL spent per
# acknowledged operation (issue 8). CPU time, unlike a rate, stays
# comparable when something else shares the machine: it is how the numbers
# in BENCHMARKS.md were checked while other work ran.
#
# Usage: scripts/load-cpu.sh SERVICE_PID [canyu-load flags...]
#   CANYU_DATABASE_URL: the service's database; LOAD_BIN: a canyu-load binary
#   (default: build this tree); BASE_URL (default http://127.0.0.1:8095).
# PostgreSQL's CPU is summed over every process of the postgres user
# (including exited backends, through the postmaster's child times), so run
# it where no other database work runs. The fixture setup (residents,
# sessions) is included: subtract a `--setup-only` run for exactness.
set -euo pipefail
cd "$(dirname "$0")/.."
pid=${1:?usage: scripts/load-cpu.sh SERVICE_PID [canyu-load flags...]}
shift
: "${CANYU_DATABASE_URL:?set CANYU_DATABASE_URL}"
LOAD_BIN=${LOAD_BIN:-}
if [ -z "$LOAD_BIN" ]; then
  export PATH=/usr/local/go/bin:$PATH
  go build -o bin/canyu-load ./cmd/canyu-load
  LOAD_BIN=bin/canyu-load
fi
ticks() { # service ticks, postgres ticks
  local svc pg=0 v
  svc=$(awk '{print $14+$15}' "/proc/$pid/stat")
  for p in $(pgrep -u postgres); do
    v=$(awk '{print $14+$15+$16+$17}' "/proc/$p/stat" 2>/dev/null || echo 0)
    pg=$((pg + v))
  done
  echo "$svc $pg"
}
hz=$(getconf CLK_TCK)
read -r s0 p0 < <(ticks)
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
out=$("$LOAD_BIN" --base-url "${BASE_URL:-http://127.0.0.1:8095}" --database-url "$CANYU_DATABASE_URL" --service-pid "$pid" "$@" 2>&1) || status=$?
read -r s1 p1 < <(ticks)
echo "$out"
ok=$(echo "$out" | awk '/^(comment|survey|page|list|search) +[0-9]/ {s += $2} END {print s + 0}')
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ "$ok" -gt 0 ]; then
  awk -v s=$((s1 - s0)) -v p=$((p1 - p0)) -v hz="$hz" -v ok="$ok" 'BEGIN {
    printf "CPU per acknowledged operation (%d): service %.3f ms, PostgreSQL %.3f ms\n", ok, s * 1000 / hz / ok, p * 1000 / hz / ok }'
fi
exit "${status:-0}"
