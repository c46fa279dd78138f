# shellcheck shell=bash disable=SC2154,SC2034  # set and read by the scripts that source it
# Shared by bench/http_bench.sh and bench/flamegraph.sh (sourced, not run):
# starting `dsr serve` on either backend, the wrk load of each scenario, the
# pools of requests that reads and events pick from, and stopping every
# process that was started. The caller sets `work` (a temporary directory)
# and `dsr` (the binary) and installs `bench_cleanup` as its EXIT trap.

pg_bin="${DSR_PG_BINDIR:-/usr/lib/postgresql/15/bin}"
# shellcheck source=tests/serve_support.sh
. tests/serve_support.sh

# bench_need TOOL...: stops with a clear message when a tool is missing.
bench_need() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null ||
      { echo "$(basename "$0"): $tool not found: run scripts/setup --bench" >&2; exit 2; }
  done
}

bench_need_dsr() {
  [ -x "$dsr" ] ||
    { echo "$(basename "$0"): no dsr binary at $dsr: build it (scripts/build release) or name one with DSR=" >&2; exit 2; }
}

bench_need_postgres() {
  if [ ! -x "$pg_bin/psql" ] || [ ! -x "$pg_bin/initdb" ]; then
    echo "$(basename "$0"): no PostgreSQL 15 in $pg_bin: run scripts/setup" >&2
    exit 2
  fi
}

# The processes of a run, stopped by bench_cleanup whatever happens.
wrk_pid=""
dsr_pid=""
sampler_pid=""
pg_state=""

# bench_wrk OUTPUT WRK-ARGS...: wrk, its output to OUTPUT. In the
# background, waited for: wrk ends its run on SIGINT as if it were over, and
# bash, seeing it end normally, would carry on with the next run; a wait
# that the signal interrupts runs the INT trap instead, so Ctrl-C stops it all.
bench_wrk() {
  local out="$1" status=0
  shift
  wrk "$@" >"$out" 2>&1 &
  wrk_pid=$!
  wait "$wrk_pid" || status=$?
  wrk_pid=""
  return "$status"
}

# bench_start_dsr BACKEND DIR: `dsr serve` (--public-rate 0, its request log
# on, to DIR/access.log) on a free loopback port, on SQLite (DIR/dsr.db) or
# on a new database of a throwaway PostgreSQL cluster (fsync on, as the
# tests start it). Sets dsr_pid, base (its URL), db (its --db) and key.
bench_start_dsr() {
  local backend="$1" dir="$2" admin port
  mkdir -p "$dir"
  key="$dir/master.key"
  case "$backend" in
    sqlite) db="$dir/dsr.db" ;;
    postgres)
      pg_state="$work/pg"
      tests/pg_cluster.sh start "$pg_state" >/dev/null
      admin=$(cat "$pg_state/conninfo")
      "$pg_bin/psql" "$admin" -qc "CREATE DATABASE dsr_bench"
      db="${admin/dbname=postgres/dbname=dsr_bench}"
      ;;
    *) echo "$(basename "$0"): unknown backend $backend (sqlite or postgres)" >&2; exit 2 ;;
  esac
  "$dsr" serve --listen 127.0.0.1:0 --db "$db" --key-file "$key" --message-sink "dir:$dir/outbox" \
    --public-rate 0 >"$dir/access.log" 2>"$dir/serve.err" &
  dsr_pid=$!
  port=$(dsr_listening_port "$dir/serve.err" "$dsr_pid" 300)
  if [ -z "$port" ]; then
    echo "$(basename "$0"): dsr serve did not start on $backend:" >&2
    cat "$dir/serve.err" >&2
    exit 1
  fi
  base="http://127.0.0.1:$port"
}

# bench_stop_dsr: a graceful stop (SIGTERM), so that dsr writes out
# whatever it still holds, its access log included.
bench_stop_dsr() {
  if [ -n "$dsr_pid" ]; then
    kill -TERM "$dsr_pid" 2>/dev/null || true
    for _ in $(seq 300); do kill -0 "$dsr_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$dsr_pid" 2>/dev/null && echo "$(basename "$0"): dsr serve did not stop within 30 s of SIGTERM: killed" >&2
    wait "$dsr_pid" 2>/dev/null || true
    dsr_pid=""
  fi
}

bench_stop_postgres() {
  if [ -n "$pg_state" ]; then
    tests/pg_cluster.sh stop "$pg_state" >/dev/null 2>&1 || true
    pg_state=""
  fi
}

