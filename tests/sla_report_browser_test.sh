#!/usr/bin/env bash
# The SLA report page from a real `dsr serve`, in Debian's chromium
# (tests/browser/sla_report_page.mjs): requests filed and worked over the
# API (answered, rejected, assigned, two made overdue by moving their dates
# back), then the page checked and photographed.
#   tests/sla_report_browser_test.sh DSR OUT_DIR
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
    --message-sink "dir:$work/outbox" --quiet 2>"$work/serve.err" &
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
supervisor=$(token supervisor sari)
verifier=$(token verifier vera)
reviewer=$(token reviewer rita)
serve

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
answered=$(file access "")
rejected=$(file access "")
late_one=$(file access "")
late_two=$(file rectification '"details": {"corrections": [{"field": "email", "requested": "budi@example.net"}]},')
file erasure "" >/dev/null
fire "$answered" verify_manually "$verifier"; fire "$answered" approve "$reviewer"; fire "$answered" fulfil "$reviewer"
fire "$rejected" reject "$verifier"
for id in "$late_one" "$late_two"; do
  fire "$id" verify_manually "$verifier"
  curl -sf -o /dev/null -H "Authorization: Bearer $supervisor" -H 'Content-Type: application/json' \
    -X POST "$base/v1/requests/$id/assignment" -d '{"assignee": "rita"}'
done
stop
# Overdue takes days; the page only needs the rows to say so.
sqlite3 "$work/dsr.db" "UPDATE requests SET received_at = received_at - 6 * 86400, due_at = due_at - 6 * 86400
                        WHERE id IN ('$late_one', '$late_two')"
serve

# Within ctest's own limit, so that the server is stopped here, not left behind.
timeout 150 node "$here/browser/sla_report_page.mjs" "$base" "$supervisor" "$out"
