# Sourced by the browser tests (tests/*_browser_test.sh), with $dsr set to
# the binary: skips (exit 77) where chromium, node or playwright-core is
# missing, unless DSR_REQUIRE_BROWSER=1 (scripts/test sets it: there the
# test must run); then gives a scratch directory $work, removed on exit,
# and the steps a test takes over the API:
#   serve [ARGS]         dsr serve on a free port ($base: http, or https with
#                        --tls-cert; curl then trusts $CURL_CA_BUNDLE), stopped on exit
#   stop                 SIGTERM, and wait
#   token ROLE NAME      a bearer token
#   file TYPE [JSON,]    files a request for one subject; prints its id
#   fire ID EVENT TOKEN  fires a transition at the request's current version
#   field NAME           prints one field of the JSON on stdin
browser_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if ! command -v chromium >/dev/null || ! command -v node >/dev/null || [ ! -d "$browser_dir/node_modules/playwright-core" ]; then
  echo "chromium, node or tests/browser/node_modules is missing: run scripts/setup --browser"
  [ "${DSR_REQUIRE_BROWSER:-}" = 1 ] && exit 1
  exit 77
fi
work=$(mktemp -d)
mkdir -p "$work/outbox"
pid=
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; fi
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
# A new installation, as an operator makes one (its own admin token unused).
"$dsr" init --db "$work/dsr.db" --key-file "$work/master.key" >/dev/null 2>&1

# On a port the system picks (no collision with tests running beside it),
# read back from the server's "listening on" line.
serve() {
  : >"$work/serve.err"
  "$dsr" serve --listen 127.0.0.1:0 --db "$work/dsr.db" --key-file "$work/master.key" \
    --message-sink "dir:$work/outbox" --quiet "$@" 2>"$work/serve.err" &
  pid=$!
  for _ in $(seq 100); do
    base=$(sed -n 's|.*listening on \(https\{0,1\}://127.0.0.1:[0-9]*\).*|\1|p' "$work/serve.err")
    if [ -n "$base" ]; then port="${base##*:}"; return; fi
    sleep 0.1
  done
  echo "dsr serve did not start:"; cat "$work/serve.err"; exit 1
}
stop() { kill "$pid"; wait "$pid" || true; pid=; }
field() { node -e 'let s = ""; process.stdin.on("data", d => s += d).on("end", () => console.log(JSON.parse(s)[process.argv[1]]))' "$1"; }
token() { "$dsr" token create --role "$1" --name "$2" --db "$work/dsr.db" --key-file "$work/master.key"; }
# No record on file for this subject: each request waits for a verifier by hand.
file() {
  curl -sf -H 'Content-Type: application/json' -X POST "$base/v1/requests" -d "{\"type\": \"$1\", ${2:-}
    \"subject\": {\"name\": \"Budi Santoso\", \"nik\": \"3273015506900002\", \"email\": \"budi@example.org\"}}" | field id
}
fire() {
  local version
  version=$(curl -sf -H "Authorization: Bearer $3" "$base/v1/requests/$1" | field version)
  curl -sf -o /dev/null -H "Authorization: Bearer $3" -H 'Content-Type: application/json' \
    -X POST "$base/v1/requests/$1/transitions" -d "{\"event\": \"$2\", \"reason\": \"checked\", \"version\": $version}"
}