# The staff token the reads and events use (a supervisor may read and
# message any request).
bench_staff_token() {
  "$dsr" token create --role "${1:-supervisor}" --name "bench-${1:-supervisor}" --db "$db" --key-file "$key"
}

# Receipts to subjects are sent after the filings, in the background. So
# that one round's receipts do not run inside the next run, wait until none
# is owed (at most two minutes); prints how long that took.
bench_drain_receipts() {
  local start owed=""
  start=$(date +%s.%N)
  for _ in $(seq 240); do
    owed=$(curl -sf "$base/metrics" | awk '$1 == "dsr_receipts_owed" {print $2}')
    own_requests=$((own_requests + 1))
    [ "${owed:-1}" = 0 ] && break
    sleep 0.5
  done
  awk -v s="$start" -v e="$(date +%s.%N)" -v o="${owed:-?}" \
    'BEGIN {printf "%.1f%s\n", e - s, o == 0 ? "" : " (still owed: " o ")"}'
}

# Requests the script sends itself (curl), counted against the access log.
own_requests=0

# bench_pool DIR: files requests with wrk for 2 s, keeping each one's id and
# tracking token (DIR/pool.txt, for read-tracking), waits for their
# receipts, then picks 20,000 ids at random among all requests on file
# (DIR/ids.txt, for read-staff and event), so that concurrent writers
# rarely race for one request. Sets pool_sent, the requests wrk counted.
pool_sent=0
bench_pool() {
  local dir="$1" sent
  : >"$dir/pool.txt"
  export DSR_BENCH_POOL="$dir/pool.txt"
  bench_wrk "$dir/pool.wrk" -t2 -c64 -d2s -s bench/wrk/file_pool.lua "$base/v1/requests" ||
    { cat "$dir/pool.wrk" >&2; exit 1; }
  sent=$(awk '/ requests in / {print $1}' "$dir/pool.wrk")
  if [ "$(wc -l <"$dir/pool.txt")" -lt 100 ]; then
    echo "$(basename "$0"): the pool of filings holds $(wc -l <"$dir/pool.txt") tracking tokens (wrk: $sent requests)" >&2
    exit 1
  fi
  bench_drain_receipts >/dev/null
  if [ "$backend" = sqlite ]; then
    sqlite3 -readonly "$db" "SELECT id FROM requests ORDER BY random() LIMIT 20000" >"$dir/ids.txt"
  else
    "$pg_bin/psql" "$db" -Atqc "SELECT id FROM requests ORDER BY random() LIMIT 20000" >"$dir/ids.txt"
  fi
  pool_sent="$sent"
}

# bench_scenario_args SCENARIO: wrk's arguments for one scenario against
# dsr (base, the ids and pool files in the environment).
bench_scenario_args() {
  case "$1" in
    healthz) echo "$base/healthz" ;;
    file) echo "-s bench/wrk/file.lua $base/v1/requests" ;;
    read-staff) echo "-s bench/wrk/read.lua $base" ;;
    read-admin) echo "-s bench/wrk/read_admin.lua $base" ;;
    read-tracking) echo "-s bench/wrk/read_tracking.lua $base" ;;
    event) echo "-s bench/wrk/message.lua $base" ;;
    *) echo "$(basename "$0"): unknown scenario $1 (healthz, file, read-staff, read-admin, read-tracking, event)" >&2; exit 2 ;;
  esac
}

# bench_sample_memory PID FILE: writes the process's VmRSS (KiB) every
# 0.5 s to FILE until it ends (bench_cleanup stops it otherwise).
bench_sample_memory() {
  local pid="$1" file="$2"
  (
    while kill -0 "$pid" 2>/dev/null; do
      awk '$1 == "VmRSS:" {print $2}' "/proc/$pid/status" 2>/dev/null || true
      sleep 0.5
    done
  ) >"$file" &
  sampler_pid=$!
}

bench_stop_sampler() {
  if [ -n "$sampler_pid" ]; then
    kill "$sampler_pid" 2>/dev/null || true
    wait "$sampler_pid" 2>/dev/null || true
    sampler_pid=""
  fi
}

# Everything a run started, whatever made it stop (end, failure, Ctrl-C).
bench_cleanup() {
  set +e
  if [ -n "$wrk_pid" ]; then kill "$wrk_pid" 2>/dev/null; wait "$wrk_pid" 2>/dev/null; fi
  bench_stop_sampler
  bench_stop_dsr
  bench_stop_postgres
  rm -rf "$work"
}
