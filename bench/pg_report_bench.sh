#!/usr/bin/env bash
# The SLA report on PostgreSQL: a database with N requests (default
# 1,000,000) of mixed types, states and dates over a year, on a throwaway
# server with fsync on, then `dsr report sla` for the whole year against
# psql running the same statements (storage/postgres/pg_reports.cpp) on the
# same database, alternating, in the same run. Prints the medians and their
# ratio (goal: the report within 1.5x psql, and under 2 s).
#   bench/pg_report_bench.sh [N] [ROUNDS]     (1000000 requests, 5 rounds)
#   DSR=path/to/dsr bench/pg_report_bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-1000000}"
rounds="${2:-5}"
dsr="${DSR:-build/release/app/dsr}"
bin=/usr/lib/postgresql/15/bin
work=$(mktemp -d)
chmod 755 "$work"
trap '[ -n "${KEEP:-}" ] && { echo "kept: $work (stop with tests/pg_cluster.sh stop $work/pg)"; exit; }; tests/pg_cluster.sh stop "$work/pg" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
tests/pg_cluster.sh start "$work/pg" >/dev/null
admin=$(cat "$work/pg/conninfo")
"$bin/psql" "$admin" -qc "CREATE DATABASE dsr_report"
db="${admin/dbname=postgres/dbname=dsr_report}"
key="$work/master.key"
head -c 32 /dev/urandom >"$key"
chmod 600 "$key"
# dsr makes its schema (and records its key) the first time it opens the database.
"$dsr" token list --db "$db" --key-file "$key" >/dev/null

# The rows, straight in SQL, with the distribution of bench/report_bench.sh.
start=$(date +%s)
"$bin/psql" "$db" -q <<SQL
INSERT INTO requests (id, type, policy, subject_ref, state, version, received_at, due_at, extended, assignee, outcome,
                      updated_at, closed_at, verified_at, awaiting_subject_seconds, awaiting_since)
SELECT 'r-' || lpad(k::text, 12, '0'), type, 'id-pdp', 'bench-subject',
       CASE WHEN fate < 70 THEN 'completed' WHEN fate < 75 THEN 'partially_completed' WHEN fate < 82 THEN 'rejected'
            WHEN fate < 86 THEN 'withdrawn' WHEN fate < 90 THEN 'expired' WHEN fate < 95 THEN 'in_review'
            WHEN fate < 97 THEN 'awaiting_subject' ELSE 'verifying' END,
       1,
       received,
       received + CASE WHEN type IN ('erasure', 'automated_decision_objection') THEN 14 * 86400 ELSE 72 * 3600 END
                + CASE WHEN fate % 10 = 3 THEN 86400 ELSE 0 END,
       fate % 20 = 7,
       CASE WHEN spread < 900 THEN 'staff-' || (spread % 25) END,
       '',
       received,
       CASE WHEN fate < 90 THEN received + spread * 300 END,
       CASE WHEN fate < 82 OR (fate >= 90 AND fate < 97) THEN received + 600 END,
       CASE WHEN fate % 10 = 3 THEN 86400 ELSE 0 END,
       CASE WHEN fate >= 95 AND fate < 97 THEN received + 3600 END
FROM (SELECT k,
             (ARRAY['access', 'rectification', 'erasure', 'automated_decision_objection'])[k % 4 + 1] AS type,
             1764547200 + floor(random() * 365 * 86400)::bigint AS received,  -- 2025-12-01 + up to a year
             floor(random() * 100)::int AS fate,
             floor(random() * 1000)::int AS spread
      FROM generate_series(1, $n) AS k) AS rows;
VACUUM ANALYZE requests;
SQL
echo "filled $n requests in $(( $(date +%s) - start )) s ($("$bin/psql" "$db" -Atc "SELECT pg_size_pretty(pg_total_relation_size('requests'))"))"

