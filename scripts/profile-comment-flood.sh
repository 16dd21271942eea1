#!/usr/bin/env bash
# CPU profile of the service during a comment flood (issue 16: what share of
# the service's CPU indexing comments takes; issue 12: what the comment
# checkpoints and their Merkle hashing take). Migrates a fresh database,
# starts `canyu serve --pprof-addr` with the embedded search backend, runs
# canyu-load with comments only and takes a CPU profile in the middle of the
# run, then prints the share of the samples under the search indexer (the
# outbox drain into the public and staff indexes, bleve's background
# merges included) and the CPU per accepted comment that share stands for.
#
# Usage: scripts/profile-comment-flood.sh [DATABASE_URL]
#   DATABASE_URL: an empty or canyu database (migrated here); default a
#   fresh canyu_flood database on 127.0.0.1:5432. LOAD_SECS (default 60),
#   PROFILE_SECS (default 30), CONCURRENCY (default 32), PORT (default 8097),
#   PPROF_PORT (default 6067). CANYU_BIN / LOAD_BIN reuse built binaries.
#   The profile is kept in ${PROFILE:-/tmp/canyu-flood.prof}.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/usr/local/go/bin:$PATH
if [[ -z "${1:-}" ]]; then
  psql -q -h 127.0.0.1 -U postgres -c 'DROP DATABASE IF EXISTS canyu_flood' -c 'CREATE DATABASE canyu_flood'
fi
DB=${1:-postgres://postgres@127.0.0.1:5432/canyu_flood?sslmode=disable}
PORT=${PORT:-8097}
PPROF_PORT=${PPROF_PORT:-6067}
LOAD_SECS=${LOAD_SECS:-60}
PROFILE_SECS=${PROFILE_SECS:-30}
PROFILE=${PROFILE:-/tmp/canyu-flood.prof}
CANYU=${CANYU_BIN:-bin/canyu}
LOAD=${LOAD_BIN:-bin/canyu-load}
[[ -n "${CANYU_BIN:-}" ]] || go build -o bin/canyu ./cmd/canyu
[[ -n "${LOAD_BIN:-}" ]] || go build -o bin/canyu-load ./cmd/canyu-load
data=$(mktemp -d /tmp/canyu-flood-var.XXXXXX)
export CANYU_DATABASE_URL=$DB CANYU_ADDR=127.0.0.1:$PORT CANYU_DATA_DIR=$data CANYU_LOG_LEVEL=warn
"$CANYU" migrate
log=$(mktemp /tmp/canyu-flood.XXXXXX)
"$CANYU" serve --pprof-addr "127.0.0.1:$PPROF_PORT" >>"$log" 2>&1 &
svc=$!
trap 'kill "$svc" 2>/dev/null || true' EXIT
for _ in $(seq 300); do
  curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break
  sleep 0.1
done
echo "service pid $svc, load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
"$LOAD" --base-url "http://127.0.0.1:$PORT" --database-url "$DB" --duration "${LOAD_SECS}s" \
  --concurrency "${CONCURRENCY:-32}" --residents 24000 --mix comment=1 --lag-rate 0 >"$log.load" 2>&1 &
load=$!
# The fixture (residents, sessions) takes a while: profile once comments flow.
until grep -q . <(psql -qtA "$DB" -c 'SELECT 1 FROM comments LIMIT 1' 2>/dev/null); do sleep 1; done
sleep 5
c0=$(psql -qtA "$DB" -c 'SELECT count(*) FROM comments')
curl -fs -o "$PROFILE" "http://127.0.0.1:$PPROF_PORT/debug/pprof/profile?seconds=$PROFILE_SECS"
c1=$(psql -qtA "$DB" -c 'SELECT count(*) FROM comments')
wait "$load" || true
cat "$log.load"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "comments accepted during the ${PROFILE_SECS}-s profile: $((c1 - c0))"
# Samples under the indexer's goroutine (Drain: store reads, normalisation,
# bleve analysis and batch) and under bleve's own background goroutines
# (introducing, persisting and merging segments): all of it is the cost of
# indexing. Background GC is not attributed to any stack (it is ~10%).
sum() { # [focus regexp] -> seconds of samples (whose stack matches)
  go tool pprof -top -nodecount=1000000 -nodefraction=0 -edgefraction=0 ${1:+-focus "$1"} "$PROFILE" 2>/dev/null |
    awk '/^Showing nodes accounting for/ {v=$5; sub(",","",v); if (v ~ /mins$/) {sub("mins","",v); v*=60} else if (v ~ /ms$/) {sub("ms","",v); v/=1000} else if (v ~ /us$/) {sub("us","",v); v/=1e6} else sub("s","",v); print v}'
}
total=$(sum)
idx=$(sum 'search\.\(\*Indexer\)|scorch|zapx')
awk -v t="$total" -v i="$idx" -v n="$((c1 - c0))" -v secs="$PROFILE_SECS" 'BEGIN {
  printf "service CPU in the profile: %.2f s over %d s (%.0f%% of one core)\n", t, secs, 100*t/secs
  printf "search indexing: %.2f s = %.1f%% of the service CPU\n", i, 100*i/t
  if (n > 0) printf "per accepted comment: service %.0f us, of which indexing %.0f us\n", t*1e6/n, i*1e6/n }'
# The comment checkpoint job (issue 12): the whole pass (campaign grouping,
# MinHash, the UPDATE per comment, the record entry) and within it the
# Merkle leaves and root that seal the comments.
cp=$(sum 'Service\)\.CheckpointComments')
mk=$(sum 'commentLeaf\)\.leaf|record\.MerkleRoot|record\.LeavesRoot')
awk -v t="$total" -v c="$cp" -v m="$mk" -v n="$((c1 - c0))" 'BEGIN {
  printf "comment checkpoints: %.2f s = %.1f%% of the service CPU; Merkle leaves and root %.3f s = %.2f%%\n", c, 100*c/t, m, 100*m/t
  if (n > 0) printf "per accepted comment: checkpoint %.1f us, of which Merkle %.2f us\n", c*1e6/n, m*1e6/n }'
echo "profile: $PROFILE (go tool pprof -top -cum -focus 'Indexer|scorch|zapx' $CANYU $PROFILE)"
