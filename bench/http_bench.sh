#!/usr/bin/env bash
# HTTP benchmark on loopback: wrk with 64 connections against `dsr serve`
# (Release build), for a static answer (GET /healthz, the transport alone),
# reading a request, firing a workflow event (durable), and filing a request
# (durable). Prints requests/s, p50 and p99 latency, and each rate as a share
# of the static one, all measured in the same run. Stops by itself.
#   bench/http_bench.sh [SECONDS]   (default 10 per scenario)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-10}"
dsr=build/release/app/dsr
work=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
cleanup() { [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

"$dsr" serve --listen "127.0.0.1:$port" --db "$work/dsr.db" --key-file "$work/master.key" \
  --message-sink "dir:$work/outbox" --public-rate 0 --quiet 2>"$work/serve.err" &
pid=$!
for _ in $(seq 100); do grep -q listening "$work/serve.err" 2>/dev/null && break; sleep 0.1; done
base="http://127.0.0.1:$port"
staff=$("$dsr" token create --role supervisor --name bench --db "$work/dsr.db" --key-file "$work/master.key")

export DSR_BENCH_IDS="$work/ids.txt" DSR_BENCH_TOKEN="$staff" DSR_BENCH_DIR="$PWD/bench"

run() {  # run NAME [wrk args...]: prints "NAME rps p50 p99 errors"
  local name="$1"; shift
  local out
  out=$(wrk -t2 -c64 -d"${seconds}s" --latency "$@" 2>&1)
  local rps p50 p99 errors
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  errors=$(awk '/Non-2xx/ {print $5}' <<<"$out"); errors=${errors:-0}
  echo "$name $rps $p50 $p99 $errors"
}

# Receipts to subjects are sent after the filings, by the outbox worker. So
# that the filings' receipts do not run inside the next scenario, wait
# until none is owed (at most two minutes) and say how long that took.
drain_receipts() {
  local start owed
  start=$(date +%s.%N)
  for _ in $(seq 240); do
    owed=$(curl -sf "$base/metrics" | awk '$1 == "dsr_receipts_owed" {print $2}')
    [ "${owed:-1}" = 0 ] && break
    sleep 0.5
  done
  awk -v s="$start" -v e="$(date +%s.%N)" -v o="${owed:-?}" \
    'BEGIN {printf "receipts still owed after the filings: sent within %.1f s (owed now: %s)\n", e - s, o}' >&2
}

results=$(
  run "static (GET /healthz)" "$base/healthz"
  run "file a request (POST /v1/requests, durable)" -s bench/wrk/file.lua "$base/v1/requests"
  drain_receipts
  # The filings above are the pool to read and write: 20,000 of them at
  # random, so that concurrent writers rarely race for one request.
  sqlite3 -readonly "$work/dsr.db" "SELECT id FROM requests ORDER BY random() LIMIT 20000" >"$work/ids.txt"
  run "read a request (GET /v1/requests/{id})" -s bench/wrk/read.lua "$base"
  run "fire an event (POST .../messages, durable)" -s bench/wrk/message.lua "$base"
)
peak=$(ps -o rss= -p "$pid" | tr -d ' ')
echo "HTTP benchmark: wrk -t2 -c64 -d${seconds}s on loopback, dsr serve Release, $(nproc) cores"
printf '%-46s %12s %10s %10s %10s %8s\n' scenario requests/s p50 p99 x_static non-2xx
static=$(head -1 <<<"$results" | awk '{print $(NF-3)}')
while read -r line; do
  name=$(awk '{NF-=4; print}' <<<"$line")
  set -- $(awk '{print $(NF-3), $(NF-2), $(NF-1), $NF}' <<<"$line")
  printf '%-46s %12s %10s %10s %10.2f %8s\n' "$name" "$1" "$2" "$3" "$(awk -v a="$1" -v b="$static" 'BEGIN {print a / b}')" "$4"
done <<<"$results"
echo "dsr serve resident memory after the run: $((peak / 1024)) MiB"
