#!/usr/bin/env bash
# HTTP benchmark on loopback: wrk with 64 connections against `dsr serve`
# (Release build), for a static answer (GET /healthz, the transport alone),
# filing a request (durable), reading a request, and firing a workflow event
# (durable). Prints requests/s, p50 and p99 latency, and each rate as a share
# of the static one, all measured in the same run. Stops by itself.
#
# Shared machines drift within a run, so each scenario runs ROUNDS times,
# each round right after a static run of its own, and the table shows
# medians; x_static is the median of each round's rate over the rate of
# the static run just before it.
#   bench/http_bench.sh [SECONDS] [ROUNDS]   (default 10 s per run, 3 rounds)
#   DSR=path/to/dsr bench/http_bench.sh      (another binary, for A/B runs)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-10}"
rounds="${2:-3}"
dsr="${DSR:-build/release/app/dsr}"
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

# run KEY [wrk args...]: appends "KEY rps p50_ms p99_ms non2xx" to the results.
run() {
  local key="$1"; shift
  wrk -t2 -c64 -d"${seconds}s" --latency "$@" 2>&1 | awk -v key="$key" '
    function ms(v) {  # wrk prints 812.00us, 1.61ms or 1.02s
      if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; if (v ~ /m$/) return v * 60000; return v
    }
    /Requests\/sec/ { rps = $2 } $1 == "50%" { p50 = ms($2) } $1 == "99%" { p99 = ms($2) } /Non-2xx/ { errors = $5 }
    END { printf "%s %s %s %s %d\n", key, rps, p50, p99, errors }' >>"$work/results"
}

# Receipts to subjects are sent after the filings, in the background. So
# that one round's receipts do not run inside the next run, wait until none
# is owed (at most two minutes) and note how long that took.
drain_receipts() {
  local start owed
  start=$(date +%s.%N)
  for _ in $(seq 240); do
    owed=$(curl -sf "$base/metrics" | awk '$1 == "dsr_receipts_owed" {print $2}')
    [ "${owed:-1}" = 0 ] && break
    sleep 0.5
  done
  awk -v s="$start" -v e="$(date +%s.%N)" -v o="${owed:-?}" 'BEGIN {printf "%.1f%s\n", e - s, o == 0 ? "" : " (still owed: " o ")"}' \
    >>"$work/drains"
}

for _ in $(seq "$rounds"); do
  run static "$base/healthz"
  run file -s bench/wrk/file.lua "$base/v1/requests"
  drain_receipts
done
# The filings above are the pool to read and write: 20,000 of them at
# random, so that concurrent writers rarely race for one request.
sqlite3 -readonly "$work/dsr.db" "SELECT id FROM requests ORDER BY random() LIMIT 20000" >"$work/ids.txt"
for _ in $(seq "$rounds"); do
  run static "$base/healthz"
  run read -s bench/wrk/read.lua "$base"
done
for _ in $(seq "$rounds"); do
  run static "$base/healthz"
  run event -s bench/wrk/message.lua "$base"
done
peak=$(ps -o rss= -p "$pid" | tr -d ' ')

echo "HTTP benchmark: wrk -t2 -c64 -d${seconds}s on loopback, $rounds rounds, medians; dsr serve Release, $(nproc) cores"
awk '
  function median(list,    n, a, i, j, t) {
    n = split(list, a, " ")
    for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  { rps[$1] = rps[$1] " " $2; p50[$1] = p50[$1] " " $3; p99[$1] = p99[$1] " " $4; errors[$1] += $5 }
  $1 == "static" { last_static = $2; ratio["static"] = ratio["static"] " 1" }
  $1 != "static" { ratio[$1] = ratio[$1] " " $2 / last_static }  # against the static run just before it
  END {
    name["static"] = "static (GET /healthz)"
    name["file"] = "file a request (POST /v1/requests, durable)"
    name["read"] = "read a request (GET /v1/requests/{id})"
    name["event"] = "fire an event (POST .../messages, durable)"
    printf "%-46s %12s %10s %10s %9s %8s   %s\n", "scenario", "requests/s", "p50", "p99", "x_static", "non-2xx", "requests/s of each round"
    split("static file read event", order, " ")
    for (k = 1; k <= 4; k++) {
      key = order[k]
      printf "%-46s %12.0f %8.2fms %8.2fms %9.2f %8d  %s\n", name[key], median(rps[key]), median(p50[key]), median(p99[key]),
             median(ratio[key]), errors[key], rps[key]
    }
  }' "$work/results"
echo "receipts of each filing round sent within (s): $(paste -sd' ' "$work/drains")"
echo "dsr serve resident memory after the run: $((peak / 1024)) MiB"
