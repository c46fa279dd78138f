#!/usr/bin/env bash
# The back-office console (api/console, docs/console.md) from a real
# `dsr serve`, in Debian's chromium (tests/browser/console.mjs): requests
# filed and partly worked over the API, then signed-in staff work them in
# the browser: manual verification, the queue's filters and paging, assign,
# approve, four-eyes, fulfil, extension, a conflict between two officers,
# an auditor without buttons, a role refused the report, the report itself,
# English, keyboard-only sign-in, and screenshots at laptop and tablet size.
#   tests/console_browser_test.sh DSR OUT_DIR
# Exit 77 (skipped) when chromium or playwright-core is missing, unless
# DSR_REQUIRE_BROWSER=1 (scripts/test sets it: there the test must run).
set -euo pipefail
dsr="$1"
out="$2"
here="$(cd "$(dirname "$0")" && pwd)"
if ! command -v chromium >/dev/null || ! command -v node >/dev/null || [ ! -d "$here/browser/node_modules/playwright-core" ]; then
  echo "chromium, node or tests/browser/node_modules is missing: run scripts/setup --browser"
  [ "${DSR_REQUIRE_BROWSER:-}" = 1 ] && exit 1
  exit 77
fi
mkdir -p "$out"
work=$(mktemp -d)
cleanup() {
  if [ -n "${pid:-}" ]; then kill "$pid" 2>/dev/null || true; fi
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# On a port the system picks (no collision with tests running beside it),
# read back from the server's "listening on" line.
serve() {
  : >"$work/serve.err"
  "$dsr" serve --listen 127.0.0.1:0 --db "$work/dsr.db" --key-file "$work/master.key" \
    --message-sink "dir:$work/outbox" --public-rate 0 --quiet 2>"$work/serve.err" &
  pid=$!
  for _ in $(seq 100); do
    port=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\).*|\1|p' "$work/serve.err")
    if [ -n "$port" ]; then base="http://127.0.0.1:$port"; return; fi
    sleep 0.1
  done
  echo "dsr serve did not start:"; cat "$work/serve.err"; exit 1
}
stop() { kill "$pid"; wait "$pid" || true; pid=; }
field() { node -e 'let s = ""; process.stdin.on("data", d => s += d).on("end", () => console.log(JSON.parse(s)[process.argv[1]]))' "$1"; }
token() { "$dsr" token create --role "$1" --name "$2" --db "$work/dsr.db" --key-file "$work/master.key"; }

mkdir -p "$work/outbox"
# rita is a reviewer who also holds a supervisor token: the four-eyes rule
# looks at the person (the principal), not at the token.
vera=$(token verifier vera)
rita=$(token reviewer rita)
rita_supervisor=$(token supervisor rita)
rudi=$(token reviewer rudi)
sari=$(token supervisor sari)
ari=$(token auditor ari)
serve

# No record on file for these subjects: each waits for a verifier by hand.
file() {
  curl -sf -H 'Content-Type: application/json' -X POST "$base/v1/requests" -d "{\"type\": \"$1\", $2
    \"subject\": {\"name\": \"Budi Santoso\", \"nik\": \"3273015506900002\", \"email\": \"budi@example.org\"}}" | field id
}
fire() {  # fire ID EVENT TOKEN
  local version
  version=$(curl -sf -H "Authorization: Bearer $3" "$base/v1/requests/$1" | field version)
  curl -sf -o /dev/null -H "Authorization: Bearer $3" -H 'Content-Type: application/json' \
    -X POST "$base/v1/requests/$1/transitions" -d "{\"event\": \"$2\", \"reason\": \"checked\", \"version\": $version}"
}
erasure=$(file erasure "")
approve_me=$(file access "")
conflict=$(file access "")
info=$(file access "")
held=$(file access "")
for id in "$approve_me" "$conflict" "$info" "$held"; do fire "$id" verify_manually "$vera"; done
# Enough others for a second page of ten; one made overdue, one due today.
fillers=()
for _ in $(seq 10); do fillers+=("$(file access "")"); done
late="${fillers[0]}"
today="${fillers[1]}"
fire "$today" verify_manually "$vera"   # in review: the screenshots show its buttons
stop
# Overdue takes days and "due today" an hour of the day: move the cached
# due dates the queue is sorted and marked by (the journal is untouched).
now=$(date +%s)
midnight_wib=$(( (now + 7 * 3600) / 86400 * 86400 + 86400 - 7 * 3600 ))
due_today=$(( now + (midnight_wib - now) / 2 ))
sqlite3 "$work/dsr.db" "UPDATE requests SET received_at = received_at - 6 * 86400, due_at = due_at - 6 * 86400 WHERE id = '$late';
                        UPDATE requests SET due_at = $due_today WHERE id = '$today'"
serve

cat >"$work/fixture.json" <<JSON
{"base": "$base", "out": "$out",
 "tokens": {"vera": "$vera", "rita": "$rita", "rita_supervisor": "$rita_supervisor", "rudi": "$rudi",
            "sari": "$sari", "ari": "$ari"},
 "requests": {"erasure": "$erasure", "approve_me": "$approve_me", "conflict": "$conflict", "info": "$info", "held": "$held",
              "late": "$late", "today": "$today", "due_today_seconds_left": $(( midnight_wib - now ))}}
JSON
# Within ctest's own limit, so that the server is stopped here, not left behind.
timeout 240 node "$here/browser/console.mjs" "$work/fixture.json"
