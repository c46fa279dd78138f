#!/usr/bin/env bash
# The back-office console (api/console, docs/console.md) from a real
# `dsr serve`, in Debian's chromium (tests/browser/console.mjs): requests
# filed and partly worked over the API, then signed-in staff work them in
# the browser: manual verification, the queue's filters and paging, assign,
# approve, four-eyes, fulfil, extension, a conflict between two officers,
# an auditor without buttons, a role refused the report, the report itself,
# English, keyboard-only sign-in, a reviewer answering an inquiry, a
# supervisor restricting processing and lifting the restriction, a
# supervisor filing a breach notice that a second approves, watching each
# subject's notice delivered, and
# screenshots at laptop and tablet size.
#   tests/console_browser_test.sh DSR OUT_DIR
# Exit 77 (skipped) when chromium or playwright-core is missing, unless
# DSR_REQUIRE_BROWSER=1 (scripts/test sets it: there the test must run).
set -euo pipefail
dsr="$1"
out="$2"
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/browser/harness.sh"
mkdir -p "$out"

# rita is a reviewer who also holds a supervisor token: the four-eyes rule
# looks at the person (the principal), not at the token.
vera=$(token verifier vera)
rita=$(token reviewer rita)
rita_supervisor=$(token supervisor rita)
rudi=$(token reviewer rudi)
sari=$(token supervisor sari)
sinta=$(token supervisor sinta)
ari=$(token auditor ari)
ams=$(token system ams)
serve --public-rate 0
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
# The subject on file from here on (the requests above were filed without a
# record): a restriction acts on the record. The e-mail on file is not the
# one the form gives, so a verifier checks the identity by hand.
curl -sf -o /dev/null -H "Authorization: Bearer $ams" -H 'Content-Type: application/json' -X PUT \
  "$base/v1/subjects/3273015506900002" -d '{"name": "Budi Santoso", "email": "budi.santoso@bssn.example", "organization": "BSSN"}'
# Three certificate holders of one directorate, for the breach notice the
# supervisors file and approve in the browser.
for n in 1 2 3; do
  curl -sf -o /dev/null -H "Authorization: Bearer $ams" -H 'Content-Type: application/json' -X PUT \
    "$base/v1/subjects/327301550690000$((n + 2))" -d "{\"name\": \"Pemegang $n\", \"email\": \"pemegang$n@contoh.example\", \"organization\": \"Direktorat Contoh\"}"
done
inquiry=$(file inquiry '"details": {"question": "Siapa saja yang menerima foto wajah saya, dan untuk apa?"},')
restriction=$(file restriction '"details": {"grounds": "Saya menyangkal keakuratan foto wajah saya", "categories": ["face_photo", "email"]},')
for id in "$inquiry" "$restriction"; do fire "$id" verify_manually "$vera"; done
stop
# Overdue takes days and "due today" an hour of the day: move the cached
# due dates the queue is sorted and marked by (the journal is untouched).
now=$(date +%s)
midnight_wib=$(( (now + 7 * 3600) / 86400 * 86400 + 86400 - 7 * 3600 ))
due_today=$(( now + (midnight_wib - now) / 2 ))
sqlite3 "$work/dsr.db" "UPDATE requests SET received_at = received_at - 6 * 86400, due_at = due_at - 6 * 86400 WHERE id = '$late';
                        UPDATE requests SET due_at = $due_today WHERE id = '$today'"
serve --public-rate 0

cat >"$work/fixture.json" <<JSON
{"base": "$base", "out": "$out",
 "tokens": {"vera": "$vera", "rita": "$rita", "rita_supervisor": "$rita_supervisor", "rudi": "$rudi",
            "sari": "$sari", "sinta": "$sinta", "ari": "$ari"},
 "requests": {"erasure": "$erasure", "approve_me": "$approve_me", "conflict": "$conflict", "info": "$info", "held": "$held",
              "late": "$late", "today": "$today", "inquiry": "$inquiry", "restriction": "$restriction",
              "due_today_seconds_left": $(( midnight_wib - now ))}}
JSON
# Within ctest's own limit, so that the server is stopped here, not left behind.
timeout 240 node "$here/browser/console.mjs" "$work/fixture.json"
