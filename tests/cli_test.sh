#!/usr/bin/env bash
# The dsr command line as an operator meets it: exit codes, and errors that
# fit on one line and say what to do.
set -u
dsr="$1"
fixtures="$2"
failures=0

expect() {  # expect <exit code> <text in output> -- command...
  local want_rc="$1" want_text="$2"
  shift 3
  local out rc
  out=$("$@" 2>&1)
  rc=$?
  if [ "$rc" -ne "$want_rc" ]; then
    echo "FAIL: '$*' exited $rc, expected $want_rc. Output:"; echo "$out"; failures=$((failures + 1)); return
  fi
  if ! grep -qF -- "$want_text" <<<"$out"; then
    echo "FAIL: '$*' output lacks '$want_text'. Output:"; echo "$out"; failures=$((failures + 1)); return
  fi
  echo "ok: $*"
}

one_line() {  # one_line -- command...: stderr is exactly one line
  shift
  local lines
  lines=$("$@" 2>&1 >/dev/null | wc -l)
  if [ "$lines" -ne 1 ]; then echo "FAIL: '$*' printed $lines lines on stderr"; failures=$((failures + 1)); else echo "ok: one line: $*"; fi
}

expect 0 "workflows check" -- "$dsr" --help
expect 2 "Usage: dsr <command>" -- "$dsr"
expect 2 'unknown command "frobnicate"' -- "$dsr" frobnicate
expect 2 'unknown command "workflows lint"' -- "$dsr" workflows lint x
expect 0 "Usage: dsr workflows check DIR" -- "$dsr" workflows check --help
expect 2 "give the directory to check" -- "$dsr" workflows check
expect 2 "is not a directory" -- "$dsr" workflows check /nonexistent
expect 2 "unrecognised option '--strict'" -- "$dsr" workflows check --strict "$fixtures/valid"
one_line -- "$dsr" workflows check /nonexistent
one_line -- "$dsr" serve --no-such-flag

# A directory with one broken workflow: that error, plus the missing types.
expect 1 'access.json: $.transitions[1].to: unknown state "complete"' -- \
  "$dsr" workflows check "$fixtures/invalid/unknown_state"
expect 1 'rectification.json: missing' -- "$dsr" workflows check "$fixtures/invalid/unknown_state"

# dsr serve refuses to start on invalid workflows, listing the errors.
expect 1 'refusing to start with invalid workflows' -- "$dsr" serve --workflows "$fixtures/invalid/dead_end"
expect 2 '--tls-cert and --tls-key go together' -- "$dsr" serve --tls-cert x.pem

[ "$failures" -eq 0 ] || { echo "$failures failure(s)"; exit 1; }
