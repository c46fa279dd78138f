#!/usr/bin/env bash
# A/B of the storage cost of the audit log: group_commit_bench (filing a
# request through the group-commit writer, 1, 8 and 64 submitters) built
# from BASE (a revision before the Merkle tree, default 037160c) and from
# the working tree, run in alternating rounds in one run so that the
# machine's drift hits both alike. Prints each round and the medians with
# their ratio (this tree / BASE).
#   bench/audit_log_ab.sh [BASE] [ROUNDS] [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
base_rev="${1:-037160c}"
rounds="${2:-5}"
seconds="${3:-2}"
work=$(mktemp -d)
cleanup() { git worktree remove --force "$work/base" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT

git worktree add --detach "$work/base" "$base_rev" >/dev/null 2>&1
for side in base head; do
  src=$([ "$side" = base ] && echo "$work/base" || pwd)
  cmake -S "$src" -B "$work/build-$side" -G Ninja -DCMAKE_BUILD_TYPE=Release -DDSR_BUILD_TESTS=OFF \
    -DDSR_BUILD_BENCH=ON >/dev/null
  cmake --build "$work/build-$side" --target group_commit_bench >/dev/null
done

declare -A results
for round in $(seq "$rounds"); do
  for side in base head; do
    out=$("$work/build-$side/bench/group_commit_bench" --seconds "$seconds" --runs 1 --dir "$work/files-$side")
    for n in 1 8 64; do
      rate=$(awk -v n="$n" '$0 ~ "group commit, " n " submitter" {print $(NF-2)}' <<<"$out")
      results[$side-$n]+="$rate "
      echo "round $round $side $n submitter(s): $rate filings/s"
    done
  done
done

median() { tr ' ' '\n' <<<"$1" | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo
printf '%-28s %14s %14s %8s\n' "filings/s (median)" "base $base_rev" "this tree" "ratio"
for n in 1 8 64; do
  b=$(median "${results[base-$n]}")
  h=$(median "${results[head-$n]}")
  printf '%-28s %14s %14s %8.2f\n' "$n submitter(s)" "$b" "$h" "$(awk -v h="$h" -v b="$b" 'BEGIN {print h / b}')"
done
