#!/usr/bin/env bash
# Crash test: a process files and advances requests on many threads and is
# killed with SIGKILL at random moments, again and again. After each kill,
# every command it acknowledged must be in the database, SQLite's
# integrity_check must say ok, and `dsr audit verify` must pass.
#   crash_test.sh DRIVER DSR [ROUNDS]     (quick mode in ctest: 12 rounds)
set -u
driver="$1"
dsr="$2"
rounds="${3:-12}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
db="$work/dsr.db"
key="$work/master.key"
acks="$work/acks"
: >"$acks"

for round in $(seq "$rounds"); do
  "$driver" submit "$db" "$key" 8 >>"$acks" 2>"$work/driver.err" &
  pid=$!
  # Let it run 100-700 ms, then pull the plug.
  sleep "0.$((RANDOM % 7 + 1))"
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  if grep -q . "$work/driver.err"; then
    echo "round $round: the driver failed on its own:"; cat "$work/driver.err"; exit 1
  fi
  if ! result=$("$driver" check "$db" "$key" "$acks"); then
    echo "round $round: $result"; exit 1
  fi
  if ! "$dsr" audit verify --db "$db" --key-file "$key" >/dev/null; then
    echo "round $round: dsr audit verify failed"; "$dsr" audit verify --db "$db" --key-file "$key"; exit 1
  fi
done
echo "survived $rounds kills; last check: $result"
