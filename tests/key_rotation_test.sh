#!/usr/bin/env bash
# dsr key rotate-master beside a running dsr serve on the same SQLite file,
# stopped half-way (a test hook that dies after two batches, as a kill
# would), then SIGKILLed on its second run, then run to the end:
#  - while it is stopped, the key file holds both keys, rows are under
#    either, and every record reads (the server over HTTP, another process
#    directly), and what the server writes is under the new key;
#  - once it ends, the old key is gone from the key file, no row names it,
#    every record still reads, a restarted server reads them, and the old
#    key alone is refused.
#   key_rotation_test.sh DRIVER DSR [SUBJECTS]     (ctest: 3000)
set -u
driver="$1"
dsr="$2"
n="${3:-3000}"
. "$(dirname "$0")/cli_support.sh"
. "$(dirname "$0")/serve_support.sh"
work=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT
data="$work/data"
mkdir -m 700 "$data"
db="$data/dsr.db"
key="$data/master.key"
fail() { echo "FAIL: $*"; exit 1; }

"$driver" subjects "$db" "$key" "$n" >/dev/null || fail "could not make $n subjects"
cp -p "$key" "$work/old.key"
system=$("$dsr" token create --role system --name rotation-test --db "$db" --key-file "$key" 2>/dev/null)
[ -n "$system" ] || fail "no system token"

start_server() {
  "$dsr" serve --listen 127.0.0.1:0 --db "$db" --key-file "$key" --message-sink "dir:$work/spool" --public-rate 0 \
    --quiet 2>"$work/serve.err" &
  pid=$!
  port=$(dsr_listening_port "$work/serve.err" "$pid")
  [ -n "$port" ] || fail "dsr serve did not start: $(cat "$work/serve.err")"
  base="http://127.0.0.1:$port"
}
stop_server() { kill "$pid"; wait "$pid"; pid=; }
nik_of() {  # as storage_driver's numbered_nik
  printf '317101%02d%02d85%04d' $((1 + ($1 / 9999) % 28)) $((1 + ($1 / 9999 / 28) % 12)) $((1 + $1 % 9999))
}
# The server reads a sample of the records: the first, one in the middle, the last.
server_reads() {
  for i in 0 $((n / 2)) $((n - 1)); do
    local status
    status=$(curl -s -o "$work/answer" -w '%{http_code}' -H "Authorization: Bearer $system" "$base/v1/subjects/$(nik_of "$i")")
    [ "$status" = 200 ] && grep -q "Pegawai $i\"" "$work/answer" ||
      fail "$1: the server did not read subject $i ($status): $(cat "$work/answer")"
  done
  echo "ok: $1: the server reads the records"
}
server_writes() {  # server_writes NIK: a new record through the server
  local status
  status=$(curl -s -o "$work/answer" -w '%{http_code}' -X PUT -H "Authorization: Bearer $system" \
    -H 'Content-Type: application/json' "$base/v1/subjects/$1" \
    -d '{"name": "Sari Dewi", "email": "sari@example.go.id", "organization": "BSSN"}')
  [ "$status" = 201 ] || fail "the server did not write subject $1 ($status): $(cat "$work/answer")"
}
sql() { sqlite3 "$db" "$1"; }

start_server
server_reads "before the rotation"

# 0. One rotation at a time: while another holds the lock, a second is
#    refused and writes nothing (not even the key file).
cp "$key" "$work/key.before"
flock "$key.lock" sleep 3 &
holder=$!
sleep 0.5
"$dsr" key rotate-master --db "$db" --key-file "$key" >"$work/rotate0.out" 2>&1
rc=$?
wait "$holder"
[ "$rc" = 1 ] || fail "a rotation beside another exited $rc, not 1: $(cat "$work/rotate0.out")"
grep -q "another rotation holds" "$work/rotate0.out" || fail "no word of the other rotation: $(cat "$work/rotate0.out")"
cmp -s "$key" "$work/key.before" || fail "a refused rotation changed the key file"

