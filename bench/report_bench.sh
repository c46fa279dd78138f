#!/usr/bin/env bash
# SLA report benchmark: a database with N requests (default 1,000,000) of
# mixed types, states and dates over a year, then
#  1. `dsr report sla` for the whole year against the same statements run
#     by the sqlite3 shell on the same file, alternating, in the same run;
#     prints the medians and their ratio (goal: the report within 1.5x the
#     shell and under 2 s);
#  2. `dsr serve` on that database under the HTTP benchmark's read load
#     (wrk -t2 -c64 reading requests at random, with SLA reports fetched
#     over the API meanwhile); prints its peak resident memory (VmHWM;
#     goal: under 64 MiB).
#   bench/report_bench.sh [N] [ROUNDS] [SECONDS]   (1000000 requests, 5 rounds, 20 s of reads)
#   DSR=path/to/dsr bench/report_bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-1000000}"
rounds="${2:-5}"
read_seconds="${3:-20}"
dsr="${DSR:-build/release/app/dsr}"
work=$(mktemp -d)
cleanup() {
  if [ -n "${pid:-}" ]; then kill "$pid" 2>/dev/null || true; fi
  wait 2>/dev/null || true
  [ -n "${KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
db="$work/dsr.db"
key="$work/master.key"
command -v wrk >/dev/null || { echo "report_bench: wrk is missing (apt-get install wrk, or scripts/bench report)" >&2; exit 2; }

serve() {  # on a port the system picks, read back from the "listening on" line
  : >"$work/serve.err"
  "$dsr" serve --listen 127.0.0.1:0 --db "$db" --key-file "$key" --message-sink "dir:$work/outbox" \
    --public-rate 0 --quiet 2>"$work/serve.err" &
  pid=$!
  for _ in $(seq 300); do
    port=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\).*|\1|p' "$work/serve.err")
    [ -n "$port" ] && return
    sleep 0.1
  done
  echo "report_bench: dsr serve did not start:" >&2; cat "$work/serve.err" >&2; exit 1
}
stop() { kill "$pid"; wait "$pid" || true; pid=; }

# The schema and key as dsr makes them, and one request filed for real over
# HTTP: its journal is the template of every generated request's journal,
# so that reading any of them loads a real event (reads need journals).
"$dsr" init --db "$db" --key-file "$key" >/dev/null 2>&1
staff=$("$dsr" token create --role supervisor --name bench --db "$db" --key-file "$key" 2>/dev/null)
mkdir -p "$work/outbox"
serve
curl -sf -o /dev/null -H 'Content-Type: application/json' -X POST "http://127.0.0.1:$port/v1/requests" \
  -d '{"type": "access", "subject": {"name": "Bench Subject", "nik": "3273015506900002", "email": "bench@example.org"}}'
stop
template=$(sqlite3 "$db" "SELECT id FROM requests LIMIT 1")
subject=$(sqlite3 "$db" "SELECT subject_ref FROM requests LIMIT 1")

# The rows, straight in SQL. MATERIALIZED: each row's random numbers are
# drawn once, so that due and closing times follow from receipt.
start=$(date +%s)
sqlite3 "$db" >/dev/null <<SQL
PRAGMA journal_mode=WAL;
PRAGMA synchronous=OFF;
WITH RECURSIVE i(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM i WHERE k < $n),
rows AS MATERIALIZED (
  SELECT k,
         CASE k % 4 WHEN 0 THEN 'access' WHEN 1 THEN 'rectification' WHEN 2 THEN 'erasure'
                    ELSE 'automated_decision_objection' END AS type,  -- the types with a workflow
         1764547200 + (abs(random()) % (365 * 86400)) AS received,  -- 2025-12-01 + up to a year
         abs(random()) % 100 AS fate,
         abs(random()) % 1000 AS spread
  FROM i)
INSERT INTO requests (id, type, policy, subject_ref, state, version, received_at, due_at, extended, assignee, outcome,
                      updated_at, closed_at, verified_at, awaiting_subject_seconds, awaiting_since)
SELECT printf('r-%012d', k), type, 'id-pdp', '$subject',
       CASE WHEN fate < 70 THEN 'completed' WHEN fate < 75 THEN 'partially_completed' WHEN fate < 82 THEN 'rejected'
            WHEN fate < 86 THEN 'withdrawn' WHEN fate < 90 THEN 'expired' WHEN fate < 95 THEN 'in_review'
            WHEN fate < 97 THEN 'awaiting_subject' ELSE 'verifying' END,
       1,
       received,
       received + CASE WHEN type IN ('erasure', 'automated_decision_objection') THEN 14 * 86400 ELSE 72 * 3600 END
                + CASE WHEN fate % 10 = 3 THEN 86400 ELSE 0 END,
       CASE WHEN fate % 20 = 7 THEN 1 ELSE 0 END,
       CASE WHEN spread < 900 THEN printf('staff-%d', spread % 25) END,
       '',
       received,
       CASE WHEN fate < 90 THEN received + spread * 300 END,
       CASE WHEN fate < 82 OR (fate >= 90 AND fate < 97) THEN received + 600 END,
       CASE WHEN fate % 10 = 3 THEN 86400 ELSE 0 END,
       CASE WHEN fate >= 95 AND fate < 97 THEN received + 3600 END
FROM rows;
-- Without leaves: dsr gives them their leaves in the audit log's tree,
-- in order, when it next opens the database (backfill_audit_leaves).
INSERT INTO journal (request_id, request_seq, name, principal, role, at, reason, reason_public, from_state, to_state,
                     clock, outcome, data)
SELECT r.id, j.request_seq, j.name, j.principal, j.role, r.received_at, j.reason, j.reason_public, j.from_state,
       j.to_state, j.clock, j.outcome, j.data
FROM requests r JOIN journal j ON j.request_id = '$template' WHERE r.id <> '$template' ORDER BY r.rowid;
-- Their receipts count as sent: the HTTP benchmark measures those.
UPDATE meta SET value = (SELECT MAX(rowid) FROM requests) WHERE key = 'receipts_through';
PRAGMA wal_checkpoint(TRUNCATE);
ANALYZE;
SQL
echo "filled $n requests (and one filed over HTTP, their journal's template) in $(( $(date +%s) - start )) s ($(du -h "$db" | cut -f1))"

from="2025-12-01T00:00:00Z"; to="2026-12-01T00:00:00Z"
f=$(date -d "$from" +%s); t=$(date -d "$to" +%s); nw=$(date +%s)
# The statements the report runs (storage/sla_report_query.cpp), for the
# sqlite3 shell, with what dsr learns from one statement to choose the
# next (the states in use, the ranks) looked up beforehand, untimed.
{
  ix="FROM requests INDEXED BY requests_for_report"
  # seek COLUMN [AFTER]: the first value of COLUMN within the prefix, or the one after AFTER.
  seek() { echo "SELECT $1 $ix WHERE 1$2${3:+ AND $1 > '$3'} ORDER BY $1 LIMIT 1;"; }
  seek policy ""
  seek policy "" id-pdp
  last_type=""
  for type in $(sqlite3 "$db" "SELECT DISTINCT type FROM requests ORDER BY type"); do
    seek type " AND policy = 'id-pdp'" "$last_type"
    last_state=""
    for state in $(sqlite3 "$db" "SELECT DISTINCT state FROM requests WHERE type = '$type' ORDER BY state"); do
      seek state " AND policy = 'id-pdp' AND type = '$type'" "$last_state"
      echo "SELECT COUNT(*), COALESCE(SUM(closed_at IS NULL), 0), COALESCE(SUM(closed_at <= due_at), 0),
        COALESCE(SUM(extended), 0), COALESCE(SUM(awaiting_subject_seconds + COALESCE(MAX($nw - awaiting_since, 0), 0)), 0),
        COALESCE(SUM(closed_at IS NOT NULL AND verified_at IS NULL), 0)
        $ix WHERE policy = 'id-pdp' AND type = '$type' AND state = '$state' AND received_at >= $f AND received_at < $t;"
      last_state="$state"
    done
    seek state " AND policy = 'id-pdp' AND type = '$type'" "$last_state"
    last_type="$type"
  done
  seek type " AND policy = 'id-pdp'" "$last_type"
  echo "SELECT MIN(received_at) FROM requests INDEXED BY requests_by_received;"
  # The period is the whole history: both percentiles walk the index of
  # times to completion from the nearer end.
  sqlite3 "$db" "SELECT type, COUNT(*) FROM requests WHERE state IN ('completed', 'partially_completed')
                 AND received_at >= $f AND received_at < $t GROUP BY type ORDER BY type" |
  while IFS='|' read -r type count; do
    for p in "1 2" "9 10"; do
      set -- $p
      rank=$(( ($1 * count + $2 - 1) / $2 ))  # ceil(p * n)
      if [ $(( rank * 2 )) -gt "$count" ]; then order=DESC offset=$(( count - rank )); else order=ASC offset=$(( rank - 1 )); fi
      echo "SELECT closed_at - received_at FROM requests INDEXED BY requests_by_completion_time WHERE policy = 'id-pdp'
        AND type = '$type' AND state IN ('completed', 'partially_completed') AND +received_at >= $f AND +received_at < $t
        ORDER BY closed_at - received_at $order LIMIT 1 OFFSET $offset;"
    done
  done
  echo "SELECT COUNT(*), COALESCE(SUM(due_at < $nw), 0), COALESCE(SUM(due_at >= $nw AND due_at < $nw + 86400), 0) FROM requests WHERE closed_at IS NULL;"
  echo "SELECT id, policy, type, state, assignee, received_at, due_at FROM requests WHERE closed_at IS NULL AND due_at < $nw ORDER BY due_at, id LIMIT 20;"
  echo "SELECT COALESCE(assignee, ''), COUNT(*), COALESCE(SUM(due_at < $nw), 0) FROM requests INDEXED BY requests_open_by_due WHERE closed_at IS NULL GROUP BY 1 ORDER BY 1;"
  echo "SELECT status, COUNT(*) FROM outbox WHERE kind = 'recipient_notification' AND status IN ('pending', 'delivered', 'failed') GROUP BY status;"
  for w in $(seq 0 53); do  # weeks from Monday 00:00 WIB (17:00 UTC on Sunday)
    b=$(( f - 7 * 3600 + w * 604800 )); e=$(( b + 604800 ))
    echo "SELECT COUNT(*) FROM requests INDEXED BY requests_by_received WHERE received_at >= $(( b > f ? b : f )) AND received_at < $(( e < t ? e : t )) AND policy = 'id-pdp';"
  done
} >"$work/aggregates.sql"

seconds() { local s; s=$(date +%s.%N); "$@" >/dev/null; awk -v s="$s" -v e="$(date +%s.%N)" 'BEGIN {printf "%.3f", e - s}'; }
report_times=() shell_times=()
for _ in $(seq "$rounds"); do
  report_times+=("$(seconds "$dsr" report sla --db "$db" --key-file "$key" --from "$from" --to "$to")")
  shell_times+=("$(seconds sqlite3 -readonly "$db" ".read $work/aggregates.sql")")
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
r=$(median "${report_times[@]}"); s=$(median "${shell_times[@]}")
echo "SLA report over $n requests (one year), $rounds alternating rounds, medians:"
echo "  dsr report sla (whole command, JSON out):  $r s   rounds: ${report_times[*]}"
echo "  sqlite3 shell, the same statements:        $s s   rounds: ${shell_times[*]}"
awk -v r="$r" -v s="$s" 'BEGIN {printf "  ratio: %.2fx the shell (goal <= 1.5x, and under 2 s)\n", r / s}'

# Memory: dsr serve on this database under the HTTP benchmark's read load,
# 20,000 requests at random, with an SLA report over the API every second.
serve
sqlite3 -readonly "$db" "SELECT id FROM requests ORDER BY random() LIMIT 20000" >"$work/ids.txt"
export DSR_BENCH_IDS="$work/ids.txt" DSR_BENCH_TOKEN="$staff" DSR_BENCH_DIR="$PWD/bench"
reports=0
( end=$(( $(date +%s) + read_seconds )); while [ "$(date +%s)" -lt "$end" ]; do
    curl -sf -o /dev/null -H "Authorization: Bearer $staff" "http://127.0.0.1:$port/v1/reports/sla?from=2025-12-01&to=2026-12-01" &&
      echo ok >>"$work/reports"; sleep 1; done ) &
reporter=$!
wrk -t2 -c64 -d"${read_seconds}s" --latency -s bench/wrk/read.lua "http://127.0.0.1:$port" >"$work/wrk.out" 2>&1
wait "$reporter"
[ -f "$work/reports" ] && reports=$(wc -l <"$work/reports")
peak=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status")
now_rss=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")
rps=$(awk '/Requests\/sec/ {print $2}' "$work/wrk.out")
errors=$(awk '/Non-2xx/ {print $5}' "$work/wrk.out")
stop
echo "dsr serve on that database, ${read_seconds} s of reads (wrk -t2 -c64, GET /v1/requests/{id}) and $reports SLA reports over the API:"
echo "  reads: ${rps} requests/s, non-2xx: ${errors:-0}"
echo "  peak resident memory (VmHWM): $((peak / 1024)) MiB, at the end: $((now_rss / 1024)) MiB (goal: under 64 MiB)"
