#!/usr/bin/env bash
# HTTP benchmark on loopback: wrk with 2 threads and 64 connections against
# `dsr serve` (Release, --public-rate 0, its request log on), and against
# nginx serving a static file of the same size as dsr's answer in the same
# run, on SQLite and on PostgreSQL (a throwaway cluster, fsync on).
#
# Scenarios: healthz (GET /healthz), file (POST /v1/requests, durable),
# read-staff (GET /v1/requests/{id} as a supervisor: the subject panel, so
# each read first writes its access entry, durably), read-admin (the same
# as an admin, whose view carries no personal data: no entry), read-tracking (the
# same with the request's own tracking token) and event (POST
# /v1/requests/{id}/messages as staff, durable). Shared machines drift
# within a run, so each scenario runs ROUNDS rounds, each round being nginx
# on that scenario's body size, then dsr's GET /healthz, then dsr on the
# scenario; the table gives medians, x_nginx and x_healthz being medians of
# each round's own ratio. nginx's static module answers no POST with 200,
# so for file and event it answers a GET of a file of the same size.
#
# Also reported: dsr serve's resident memory (sampled every 0.5 s all run
# long, and VmHWM at the end), and its request log's line count against the
# requests sent, so that a lost log line shows.
#   bench/http_bench.sh [SECONDS] [ROUNDS]    (default 10 s per run, 3 rounds)
#   BACKEND=sqlite|postgres|both              (default both)
#   DSR=path/to/dsr                           (another binary, for A/B runs)
#   OUT=dir                                   (keeps summary.tsv, rounds.tsv, run.tsv there)
#   SCENARIOS="healthz read-staff read-admin" (a subset; read-staff, which files the pool
#                                             of ids, before the other reads and event)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-10}"
rounds="${2:-3}"
dsr="${DSR:-build/release/app/dsr}"
case "${BACKEND:-both}" in
  both) backends="sqlite postgres" ;;
  sqlite | postgres) backends="$BACKEND" ;;
  *) echo "http_bench: BACKEND must be sqlite, postgres or both, not $BACKEND" >&2; exit 2 ;;
esac
scenarios="${SCENARIOS:-healthz file read-staff read-admin read-tracking event}"

# shellcheck source=bench/http_lib.sh
. bench/http_lib.sh
bench_need_dsr
bench_need wrk curl
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$nginx_bin" ] || { echo "http_bench: nginx not found: run scripts/setup --bench" >&2; exit 2; }
case " $backends " in *" sqlite "*) bench_need sqlite3 ;; esac
case " $backends " in *" postgres "*) bench_need_postgres ;; esac

work=$(mktemp -d)
# nginx's own directory: its workers run as nobody when the script runs as
# root, so the files they serve sit under a directory anyone may read.
www=$(mktemp -d /tmp/dsr-bench-nginx.XXXXXX)
chmod 755 "$www"
nginx_pid=""
cleanup() {
  set +e
  if [ -n "$nginx_pid" ]; then kill -TERM "$nginx_pid" 2>/dev/null; wait "$nginx_pid" 2>/dev/null; fi
  rm -rf "$www"
  bench_cleanup
}
trap cleanup EXIT
trap 'echo "http_bench: interrupted" >&2; exit 130' INT
trap 'exit 143' TERM

# nginx from Debian's nginx-light, as this user, on a free loopback port
# (a few tried at random), serving $www/html with the headers dsr sends.
start_nginx() {
  local port
  mkdir -p "$www/html"
  for _ in 1 2 3 4 5 6 7 8; do
    port=$((20000 + RANDOM % 20000))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && continue  # taken
    cat >"$www/nginx.conf" <<EOF
worker_processes 2;
daemon off;
pid $www/nginx.pid;
error_log $www/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 100000000;
  keepalive_timeout 60s;
  server_tokens off;
  types { }
  default_type application/json;
  charset utf-8;
  charset_types application/json;
  client_body_temp_path $www/body;
  proxy_temp_path $www/proxy;
  fastcgi_temp_path $www/fastcgi;
  uwsgi_temp_path $www/uwsgi;
  scgi_temp_path $www/scgi;
  server {
    listen 127.0.0.1:$port;
    root $www/html;
    add_header Cache-Control no-store;
    add_header X-Content-Type-Options nosniff;
  }
}
EOF
    "$nginx_bin" -p "$www" -c "$www/nginx.conf" -e "$www/error.log" &
    nginx_pid=$!
    for _ in $(seq 50); do
      curl -sf -o /dev/null "http://127.0.0.1:$port/" -H 'Connection: close' 2>/dev/null && break
      kill -0 "$nginx_pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$nginx_pid" 2>/dev/null; then
      nginx_base="http://127.0.0.1:$port"
      return
    fi
    wait "$nginx_pid" 2>/dev/null || true
    nginx_pid=""
  done
  echo "http_bench: nginx did not start:" >&2
  cat "$www/error.log" >&2 2>/dev/null
  exit 1
}

