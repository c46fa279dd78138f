#!/usr/bin/env bash
# The dsr command line as an operator meets it: exit codes, and errors that
# fit on one line and say what to do.
set -u
dsr="$1"
fixtures="$2"
source "$(dirname "$0")/cli_support.sh"

expect 0 "workflows check" -- "$dsr" --help
expect 0 "dsr 0." -- "$dsr" --version
expect 0 "(git " -- "$dsr" --version
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
expect 1 'refusing to start with invalid definitions' -- "$dsr" serve --workflows "$fixtures/invalid/dead_end"
expect 2 '--tls-cert and --tls-key go together' -- "$dsr" serve --tls-cert x.pem

# dsr sla due: the ICO's own example, and each kind of bad input (exit 2).
expect 0 '"due_at":"2024-12-27T23:59:59Z"' -- "$dsr" sla due --policy uk-gdpr --type access --received 2024-11-25T09:00:00Z
expect 0 '"acknowledge_by":null' -- "$dsr" sla due --policy uk-gdpr --type access --received 2024-11-25T09:00:00Z
expect 0 '"due_at":"2025-03-06T02:15:00Z","extended_due_at":null' -- \
  "$dsr" sla due --policy id-pdp --type access --received 2025-03-03T09:15:00+07:00
expect 0 '"due_at":"2025-04-07T06:59:59Z"' -- \
  "$dsr" sla due --policy us-ca-ccpa --type access --received 2025-01-06T09:00:00-08:00 --extended
expect 0 'this policy allows no extension' -- \
  "$dsr" sla due --policy id-pdp --type access --received 2025-03-03T09:15:00+07:00 --extended
expect 2 'unknown policy "xx-none"' -- "$dsr" sla due --policy xx-none --type access --received 2025-01-01T00:00:00Z
expect 2 'no rule for request type "complaint"' -- "$dsr" sla due --policy uk-gdpr --type complaint --received 2025-01-01T00:00:00Z
expect 2 'is not an RFC 3339 timestamp with an offset' -- "$dsr" sla due --policy uk-gdpr --type access --received 2025-01-01T10:00:00
expect 2 'calendar uk-eaw has no 2031' -- "$dsr" sla due --policy uk-gdpr --type access --received 2031-01-10T10:00:00Z
expect 2 '--type is required' -- "$dsr" sla due --policy uk-gdpr --received 2025-01-01T00:00:00Z
one_line -- "$dsr" sla due --policy xx-none --type access --received 2025-01-01T00:00:00Z
one_line -- "$dsr" sla due --policy uk-gdpr --type access --received 2031-01-10T10:00:00Z
expect 2 'unknown --policy "nowhere"' -- "$dsr" serve --policy nowhere
expect 2 'plain HTTP on 0.0.0.0 would expose personal data' -- "$dsr" serve --listen 0.0.0.0:0
expect 2 'is not HOST:PORT' -- "$dsr" serve --listen nowhere

# Messages to subjects: a missing template or an unknown variable stops
# `workflows check` and `serve` before any message is due.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$(dirname "$0")/../workflows" "$work/defs"
# Rename one template away, and misspell a variable in another.
sed -i 's/"expired": {/"expired_old": {/; s/Reason: {reason}/Reason: {reasons}/' "$work/defs/messages/en.json"
expect 1 'missing template "expired"' -- "$dsr" workflows check "$work/defs"
expect 1 'unknown variable {reasons}' -- "$dsr" workflows check "$work/defs"
expect 1 'refusing to start with invalid definitions' -- "$dsr" serve --workflows "$work/defs" --db "$work/x.db" --key-file "$work/x.key"
rm "$work/defs/messages/id.json"
expect 1 'messages/id.json: missing' -- "$dsr" workflows check "$work/defs"

