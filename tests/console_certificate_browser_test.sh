#!/usr/bin/env bash
# The back-office console signed in by the browser's client certificate
# (dsr serve --client-ca/--client-crl, dsr staff add; docs/console.md), in
# Debian's chromium with Playwright's client certificates
# (tests/browser/console_certificates.mjs): a verifier whose certificate is
# mapped works the queue with no token to paste; a browser without a
# certificate is told how to get one and still signs in with a token; an
# unknown, a revoked and an expired certificate get a page saying why.
# A throwaway PKI made at test time (tests/test_pki.sh).
#   tests/console_certificate_browser_test.sh DSR OUT_DIR
# Exit 77 (skipped) when chromium or playwright-core is missing, unless
# DSR_REQUIRE_BROWSER=1.
set -euo pipefail
dsr="$1"
out="$2"
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/browser/harness.sh"
. "$here/test_pki.sh"
mkdir -p "$out"
pki="$work/pki"
make_test_pki "$pki"
# The harness's curl calls trust the test CA.
export CURL_CA_BUNDLE="$pki/ca.pem"
db=(--db "$work/dsr.db" --key-file "$work/master.key")
# Vera's certificate from its file (her name from its CN: the PKI calls her Sari).
"$dsr" staff add "${db[@]}" --cert "$pki/sari.pem" --role verifier --name "Vera Verifier" >/dev/null 2>&1
"$dsr" staff add "${db[@]}" --cert "$pki/revoked.pem" --role verifier >/dev/null 2>&1
"$dsr" staff add "${db[@]}" --cert "$pki/expired.pem" --role verifier >/dev/null 2>&1
rudi=$(token reviewer rudi)
serve --public-rate 0 --tls-cert "$pki/server.pem" --tls-key "$pki/server.key" \
  --client-ca "$pki/ca.pem" --client-crl "$pki/crl.pem"
case "$base" in https://*) ;; *) echo "dsr serve did not serve HTTPS: $base"; exit 1 ;; esac
erasure=$(file erasure "")

cat >"$work/fixture.json" <<JSON
{"base": "$base", "out": "$out", "pki": "$pki", "tokens": {"rudi": "$rudi"}, "requests": {"erasure": "$erasure"}}
JSON
timeout 180 node "$here/browser/console_certificates.mjs" "$work/fixture.json"