# run BACKEND SCENARIO ROUND SERVER WRK-ARGS...: one wrk run, appended to
# rounds.tsv as "backend scenario round server rps p50_ms p99_ms non_2xx
# socket_errors requests".
run() {
  local backend="$1" scenario="$2" round="$3" server="$4"
  shift 4
  if ! bench_wrk "$work/wrk.out" -t2 -c64 -d"${seconds}s" --latency "$@"; then
    echo "http_bench: wrk failed ($backend $scenario, $server):" >&2
    cat "$work/wrk.out" >&2
    exit 1
  fi
  awk -v OFS='\t' -v b="$backend" -v s="$scenario" -v r="$round" -v server="$server" '
    function ms(v) {  # wrk prints 812.00us, 1.61ms, 1.02s or 1.00m
      if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; if (v ~ /m$/) return v * 60000; return v
    }
    / requests in / { requests = $1 }
    /Requests\/sec/ { rps = $2 }
    $1 == "50%" { p50 = ms($2) }
    $1 == "99%" { p99 = ms($2) }
    /Non-2xx/ { non2xx = $5 }
    /Socket errors/ { gsub(",", ""); socket = $4 + $6 + $8 + $10 }
    END { print b, s, r, server, rps, p50, p99, non2xx + 0, socket + 0, requests + 0 }' "$work/wrk.out" >>"$work/rounds.tsv"
  if [ "$server" != nginx ]; then
    dsr_requests=$((dsr_requests + $(tail -1 "$work/rounds.tsv" | cut -f10)))
  fi
}

# answer_body BACKEND SCENARIO CURL-ARGS...: dsr's answer to one request of
# the scenario, kept as nginx's file for it (so the same size, and bytes).
answer_body() {
  local backend="$1" scenario="$2" status
  shift 2
  mkdir -p "$www/html/$backend"
  status=$(curl -s -o "$www/html/$backend/$scenario" -w '%{http_code}' "$@")
  own_requests=$((own_requests + 1))
  case "$status" in
    2??) chmod 644 "$www/html/$backend/$scenario" ;;
    *) echo "http_bench: $scenario on $backend answered $status:" >&2; cat "$www/html/$backend/$scenario" >&2; exit 1 ;;
  esac
}

printf 'backend\tscenario\tround\tserver\trequests_per_s\tp50_ms\tp99_ms\tnon_2xx\tsocket_errors\trequests\n' >"$work/rounds.tsv"
printf 'key\tvalue\n' >"$work/run.tsv"
start_nginx
nginx_version=$("$nginx_bin" -v 2>&1 | sed 's|^nginx version: ||')
cores=$(nproc)
printf 'nginx\t%s\ncores\t%s\nseconds\t%s\nrounds\t%s\ndsr\t%s\n' "$nginx_version" "$cores" "$seconds" "$rounds" "$dsr" >>"$work/run.tsv"
export DSR_BENCH_DIR="$PWD/bench"