# Deliveries: the sink and the retry settings are checked before anything starts.
expect 2 'use dir:PATH (e.g. dir:var/outbox) or webhook:URL' -- "$dsr" serve --message-sink smtp://mail --db "$work/y.db" --key-file "$work/y.key"
expect 2 'must start with http:// or https://' -- "$dsr" serve --message-sink webhook:ftp://gw --db "$work/y.db" --key-file "$work/y.key"
# A spool where files cannot be written (here /proc) is refused at start, not at the first message.
expect 2 '--message-sink dir:/proc/dsr-spool: ' -- "$dsr" serve --message-sink dir:/proc/dsr-spool --db "$work/y.db" --key-file "$work/y.key"
expect 2 '--delivery-horizon "soon" is not a duration' -- "$dsr" serve --delivery-horizon soon
expect 2 '--retention-interval "hourly" is not a duration' -- "$dsr" serve --retention-interval hourly
expect 2 'cannot load the CA bundle' -- "$dsr" serve --webhook-ca /nonexistent.pem --db "$work/y.db" --key-file "$work/y.key"

# Retention: a sweep of a new database removes nothing and says so; errors are named.
"$dsr" init --db "$work/k.db" --key-file "$work/k.key" >/dev/null 2>&1
expect 0 '{"verification_codes":0,"message_payloads":0,"idempotency_answers":0,"subjects_shredded":[],"subjects_on_hold":0}' -- "$dsr" retention run --db "$work/k.db" --key-file "$work/k.key"
expect 2 'no policy "mars"' -- "$dsr" retention run --db "$work/k.db" --key-file "$work/k.key" --policy mars
expect 2 'no database at' -- "$dsr" retention run --db "$work/none.db" --key-file "$work/k.key"

# The SLA report: bad dates and formats are named; --out writes the whole file, and nothing else.
"$dsr" init --db "$work/r.db" --key-file "$work/r.key" >/dev/null 2>&1
expect 2 '--from "2026-13-01" is not a date' -- "$dsr" report sla --db "$work/r.db" --key-file "$work/r.key" --from 2026-13-01
expect 2 '--format pdf is not one of json, csv, html' -- "$dsr" report sla --db "$work/r.db" --key-file "$work/r.key" --format pdf
expect 0 '<html lang="id">' -- "$dsr" report sla --db "$work/r.db" --key-file "$work/r.key" --format html
expect 0 '<html lang="en">' -- "$dsr" report sla --db "$work/r.db" --key-file "$work/r.key" --format html --lang en
expect 2 '--lang fr is not id (Indonesian) or en (English)' -- "$dsr" report sla --db "$work/r.db" --key-file "$work/r.key" --lang fr
expect 2 'the period is empty' -- "$dsr" report sla --db "$work/r.db" --key-file "$work/r.key" --from 2026-11-02 --to 2026-11-01
expect 2 'longer than 3653 days' -- "$dsr" report sla --db "$work/r.db" --key-file "$work/r.key" --from 2000-01-01 --to 2026-11-01
expect 2 'no database at' -- "$dsr" report sla --db "$work/none.db" --key-file "$work/r.key"
mkdir "$work/reports"
expect 0 '' -- "$dsr" report sla --db "$work/r.db" --key-file "$work/r.key" --from 2026-11-01 --to 2026-12-01 --out "$work/reports/sla.json"
if ! grep -q '"period":{"from":"2026-10-31T17:00:00Z","to":"2026-11-30T17:00:00Z"}' "$work/reports/sla.json"; then
  echo "FAIL: the report file lacks its period in WIB: $(head -c 300 "$work/reports/sla.json")"; failures=$((failures + 1))
fi
if [ "$(ls -A "$work/reports")" != "sla.json" ]; then
  echo "FAIL: the report left other files: $(ls -A "$work/reports")"; failures=$((failures + 1))
fi
expect 0 '# types' -- "$dsr" report sla --db "$work/r.db" --key-file "$work/r.key" --format csv
expect 1 'cannot write' -- "$dsr" report sla --db "$work/r.db" --key-file "$work/r.key" --out "$work/missing-dir/sla.json"

finish
