#!/usr/bin/env bash
# A flame graph of `dsr serve` (Release, SQLite, --public-rate 0, its access
# log on) under one scenario of bench/http_bench.sh: wrk -t2 -c64 drives
# the load, `perf record -F 999 --call-graph dwarf,8192` samples dsr's
# threads for SECONDS once the load runs, and the npm package `flamegraph`
# (bench/flamegraph, installed by scripts/setup --bench) renders what
# `perf script` prints as an SVG: each box a function, as wide as its share
# of the samples, above the functions that called it.
#   bench/flamegraph.sh SCENARIO [SECONDS] [SVG]
#     SCENARIO: healthz, file, read-staff, read-tracking or event
#     SECONDS:  how long perf records (default 5)
#     SVG:      default docs/images/flamegraph-SCENARIO.svg
#   DSR=path/to/dsr                           (another binary)
#   PERF_DATA=path                            (also keeps perf.data there)
set -euo pipefail
cd "$(dirname "$0")/.."
scenario="${1:?usage: bench/flamegraph.sh SCENARIO [SECONDS] [SVG] (healthz, file, read-staff, read-admin, read-tracking, event)}"
seconds="${2:-5}"
svg="${3:-docs/images/flamegraph-$scenario.svg}"
dsr="${DSR:-build/release/app/dsr}"
render=bench/flamegraph/node_modules/flamegraph/bin/flamegraph.js
case "$scenario" in
  healthz | file | read-staff | read-admin | read-tracking | event) ;;
  *) echo "flamegraph: unknown scenario $scenario (healthz, file, read-staff, read-admin, read-tracking, event)" >&2; exit 2 ;;
esac

# shellcheck source=bench/http_lib.sh
. bench/http_lib.sh
bench_need_dsr
bench_need wrk curl sqlite3 perf node
[ -f "$render" ] || { echo "flamegraph: no $render: run scripts/setup --bench" >&2; exit 2; }
backend=sqlite
work=$(mktemp -d)
perf_pid=""
cleanup() {
  set +e
  if [ -n "$perf_pid" ]; then kill -INT "$perf_pid" 2>/dev/null; wait "$perf_pid" 2>/dev/null; fi
  bench_cleanup
}
trap cleanup EXIT
trap 'echo "flamegraph: interrupted" >&2; exit 130' INT
trap 'exit 143' TERM

bench_start_dsr sqlite "$work/dsr"
read -ra args <<<"$(bench_scenario_args "$scenario")"
DSR_BENCH_TOKEN=$(bench_staff_token 2>"$work/token.err")
DSR_BENCH_ADMIN_TOKEN=$(bench_staff_token admin 2>>"$work/token.err")
export DSR_BENCH_TOKEN DSR_BENCH_ADMIN_TOKEN DSR_BENCH_IDS="$work/dsr/ids.txt" DSR_BENCH_DIR="$PWD/bench"
case "$scenario" in
  read-staff | read-admin | read-tracking | event) bench_pool "$work/dsr" ;;  # requests to read and write
esac

# The load runs a second before and after the recording, so that perf sees
# only the steady state.
wrk -t2 -c64 -d"$((seconds + 2))s" --latency "${args[@]}" >"$work/wrk.out" 2>&1 &
wrk_pid=$!
sleep 1
perf record -q -F 999 --call-graph dwarf,8192 -p "$dsr_pid" -o "$work/perf.data" -- sleep "$seconds" \
  >"$work/perf.log" 2>&1 &
perf_pid=$!
wait "$perf_pid" || { cat "$work/perf.log" >&2; echo "flamegraph: perf record failed" >&2; exit 1; }
perf_pid=""
wait "$wrk_pid" || { cat "$work/wrk.out" >&2; exit 1; }
wrk_pid=""
bench_stop_dsr
# PERF_DATA=path keeps the recording, for `perf report`.
if [ -n "${PERF_DATA:-}" ]; then cp "$work/perf.data" "$PERF_DATA"; fi

# Functions without their offsets (sym, not symoff): one box per function,
# not one per instruction; inlined functions are not looked up (addr2line
# per address takes minutes). Template arguments and parameter lists are
# left out of the names (Beast's run to thousands of characters, and each
# box carries its name four times), and boxes under 1 pixel wide too: the
# SVG stays well under 1 MB.
perf script -F comm,tid,time,event,ip,sym,dso --no-inline -i "$work/perf.data" 2>"$work/perf-script.log" |
  awk '
    /^\t/ && match($0, / \([^()]*\)$/) {
      name = substr($0, 1, RSTART - 1); dso = substr($0, RSTART)
      gsub(/\(anonymous namespace\)/, "{anonymous}", name)
      while (gsub(/<[^<>]*>/, "\001", name)) {}
      while (gsub(/\([^()]*\)/, "\002", name)) {}
      gsub("\001", "<>", name); gsub("\002", "()", name)
      $0 = name dso
    }
    { print }' >"$work/perf.txt"
# Each box costs some 600 bytes of SVG whatever its name: when a scenario
# has too many narrow ones, wider is the least width drawn.
mkdir -p "$(dirname "$svg")"
# Two mends to what flamegraph 1.3.0 writes: the "&&" in its mouse-over
# handlers is not valid XML (browsers then show no picture at all), and its
# title is commented out.
for min_width in 1 1.5 2 3 5; do
  node "$render" -t perf --minwidth "$min_width" \
    --titletext "dsr serve, $scenario (wrk -t2 -c64, perf -F 999 for ${seconds}s)" -f "$work/perf.txt" -o "$work/raw.svg"
  sed -e 's/ && / \&amp;\&amp; /g' -e 's|^<!--\(<text .*</text>\)-->$|\1|' "$work/raw.svg" >"$svg"
  if [ "$(stat -c %s "$svg")" -lt 1000000 ]; then break; fi
done
samples=$(grep -c '^[^[:space:]]' "$work/perf.txt" || true)  # each sample's first line, its stack indented below
echo "flamegraph: $svg ($(stat -c %s "$svg") bytes, from $samples samples; boxes narrower than $min_width pixel(s) left out); the load, over $((seconds + 2)) s:"
awk '/Requests\/sec|Non-2xx/ || $1 == "50%" || $1 == "99%" { print "  " $0 }' "$work/wrk.out"
if [ "$(stat -c %s "$svg")" -ge 1000000 ]; then
  echo "flamegraph: $svg is over 1 MB: record fewer seconds before putting it in the repository" >&2
fi
echo "(perf's own cost slows dsr while it records: the load's figures are not the benchmark's)"
