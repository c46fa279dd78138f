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
. "$here/browser/harness.sh"

supervisor=$(token supervisor sari)
verifier=$(token verifier vera)
reviewer=$(token reviewer rita)
serve
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