from="2025-12-01T00:00:00Z"; to="2026-12-01T00:00:00Z"
f=$(date -d "$from" +%s); t=$(date -d "$to" +%s); nw=$(date +%s)
# The statements the report runs, in one read-only snapshot as dsr runs them.
{
  echo "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;"
  echo "SELECT policy, type, state, COUNT(*), SUM((closed_at IS NULL)::int)::bigint,
    SUM((closed_at <= due_at)::int)::bigint, SUM(extended::int)::bigint,
    SUM(awaiting_subject_seconds + COALESCE(GREATEST($nw::bigint - awaiting_since, 0), 0))::bigint,
    SUM((closed_at IS NOT NULL AND verified_at IS NULL)::int)::bigint FROM requests
    WHERE received_at >= $f AND received_at < $t GROUP BY policy, type, state ORDER BY policy, type, state;"
  # Each type's median and 90th percentile, walked from the nearer end; the
  # counts dsr learns from the statement above are looked up beforehand, untimed.
  "$bin/psql" "$db" -AtF' ' -c "SELECT type, COUNT(*) FROM requests WHERE state IN ('completed', 'partially_completed')
                                AND received_at >= $f AND received_at < $t GROUP BY type ORDER BY type" |
  while read -r type count; do
    for p in "1 2" "9 10"; do
      set -- $p
      rank=$(( ($1 * count + $2 - 1) / $2 ))  # ceil(p * n)
      if [ $(( rank * 2 )) -gt "$count" ]; then order=DESC offset=$(( count - rank )); else order=ASC offset=$(( rank - 1 )); fi
      echo "SELECT closed_at - received_at FROM requests WHERE policy = 'id-pdp' AND type = '$type'
        AND state IN ('completed', 'partially_completed') AND received_at >= $f AND received_at < $t
        ORDER BY closed_at - received_at $order LIMIT 1 OFFSET $offset;"
    done
  done
  echo "WITH RECURSIVE p(policy) AS (SELECT MIN(policy) FROM requests UNION ALL
    SELECT (SELECT MIN(policy) FROM requests WHERE policy > p.policy) FROM p WHERE p.policy IS NOT NULL)
    SELECT policy FROM p WHERE policy IS NOT NULL;"
  echo "SELECT COUNT(*), COALESCE(SUM((due_at < $nw)::int), 0)::bigint,
    COALESCE(SUM((due_at >= $nw AND due_at < $nw + 86400)::int), 0)::bigint FROM requests WHERE closed_at IS NULL;"
  echo "SELECT id, policy, type, state, assignee, received_at, due_at FROM requests
    WHERE closed_at IS NULL AND due_at < $nw ORDER BY due_at, id LIMIT 20;"
  echo "SELECT COALESCE(assignee, ''), COUNT(*), COALESCE(SUM((due_at < $nw)::int), 0)::bigint
    FROM requests WHERE closed_at IS NULL GROUP BY 1 ORDER BY 1;"
  echo "SELECT status, COUNT(*) FROM outbox WHERE kind = 'recipient_notification'
    AND status IN ('pending', 'delivered', 'failed') GROUP BY status;"
  for w in $(seq 0 53); do  # weeks from Monday 00:00 WIB (17:00 UTC on Sunday)
    b=$(( f - 7 * 3600 + w * 604800 )); e=$(( b + 604800 ))
    echo "SELECT COUNT(*) FROM requests WHERE received_at >= $(( b > f ? b : f ))
      AND received_at < $(( e < t ? e : t )) AND policy = 'id-pdp';"
  done
  echo "COMMIT;"
} >"$work/report.sql"

seconds() { local s; s=$(date +%s.%N); "$@" >/dev/null; awk -v s="$s" -v e="$(date +%s.%N)" 'BEGIN {printf "%.3f", e - s}'; }
report_times=() psql_times=()
for _ in $(seq "$rounds"); do
  report_times+=("$(seconds "$dsr" report sla --db "$db" --key-file "$key" --from "$from" --to "$to" --format json)")
  psql_times+=("$(seconds "$bin/psql" "$db" -q -X -f "$work/report.sql")")
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
r=$(median "${report_times[@]}"); p=$(median "${psql_times[@]}")
echo "SLA report on PostgreSQL over $n requests (one year), $rounds alternating rounds, medians:"
echo "  dsr report sla (whole command, JSON out):  $r s   rounds: ${report_times[*]}"
echo "  psql, the same statements:                 $p s   rounds: ${psql_times[*]}"
awk -v r="$r" -v p="$p" 'BEGIN {printf "  ratio: %.2fx psql (goal <= 1.5x, and under 2 s)\n", r / p}'