for backend in $backends; do
  dir="$work/$backend"
  own_requests=0
  dsr_requests=0
  bench_start_dsr "$backend" "$dir"
  bench_sample_memory "$dsr_pid" "$dir/rss"
  DSR_BENCH_TOKEN=$(bench_staff_token 2>"$dir/token.err")
  DSR_BENCH_ADMIN_TOKEN=$(bench_staff_token admin 2>>"$dir/token.err")
  export DSR_BENCH_TOKEN DSR_BENCH_ADMIN_TOKEN DSR_BENCH_IDS="$dir/ids.txt" DSR_BENCH_POOL="$dir/pool.txt"
  : >"$dir/drains"
  json=(-H 'Content-Type: application/json')
  for scenario in $scenarios; do
    # The filings so far are the pool that reads and events pick from; made
    # once, before the first scenario that needs it.
    case "$scenario" in
      read-* | event)
        if [ ! -s "$dir/ids.txt" ]; then
          bench_pool "$dir"
          dsr_requests=$((dsr_requests + pool_sent))
        fi ;;
    esac
    case "$scenario" in
      healthz) answer_body "$backend" healthz "$base/healthz" ;;
      file) answer_body "$backend" file -X POST "${json[@]}" --data-binary \
              '{"type": "access", "subject": {"name": "Bench Subject", "nik": "3273015506900002", "email": "bench@example.org"}}' \
              "$base/v1/requests" ;;
      read-staff)
        answer_body "$backend" read-staff -H "Authorization: Bearer $DSR_BENCH_TOKEN" "$base/v1/requests/$(head -1 "$dir/ids.txt")" ;;
      read-admin)
        answer_body "$backend" read-admin -H "Authorization: Bearer $DSR_BENCH_ADMIN_TOKEN" "$base/v1/requests/$(head -1 "$dir/ids.txt")" ;;
      read-tracking)
        read -r id token <"$dir/pool.txt"
        answer_body "$backend" read-tracking -H "Authorization: Bearer $token" "$base/v1/requests/$id" ;;
      event) answer_body "$backend" event -X POST "${json[@]}" -H "Authorization: Bearer $DSR_BENCH_TOKEN" \
               --data-binary '{"body": "We are working on your request."}' "$base/v1/requests/$(head -1 "$dir/ids.txt")/messages" ;;
    esac
    read -ra args <<<"$(bench_scenario_args "$scenario")"
    for round in $(seq "$rounds"); do
      run "$backend" "$scenario" "$round" nginx "$nginx_base/$backend/$scenario"
      if [ "$scenario" != healthz ]; then run "$backend" "$scenario" "$round" dsr-healthz "$base/healthz"; fi
      run "$backend" "$scenario" "$round" dsr "${args[@]}"
      if [ "$scenario" = file ]; then bench_drain_receipts >>"$dir/drains"; fi
    done
    printf '%s\t%s\t%s\n' "$backend" "$scenario" "$(stat -c %s "$www/html/$backend/$scenario")" >>"$work/bodies.tsv"
  done

  if ! kill -0 "$dsr_pid" 2>/dev/null; then
    echo "http_bench: dsr serve on $backend ended during the run:" >&2
    tail -20 "$dir/serve.err" >&2
    exit 1
  fi
  hwm=$(awk '$1 == "VmHWM:" {print $2}' "/proc/$dsr_pid/status")
  # What dsr itself counted, once the answers wrk left in flight are done;
  # the request log must then hold these and the scrape's own line.
  sleep 1
  served=$(curl -sf "$base/metrics" | awk '$1 ~ /^dsr_http_requests_total[{]/ {n += $2} END {printf "%d", n}')
  own_requests=$((own_requests + 1))
  bench_stop_dsr
  bench_stop_sampler
  bench_stop_postgres
  rss_max=$(sort -n "$dir/rss" | tail -1)
  log_lines=$(wc -l <"$dir/access.log")
  printf '%s_%s\t%s\n' "$backend" rss_max_kib "$rss_max" "$backend" rss_samples "$(wc -l <"$dir/rss")" \
    "$backend" vmhwm_kib "$hwm" "$backend" access_log_lines "$log_lines" \
    "$backend" requests_sent "$((dsr_requests + own_requests))" "$backend" requests_in_metrics "$((served + 1))" "$backend" receipt_drains_s "$(paste -sd' ' "$dir/drains")" \
    >>"$work/run.tsv"
done

