#!/usr/bin/env bash
# SLA report benchmark: a database with N requests (default 1,000,000) of
# mixed types, states and dates over a year, then `dsr report sla` for the
# whole year against the same aggregates run by the sqlite3 shell on the
# same file, alternating, in the same run. Prints the medians and their
# ratio (goal: the report within 1.5x the shell and under 2 s).
#   bench/report_bench.sh [N] [ROUNDS]   (default 1000000 requests, 5 rounds)
#   DSR=path/to/dsr bench/report_bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-1000000}"
rounds="${2:-5}"
dsr="${DSR:-build/release/app/dsr}"
work=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
db="$work/dsr.db"

# The schema and key as dsr makes them; then the rows, straight in SQL (a
# report reads only the requests table and the outbox).
"$dsr" token create --role auditor --name bench --db "$db" --key-file "$work/master.key" >/dev/null
start=$(date +%s)
sqlite3 "$db" <<SQL
PRAGMA journal_mode=WAL;
PRAGMA synchronous=OFF;
WITH RECURSIVE i(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM i WHERE k < $n),
rows AS (
  SELECT k,
         CASE k % 6 WHEN 0 THEN 'access' WHEN 1 THEN 'rectification' WHEN 2 THEN 'erasure'
                    WHEN 3 THEN 'consent_withdrawal' WHEN 4 THEN 'restriction' ELSE 'automated_decision_objection' END AS type,
         1764547200 + (abs(random()) % (365 * 86400)) AS received,  -- 2025-12-01 + up to a year
         abs(random()) % 100 AS fate,
         abs(random()) % 1000 AS spread
  FROM i)
INSERT INTO requests (id, type, policy, subject_ref, state, version, received_at, due_at, extended, assignee, outcome,
                      updated_at, closed_at, verified_at, awaiting_subject_seconds, awaiting_since)
SELECT printf('r-%012d', k), type, 'id-pdp', printf('s-%d', k % 50000),
       CASE WHEN fate < 70 THEN 'completed' WHEN fate < 75 THEN 'partially_completed' WHEN fate < 82 THEN 'rejected'
            WHEN fate < 86 THEN 'withdrawn' WHEN fate < 90 THEN 'expired' WHEN fate < 95 THEN 'in_review'
            WHEN fate < 97 THEN 'awaiting_subject' ELSE 'verifying' END,
       3,
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
PRAGMA wal_checkpoint(TRUNCATE);
ANALYZE;
SQL
echo "filled $n requests in $(( $(date +%s) - start )) s ($(du -h "$db" | cut -f1))"

from="2025-12-01T00:00:00Z"; to="2026-12-01T00:00:00Z"; now="2026-11-24T00:00:00Z"
f=$(date -d "$from" +%s); t=$(date -d "$to" +%s); nw=$(date -d "$now" +%s)
# The same aggregates the report runs (storage/sla_report_query.cpp), for
# the sqlite3 shell: per type, the two percentiles of each type, the
# figures about now, the weeks.
{
  echo "SELECT policy, type, COUNT(*), SUM(state = 'completed'), SUM(state = 'partially_completed'), SUM(state = 'rejected'),
    SUM(state = 'withdrawn'), SUM(state = 'expired'), SUM(closed_at IS NULL),
    SUM(state IN ('completed', 'partially_completed', 'rejected') AND closed_at <= due_at),
    SUM(state IN ('completed', 'partially_completed', 'rejected') AND NOT COALESCE(closed_at <= due_at, 0)), SUM(extended),
    SUM(awaiting_subject_seconds + COALESCE(MAX($nw - awaiting_since, 0), 0)), SUM(closed_at IS NOT NULL AND verified_at IS NULL)
    FROM requests WHERE received_at >= $f AND received_at < $t GROUP BY policy, type ORDER BY policy, type;"
  for type in access rectification erasure consent_withdrawal restriction automated_decision_objection; do
    for p in "1 2" "9 10"; do  # ceil(num/den * n) = (num * n + den - 1) / den
      set -- $p
      echo "SELECT closed_at - received_at AS d FROM requests WHERE policy = 'id-pdp' AND type = '$type' AND received_at >= $f
        AND received_at < $t AND state IN ('completed', 'partially_completed') ORDER BY d LIMIT 1 OFFSET
        (SELECT MAX(($1 * COUNT(*) + $2 - 1) / $2, 1) - 1 FROM requests WHERE policy = 'id-pdp' AND type = '$type'
         AND received_at >= $f AND received_at < $t AND state IN ('completed', 'partially_completed'));"
    done
  done
  echo "SELECT DISTINCT policy FROM requests ORDER BY policy;"
  echo "SELECT COUNT(*), COALESCE(SUM(due_at < $nw), 0), COALESCE(SUM(due_at >= $nw AND due_at < $nw + 86400), 0) FROM requests WHERE closed_at IS NULL;"
  echo "SELECT id, policy, type, state, assignee, received_at, due_at FROM requests WHERE closed_at IS NULL AND due_at < $nw ORDER BY due_at, id LIMIT 20;"
  echo "SELECT COALESCE(assignee, ''), COUNT(*), COALESCE(SUM(due_at < $nw), 0) FROM requests WHERE closed_at IS NULL GROUP BY 1 ORDER BY 1;"
  echo "SELECT status, COUNT(*) FROM outbox WHERE kind = 'recipient_notification' AND status IN ('pending', 'delivered', 'failed') GROUP BY status;"
  for w in $(seq 0 53); do
    b=$(( f + w * 604800 - 7 * 3600 )); e=$(( b + 604800 ))
    echo "SELECT COUNT(*) FROM requests WHERE received_at >= $(( b > f ? b : f )) AND received_at < $(( e < t ? e : t )) AND policy = 'id-pdp';"
  done
} >"$work/aggregates.sql"

seconds() { local s; s=$(date +%s.%N); "$@" >/dev/null; awk -v s="$s" -v e="$(date +%s.%N)" 'BEGIN {printf "%.3f", e - s}'; }
report_times=() shell_times=()
for _ in $(seq "$rounds"); do
  report_times+=("$(seconds "$dsr" report sla --db "$db" --key-file "$work/master.key" --from "$from" --to "$to")")
  shell_times+=("$(seconds sqlite3 -readonly "$db" ".read $work/aggregates.sql")")
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
r=$(median "${report_times[@]}"); s=$(median "${shell_times[@]}")
echo "SLA report over $n requests (one year), $rounds alternating rounds, medians:"
echo "  dsr report sla (whole command, JSON out):  $r s   rounds: ${report_times[*]}"
echo "  sqlite3 shell, the same aggregates:        $s s   rounds: ${shell_times[*]}"
awk -v r="$r" -v s="$s" 'BEGIN {printf "  ratio: %.2fx the shell (goal <= 1.5x, and under 2 s)\n", r / s}'
