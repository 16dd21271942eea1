#!/usr/bin/env bash
# The database-alone baseline for comment submission (issue 8): pgbench runs
# scripts/pgbench-comment.sql, one INSERT of a comment row per transaction,
# against the same PostgreSQL the service uses, into a scratch decision
# created by `canyu-load --setup-only`. The rows are deleted afterwards.
#
# Usage: scripts/load-baseline.sh [DATABASE_URL] [seconds] [clients]
#   DATABASE_URL defaults to $CANYU_DATABASE_URL; seconds to 20; clients to 8.
# Prints the tps (= comment rows/s) and the load average.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/usr/local/go/bin:$PATH
DB=${1:-${CANYU_DATABASE_URL:?set CANYU_DATABASE_URL or pass the database URL}}
SECS=${2:-20}
CLIENTS=${3:-8}
command -v pgbench >/dev/null || { echo "pgbench not found (apt-get install postgresql-client)"; exit 1; }
go build -o bin/canyu-load ./cmd/canyu-load
ids=$(bin/canyu-load --database-url "$DB" --setup-only --residents 1 --api-logins 0)
echo "scratch fixture: $ids"
declare -A v
for kv in $ids; do v[${kv%%=*}]=${kv#*=}; done
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
pgbench -n -f scripts/pgbench-comment.sql -c "$CLIENTS" -j 2 -T "$SECS" \
  -D decision="${v[decision]}" -D consultation="${v[consultation]}" -D version="${v[version]}" -D resident="${v[resident]}" \
  "$DB" | tee /tmp/canyu-pgbench.out
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' /tmp/canyu-pgbench.out | head -1)
echo "baseline: ${tps} comment rows/s (pgbench, ${CLIENTS} clients, ${SECS}s, $(nproc) cores)"
psql "$DB" -qc "DELETE FROM comments WHERE decision_id = ${v[decision]}" >/dev/null
