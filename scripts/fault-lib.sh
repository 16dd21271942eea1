# Shared by the fault runs (scripts/fault-*.sh), which source it after
# cd-ing to the repository root. Not a script of its own.

# fault_build sets CANYU and LOAD to the canyu and canyu-load binaries:
# CANYU_BIN / LOAD_BIN when given, else built from this tree into bin/.
fault_build() {
  CANYU=${CANYU_BIN:-bin/canyu}
  LOAD=${LOAD_BIN:-bin/canyu-load}
  [[ -n "${CANYU_BIN:-}" ]] || go build -o bin/canyu ./cmd/canyu
  [[ -n "${LOAD_BIN:-}" ]] || go build -o bin/canyu-load ./cmd/canyu-load
}

# fault_env DB PORT DATA_DIR points the service at DB, listening on PORT
# with its data in DATA_DIR, and migrates DB.
fault_env() {
  export CANYU_DATABASE_URL=$1 CANYU_ADDR=127.0.0.1:$2 CANYU_DATA_DIR=$3 CANYU_LOG_LEVEL=warn
  "$CANYU" migrate
}

# wait_up URL: whether URL answers 2xx within ten seconds.
wait_up() {
  for _ in $(seq 100); do
    curl -fs "$1" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  return 1
}

# poll_readyz PORT INTERVAL TIMEOUT LOG: in the background while the load
# run ($load) lasts, writes a timestamped /readyz status a line to LOG every
# INTERVAL seconds (each answer waited for at most TIMEOUT seconds); sets
# poll to its pid.
poll_readyz() {
  local port=$1 interval=$2 timeout=$3 log=$4
  ( while kill -0 "$load" 2>/dev/null; do
      echo "$(date +%T.%N | cut -c1-12) $(curl -s -o /dev/null -w '%{http_code}' -m "$timeout" "http://127.0.0.1:$port/readyz")"
      sleep "$interval"
    done ) >"$log" &
  poll=$!
}

# readyz_summary LOG: the statuses in LOG, run-length counted ("3 200 5 503 …").
readyz_summary() {
  awk '{print $2}' "$1" | uniq -c | tr -s ' \n' ' '
}