# The summary: per backend and scenario, medians over the rounds.
awk -F'\t' -v OFS='\t' '
  function median(list,    n, a, i, j, t) {
    n = split(list, a, " ")
    for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  FILENAME ~ /bodies/ { body[$1 SUBSEP $2] = $3; next }
  FNR == 1 { next }
  {
    k = $1 SUBSEP $2
    if (!(k in seen)) { seen[k] = 1; order[++n] = k }
    if ($4 == "nginx") { nginx[k, $3] = $5; nginx_rps[k] = nginx_rps[k] " " $5 }
    if ($4 == "dsr-healthz" || ($4 == "dsr" && $2 == "healthz")) healthz[k, $3] = $5
    if ($4 == "dsr") {
      rps[k] = rps[k] " " $5; p50[k] = p50[k] " " $6; p99[k] = p99[k] " " $7
      non2xx[k] += $8; socket[k] += $9; rounds[k]++
      x_nginx[k] = x_nginx[k] " " $5 / nginx[k, $3]
      x_healthz[k] = x_healthz[k] " " $5 / healthz[k, $3]
    }
  }
  END {
    print "backend", "scenario", "rounds", "requests_per_s", "p50_ms", "p99_ms", "non_2xx", "socket_errors",
          "x_nginx", "x_healthz", "nginx_requests_per_s", "body_bytes"
    for (i = 1; i <= n; i++) {
      k = order[i]; split(k, parts, SUBSEP)
      printf "%s\t%s\t%d\t%.0f\t%.2f\t%.2f\t%d\t%d\t%.2f\t%.2f\t%.0f\t%d\n", parts[1], parts[2], rounds[k], median(rps[k]),
             median(p50[k]), median(p99[k]), non2xx[k], socket[k], median(x_nginx[k]), median(x_healthz[k]),
             median(nginx_rps[k]), body[k]
    }
  }' "$work/bodies.tsv" "$work/rounds.tsv" >"$work/summary.tsv"

value() { awk -F'\t' -v k="$1" '$1 == k {print $2}' "$work/run.tsv"; }
mib() { awk -v k="$1" 'BEGIN {printf "%.1f MiB", k / 1024}'; }
echo "HTTP benchmark: wrk -t2 -c64 -d${seconds}s --latency on loopback, $rounds round(s), medians; $nginx_version (2 workers, static files, access_log off); $cores cores; dsr: $dsr"
for backend in $backends; do
  echo
  echo "dsr serve on $( [ "$backend" = sqlite ] && echo SQLite || echo 'PostgreSQL (throwaway cluster, fsync on)'), its request log on"
  awk -F'\t' -v b="$backend" '
    BEGIN {
      name["healthz"] = "healthz (GET /healthz)"
      name["file"] = "file (POST /v1/requests, durable)*"
      name["read-staff"] = "read-staff (GET /v1/requests/{id}, supervisor)"
      name["read-admin"] = "read-admin (the same, admin: no personal data)"
      name["read-tracking"] = "read-tracking (GET /v1/requests/{id}, trk_)"
      name["event"] = "event (POST .../messages, durable)*"
      printf "%-48s %10s %9s %9s %8s %8s %9s %10s %6s\n", "scenario", "requests/s", "p50 ms", "p99 ms", "non-2xx", "x_nginx",
             "x_healthz", "nginx/s", "bytes"
    }
    $1 == b {
      printf "%-48s %10d %9.2f %9.2f %8d %8.2f %9.2f %10d %6d%s\n", name[$2], $4, $5, $6, $7, $9, $10, $11, $12,
             $8 ? "  (socket errors: " $8 ")" : ""
    }' "$work/summary.tsv"
  echo "* nginx's static module answers no POST with 200: its reference for file and event is a GET of a file of the same size."
  echo "receipts of each filing round sent within (s): $(value "${backend}_receipt_drains_s")"
  echo "dsr serve resident memory: at most $(mib "$(value "${backend}_rss_max_kib")") in $(value "${backend}_rss_samples") samples (every 0.5 s); VmHWM $(mib "$(value "${backend}_vmhwm_kib")") (goal: under 64 MiB)"
  lines=$(value "${backend}_access_log_lines")
  served=$(value "${backend}_requests_in_metrics")
  echo "request log: $lines lines; dsr_http_requests_total $served (with the last scrape); $((served - lines)) lines lost;" \
       "wrk and the script counted $(value "${backend}_requests_sent") answers (wrk leaves up to 64 unread a run)"
done
if [ -n "${OUT:-}" ]; then
  mkdir -p "$OUT"
  cp "$work/summary.tsv" "$work/rounds.tsv" "$work/run.tsv" "$OUT/"
  echo
  echo "summary.tsv, rounds.tsv and run.tsv are in $OUT"
fi
