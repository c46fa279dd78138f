#!/usr/bin/env bash
# dsr on PostgreSQL against pgbench, on the same throwaway server (fsync
# on), at the same client count, in alternating rounds of one run:
#  - durable filings: RequestService over PgStore (one pipelined
#    transaction per filing, the sequencer running beside it) against
#    pgbench running what one filing writes (bench/pgbench/filing.sql);
#  - reads: PgStore::load of a request chosen at random among 2,000 against
#    pgbench running the same statement (bench/pgbench/read.sql).
# pgbench uses prepared statements. Prints each round, then the medians
# and the ratio dsr / pgbench.
#   bench/pg_bench.sh [ROUNDS] [SECONDS]     (BUILD=dir with bench/pg_filing_bench; default build/release)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-3}"
seconds="${2:-5}"
build="${BUILD:-build/release}"
bin=/usr/lib/postgresql/15/bin
work=$(mktemp -d)
trap 'tests/pg_cluster.sh stop "$work/pg" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
tests/pg_cluster.sh start "$work/pg" >/dev/null
admin=$(cat "$work/pg/conninfo")
for db in dsr_bench pgbench_ref; do "$bin/psql" "$admin" -qc "CREATE DATABASE $db"; done
dsr_db="${admin/dbname=postgres/dbname=dsr_bench}"
ref_db="${admin/dbname=postgres/dbname=pgbench_ref}"
"$build/bench/pg_filing_bench" --conninfo "$ref_db" --migrate-only
# The requests the reads choose among, in both databases.
"$build/bench/pg_filing_bench" --conninfo "$dsr_db" --fill 2000
"$build/bench/pg_filing_bench" --conninfo "$ref_db" --fill 2000

declare -A rate p99
for round in $(seq "$rounds"); do
  for clients in 1 8 64; do
    line=$("$build/bench/pg_filing_bench" --conninfo "$dsr_db" --clients "$clients" --seconds "$seconds")
    rate[dsr-$clients]+="$(awk '{print $4}' <<<"$line") "
    p99[dsr-$clients]+="$(awk '{print $8}' <<<"$line") "
    # pgbench's per-transaction log: the third column is the latency in microseconds.
    (cd "$work" && rm -f pgbench_log.* && "$bin/pgbench" -n -M prepared -c "$clients" -j 2 -T "$seconds" -l \
       -f "$OLDPWD/bench/pgbench/filing.sql" "$ref_db" >"$work/pgbench.out" 2>&1)
    tps=$(awk '/^tps = / {print int($3)}' "$work/pgbench.out")
    ref99=$(cat "$work"/pgbench_log.* | awk '{print $3 / 1000}' | sort -n | awk '{a[NR]=$1} END {print a[int(NR * 0.99)]}')
    rate[ref-$clients]+="$tps "
    p99[ref-$clients]+="$ref99 "
    echo "round $round, $clients client(s), filings: dsr $(awk '{print $4}' <<<"$line")/s p99 $(awk '{print $8}' <<<"$line") ms; pgbench $tps/s p99 $ref99 ms"
    line=$("$build/bench/pg_filing_bench" --conninfo "$dsr_db" --clients "$clients" --read --seconds "$seconds")
    rate[dsr-read-$clients]+="$(awk '{print $4}' <<<"$line") "
    p99[dsr-read-$clients]+="$(awk '{print $8}' <<<"$line") "
    (cd "$work" && rm -f pgbench_log.* && "$bin/pgbench" -n -M prepared -c "$clients" -j 2 -T "$seconds" -l -D count=2000 \
       -f "$OLDPWD/bench/pgbench/read.sql" "$ref_db" >"$work/pgbench.out" 2>&1)
    tps=$(awk '/^tps = / {print int($3)}' "$work/pgbench.out")
    ref99=$(cat "$work"/pgbench_log.* | awk '{print $3 / 1000}' | sort -n | awk '{a[NR]=$1} END {print a[int(NR * 0.99)]}')
    rate[ref-read-$clients]+="$tps "
    p99[ref-read-$clients]+="$ref99 "
    echo "round $round, $clients client(s), reads: dsr $(awk '{print $4}' <<<"$line")/s p99 $(awk '{print $8}' <<<"$line") ms; pgbench $tps/s p99 $ref99 ms"
  done
done

median() { tr ' ' '\n' <<<"$1" | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo
printf '%-18s %12s %12s %8s %12s %12s\n' "" "dsr/s" "pgbench/s" ratio "dsr p99 ms" "pgbench p99"
for kind in "" read-; do
  for clients in 1 8 64; do
    d=$(median "${rate[dsr-$kind$clients]}"); r=$(median "${rate[ref-$kind$clients]}")
    printf '%-18s %12s %12s %8.2f %12s %12s\n' "${kind:-filings-}$clients clients" "$d" "$r" \
      "$(awk -v d="$d" -v r="$r" 'BEGIN {print d / r}')" "$(median "${p99[dsr-$kind$clients]}")" \
      "$(median "${p99[ref-$kind$clients]}")"
  done
done