# 1. Stopped by the test hook after two batches of 500.
DSR_TEST_ROTATE_STOP_AFTER_BATCHES=2 "$dsr" key rotate-master --batch 500 --db "$db" --key-file "$key" \
  >"$work/rotate1.out" 2>&1
rc=$?
[ "$rc" = 137 ] || fail "the stopped rotation exited $rc, not 137: $(cat "$work/rotate1.out")"
grep -q '^previous ' "$key" || fail "the key file does not hold the old key after a stopped rotation: $(sed 's/ .*//' "$key")"
new_id=$(sql "SELECT value FROM meta WHERE key = 'master_key_current'")
under_new=$(sql "SELECT COUNT(*) FROM subjects WHERE wrap_key_id = '$new_id'")
under_old=$(sql "SELECT COUNT(*) FROM subjects WHERE wrap_key_id <> '$new_id'")
[ "$under_new" = 1000 ] || fail "after two batches of 500, $under_new rows are under the new key"
[ "$under_old" = $((n - 1000)) ] || fail "after two batches, $under_old rows are under the old key"
echo "ok: stopped half-way: $under_new rows under the new key $new_id, $under_old under the old one"
server_reads "half-way"
server_writes 3171012303859001
[ "$(sql "SELECT wrap_key_id FROM subjects ORDER BY updated_at DESC, rowid DESC LIMIT 1")" = "$new_id" ] ||
  fail "a record the server wrote half-way is not under the new key"
echo "ok: half-way: what the server writes is under the new key"
"$driver" read-subjects "$db" "$key" "$n" >"$work/read.out" 2>&1 || fail "half-way: $(cat "$work/read.out")"
echo "ok: half-way: another process reads all $n records with the key file as it is"

# 2. Resumed, and SIGKILLed somewhere on the way (perhaps after it ended).
"$dsr" key rotate-master --batch 50 --db "$db" --key-file "$key" >"$work/rotate2.out" 2>&1 &
rotator=$!
sleep 0.$((RANDOM % 5 + 2))
kill -9 "$rotator" 2>/dev/null
wait "$rotator" 2>/dev/null
grep -q "resuming the rotation" "$work/rotate2.out" || fail "the second run did not resume: $(cat "$work/rotate2.out")"
"$driver" read-subjects "$db" "$key" "$n" >"$work/read.out" 2>&1 || fail "after a SIGKILL: $(cat "$work/read.out")"
server_reads "after a SIGKILL"
echo "ok: after a SIGKILL, every record reads"

# 3. To the end (unless the second run ended before the kill came).
if grep -q '^previous ' "$key"; then
  "$dsr" key rotate-master --db "$db" --key-file "$key" >"$work/rotate3.out" 2>&1 ||
    fail "the rotation did not finish: $(cat "$work/rotate3.out")"
  grep -q "^rotated: master key $new_id is in force" "$work/rotate3.out" ||
    fail "the last run did not say the rotation ended: $(cat "$work/rotate3.out")"
else
  grep -q "^rotated: master key $new_id is in force" "$work/rotate2.out" ||
    fail "the key file lost the old key, but the second run did not say it ended: $(cat "$work/rotate2.out")"
  echo "ok: the second run ended before the kill came"
fi
if grep -q '^previous ' "$key" 2>/dev/null; then fail "the old key is still in the key file"; fi
[ "$(sql "SELECT COUNT(*) FROM subjects WHERE wrap_key_id <> '$new_id'")" = 0 ] || fail "rows still name another key"
[ "$(sql "SELECT key_id FROM sealed_keys WHERE name = 'purpose'")" = "$new_id" ] || fail "the purpose keys are not under the new key"
echo "ok: the old key is gone from the key file and from every row"
server_reads "after the rotation"
server_writes 3171012303859002
"$driver" read-subjects "$db" "$key" "$n" >"$work/read.out" 2>&1 || fail "after the rotation: $(cat "$work/read.out")"
stop_server
start_server
server_reads "after a restart on the new key"
stop_server
expect 2 "the master key does not match this database" -- "$dsr" audit verify --db "$db" --key-file "$work/old.key"
expect 0 "" -- "$dsr" audit verify --db "$db" --key-file "$key"
finish
