#!/usr/bin/env bash
# run_fuzzer.sh TARGET CORPUS FINDINGS [libFuzzer options...]
# Runs a libFuzzer target over its seed corpus (every seed once, as
# regression inputs), then on new inputs as the options say. New inputs
# that grow coverage go to a scratch copy, never into the repository; a
# crashing input is written to FINDINGS/ and fails the run. TARGET.dict
# beside this script, if there is one, is the target's libFuzzer dictionary.
# The whole of libFuzzer's output (its status lines show coverage and peak
# rss as the run goes) is kept in FINDINGS.log.
set -uo pipefail
target="$1" corpus="$2" findings="$3"
shift 3
mkdir -p "$findings"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cp -r "$corpus"/. "$scratch"/ 2>/dev/null
# A dictionary next to this script, named after the target, if it has one.
dict="$(dirname "$0")/$(basename "$target").dict"
[ -f "$dict" ] && set -- -dict="$dict" "$@"
"$target" -artifact_prefix="$findings/" -print_final_stats=1 -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
  "$@" "$scratch" >"$findings.log" 2>&1
rc=$?
grep -E "INITED|DONE|stat::number_of_executed_units|stat::peak_rss_mb" "$findings.log"
if [ "$rc" -ne 0 ]; then
  tail -60 "$findings.log"
  echo "FAIL: $(basename "$target") exited $rc; the input is in $findings/"
fi
exit "$rc"
