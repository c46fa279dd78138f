#!/usr/bin/env bash
# dsr audit verify against a database edited with the sqlite3 shell: each
# edit, deletion or reordering of a past journal row is found and named.
set -u
driver="$1"
dsr="$2"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

fresh() {  # a new database with 5 requests of 4 events each (20 events)
  rm -f "$work"/dsr.db*
  "$driver" fill "$work/dsr.db" "$work/master.key" 5 || exit 1
}

expect() {  # expect <exit code> <text> -- sql (empty: none)
  local want_rc="$1" want="$2" sql="$4"
  fresh
  [ -n "$sql" ] && sqlite3 "$work/dsr.db" "$sql"
  local out rc
  out=$("$dsr" audit verify --db "$work/dsr.db" --key-file "$work/master.key" 2>&1)
  rc=$?
  if [ "$rc" -ne "$want_rc" ] || ! grep -qF -- "$want" <<<"$out"; then
    echo "FAIL: after '$sql': exit $rc (want $want_rc), output: $out"; failures=$((failures + 1))
  else
    echo "ok: ${sql:-untouched} -> $out"
  fi
}

expect 0 "ok: the journal is intact (20 events), and so is the audit log (1 signed checkpoints)" -- ""
expect 1 "broken: event 7" -- "UPDATE journal SET reason = 'approved' WHERE seq = 7"
expect 1 "broken: event 3" -- "UPDATE journal SET principal = 'mallory' WHERE seq = 3"
expect 1 "broken: event 12" -- "DELETE FROM journal WHERE seq = 12"
expect 1 "broken: event 9" -- "UPDATE journal SET seq = -1 WHERE seq = 9; UPDATE journal SET seq = 9 WHERE seq = 10; UPDATE journal SET seq = 10 WHERE seq = -1"
# The last event cut, and its request set back to match: only the
# checkpoint signed over it remembers it.
expect 1 "removed from the end" -- "DELETE FROM journal WHERE seq = 20; UPDATE requests SET version = 3, state = (SELECT to_state FROM journal WHERE seq = 19) WHERE id = (SELECT request_id FROM journal WHERE seq = 19)"

# A wrong key and a missing database are errors (exit 2), not verdicts.
fresh
head -c 32 /dev/urandom >"$work/other.key"; chmod 600 "$work/other.key"
out=$("$dsr" audit verify --db "$work/dsr.db" --key-file "$work/other.key" 2>&1); rc=$?
if [ "$rc" -ne 2 ] || ! grep -q "master key does not match" <<<"$out"; then echo "FAIL: wrong key: $rc $out"; failures=$((failures + 1)); fi
out=$("$dsr" audit verify --db "$work/none.db" --key-file "$work/master.key" 2>&1); rc=$?
if [ "$rc" -ne 2 ] || ! grep -q "no database at" <<<"$out"; then echo "FAIL: missing db: $rc $out"; failures=$((failures + 1)); fi

[ "$failures" -eq 0 ] || { echo "$failures failure(s)"; exit 1; }
