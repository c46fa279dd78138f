#!/usr/bin/env bash
# A full disk, then a read-only one, under a real `dsr serve` whose database
# lives on a small tmpfs (policy G.1). While the disk is full or read-only,
# requests that write get 503 with a problem body that says why, reads are
# still served, and subjects are not sent the same message again and again;
# every filing answered 201 before is there afterwards; the server writes
# again by itself when space or writing returns (no restart); the journal
# verifies and integrity_check is ok.
#   tests/disk_trouble_test.sh DSR
# Mounting needs root: where it is not allowed the test exits 77 (skipped)
# and says why.
set -uo pipefail
. "$(dirname "$0")/serve_support.sh"
dsr="$1"
work=$(mktemp -d)
data="$work/data"
mkdir -p "$data" "$work/spool"
pid=
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; fi
  umount "$data" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
if ! mount -t tmpfs -o size=2m,mode=0700 tmpfs "$data" 2>"$work/mount.err"; then
  echo "skipped: cannot mount a tmpfs here ($(cat "$work/mount.err")); run as root to test a full disk"
  exit 77
fi
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

start_server() {
  "$dsr" serve --listen 127.0.0.1:0 --db "$data/dsr.db" --key-file "$data/master.key" --message-sink "dir:$work/spool" \
    --public-rate 0 --quiet 2>"$work/serve.err" &
  pid=$!
  port=$(dsr_listening_port "$work/serve.err" "$pid")
  [ -n "$port" ] || { echo "dsr serve did not start:"; cat "$work/serve.err"; exit 1; }
  base="http://127.0.0.1:$port"
}
stop_server() { kill "$pid"; wait "$pid"; pid=; }

# Files an access request (with long grounds, $1, to fill the disk sooner);
# prints the HTTP status and keeps the body in $work/body. The id of each
# 201 goes to $work/acked.
file_request() {
  local status
  status=$(curl -s -o "$work/body" -w '%{http_code}' -H 'Content-Type: application/json' -X POST "$base/v1/requests" \
    -d '{"type": "access", "subject": {"name": "Budi Santoso", "nik": "3171012303850007", "email": "budi@example.go.id"},
         "details": {"grounds": "'"${1:-}"'"}}')
  [ "$status" = 201 ] && grep -o '"id":"[^"]*"' "$work/body" | head -1 | cut -d'"' -f4 >>"$work/acked"
  echo "$status"
}
status_of() { curl -s -o "$work/answer" -w '%{http_code}' "$@"; }
touch "$work/acked"
messages_sent() { find "$work/spool" -name '*.json' | wc -l; }

start_server
token=$("$dsr" token create --role auditor --name aulia --db "$data/dsr.db" --key-file "$data/master.key")

echo "== the disk fills"
grounds=$(head -c 3000 /dev/zero | tr '\0' x)
status=
for _ in $(seq 1 1000); do
  status=$(file_request "$grounds")
  [ "$status" = 201 ] || break
done
echo "full after $(wc -l <"$work/acked") filings: $(cat "$work/body")"
[ "$status" = 503 ] || fail "a filing on a full disk answered $status, not 503"
grep -q '"status":503' "$work/body" || fail "no problem body on a full disk: $(cat "$work/body")"
grep -q 'the disk is full' "$work/body" || fail "the problem does not say the disk is full: $(cat "$work/body")"
[ "$(file_request "$grounds")" = 503 ] || fail "a second filing on the full disk was not 503"
[ "$(status_of "$base/healthz")" = 200 ] || fail "the server stopped answering /healthz"
first=$(head -1 "$work/acked")
[ "$(status_of -H "Authorization: Bearer $token" "$base/v1/requests/$first")" = 200 ] ||
  fail "an acknowledged request cannot be read while the disk is full: $(cat "$work/answer")"
# The receipts already sent cannot be recorded: they must not go out again.
sleep 1
before=$(messages_sent)
for _ in 1 2 3; do file_request "$grounds" >/dev/null; done
sleep 1.5
after=$(messages_sent)
[ "$after" = "$before" ] || fail "while the disk was full, $((after - before)) messages were sent again"

echo "== space returns"
mount -o remount,size=16m "$data"
status=$(file_request)
[ "$status" = 201 ] || fail "after space returned a filing answered $status: $(cat "$work/body")"
# A worker that logged trouble logs when it works again.
sleep 1
for worker in receipts outbox; do
  if grep -q "dsr: $worker: .*logged once" "$work/serve.err" && ! grep -q "dsr: $worker: working again" "$work/serve.err"; then
    fail "the $worker worker did not log that it works again: $(cat "$work/serve.err")"
  fi
done

echo "== the disk is read-only at start"
stop_server
mount -o remount,ro "$data" || { echo "cannot remount read-only"; exit 1; }
start_server
grep -q "can only be read" "$work/serve.err" || fail "no warning at start that the database can only be read: $(cat "$work/serve.err")"
[ "$(status_of "$base/readyz")" = 503 ] || fail "/readyz is not 503 on a read-only disk"
grep -q 'can only be read' "$work/answer" || fail "/readyz does not say why: $(cat "$work/answer")"
status=$(file_request)
[ "$status" = 503 ] || fail "a filing on a read-only disk answered $status, not 503: $(cat "$work/body")"
grep -q 'cannot be written' "$work/body" || fail "the problem does not say the database cannot be written: $(cat "$work/body")"
[ "$(status_of -H "Authorization: Bearer $token" "$base/v1/requests/$first")" = 200 ] ||
  fail "an acknowledged request cannot be read on a read-only disk: $(cat "$work/answer")"

echo "== writing returns"
mount -o remount,rw "$data"
# With no write coming (a load balancer holds traffic off a node that is
# not ready), /readyz alone brings the server back.
ready=
for _ in $(seq 20); do
  ready=$(status_of "$base/readyz")
  [ "$ready" = 200 ] && break
  sleep 0.1
done
[ "$ready" = 200 ] || fail "/readyz is not 200 once the disk is writable: $(cat "$work/answer")"
status=$(file_request)
[ "$status" = 201 ] || fail "after the disk became writable a filing answered $status: $(cat "$work/body")"
grep -q "dsr: storage: the database can be written again" "$work/serve.err" ||
  fail "the server did not log that the database can be written again: $(cat "$work/serve.err")"

echo "== nothing acknowledged is lost"
missing=0
while read -r id; do
  [ "$(status_of -H "Authorization: Bearer $token" "$base/v1/requests/$id")" = 200 ] || missing=$((missing + 1))
done <"$work/acked"
[ "$missing" = 0 ] || fail "$missing of $(wc -l <"$work/acked") acknowledged filings are missing"
stop_server
"$dsr" audit verify --db "$data/dsr.db" --key-file "$data/master.key" >"$work/audit" 2>&1 || fail "audit: $(cat "$work/audit")"
[ "$(sqlite3 "$data/dsr.db" 'PRAGMA integrity_check')" = ok ] || fail "integrity_check is not ok"
if [ "$failures" = 0 ]; then
  echo "ok: $(wc -l <"$work/acked") acknowledged filings all present; $(cat "$work/audit")"
fi
exit $((failures > 0))
