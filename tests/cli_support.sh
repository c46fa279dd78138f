# Shared by the command-line tests: each check prints "ok: ..." or
# "FAIL: ..." and counts failures in $failures; the test ends with
# finish, which says how many failed and sets the exit status.
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

lacks() {  # lacks <text> -- command...: the command's output (stdout and stderr) never holds text
  local text="$1"
  shift 2
  local out
  out=$("$@" 2>&1)
  if grep -qF -- "$text" <<<"$out"; then
    echo "FAIL: '$*' printed '$text'. Output:"; echo "$out"; failures=$((failures + 1)); return
  fi
  echo "ok: no '$text' from: $*"
}

check() {  # check <what> -- test command...: the command succeeds
  local what="$1"
  shift 2
  if "$@"; then echo "ok: $what"; return 0; fi
  echo "FAIL: $what ($*)"; failures=$((failures + 1)); return 1
}

nonzero() {  # nonzero <text in output> -- command...: exits with any status but 0
  local want_text="$1"
  shift 2
  local out rc
  out=$("$@" 2>&1)
  rc=$?
  if [ "$rc" -eq 0 ]; then echo "FAIL: '$*' exited 0. Output:"; echo "$out"; failures=$((failures + 1)); return; fi
  if ! grep -qF -- "$want_text" <<<"$out"; then
    echo "FAIL: '$*' output lacks '$want_text'. Output:"; echo "$out"; failures=$((failures + 1)); return
  fi
  echo "ok: (exit $rc) $*"
}

one_line() {  # one_line -- command...: stderr is exactly one line
  shift
  local lines
  lines=$("$@" 2>&1 >/dev/null | wc -l)
  if [ "$lines" -ne 1 ]; then echo "FAIL: '$*' printed $lines lines on stderr"; failures=$((failures + 1)); else echo "ok: one line: $*"; fi
}

finish() {
  if [ "$failures" -gt 0 ]; then echo "$failures failure(s)"; exit 1; fi
  echo "all passed"
}
