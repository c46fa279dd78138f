#!/usr/bin/env bash
# Staff sign in with their client certificates (dsr serve --client-ca,
# --client-crl; dsr staff add|list|remove; docs/deployment.md), over real
# TLS with curl and openssl s_client. A throwaway PKI made at test time
# (tests/test_pki.sh): a mapped supervisor (from her file) and auditor (by
# issuer and serial) are signed in with no token; a bearer token still
# works, with or without a certificate, and wins; an unknown, a revoked, an
# expired and a foreign certificate, and a forgery of a mapped one, are
# refused with a problem naming why,
# and the console's page says it in words; no session is resumed; a CRL
# renewed on disk, one that lapses, and a mapping removed beside the running
# server all take effect on the next connection.
#   tests/client_certificate_test.sh DSR
set -uo pipefail
dsr="$1"
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/cli_support.sh"
source "$here/serve_support.sh"
source "$here/test_pki.sh"
work=$(mktemp -d)
pid=
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
pki="$work/pki"
make_test_pki "$pki"
db=(--db "$work/dsr.db" --key-file "$work/master.key")
"$dsr" init "${db[@]}" >/dev/null 2>&1
tls=(--tls-cert "$pki/server.pem" --tls-key "$pki/server.key")

# --- Refused at start, with a clear word.
expect 2 "--client-ca needs TLS" -- "$dsr" serve "${db[@]}" --listen 127.0.0.1:0 --client-ca "$pki/ca.pem"
expect 2 "--client-crl goes with --client-ca" -- "$dsr" serve "${db[@]}" --listen 127.0.0.1:0 "${tls[@]}" --client-crl "$pki/crl.pem"
expect 2 "holds no PEM certificate" -- "$dsr" serve "${db[@]}" --listen 127.0.0.1:0 "${tls[@]}" --client-ca "$pki/crl.pem"
expect 2 "holds no PEM revocation list" -- "$dsr" serve "${db[@]}" --listen 127.0.0.1:0 "${tls[@]}" --client-ca "$pki/ca.pem" --client-crl "$pki/ca.pem"

# --- Mapping certificates to staff.
expect 0 "Sari Supervisor (supervisor)" -- "$dsr" staff add "${db[@]}" --cert "$pki/sari.pem" --role supervisor
ari_serial=$(openssl x509 -in "$pki/ari.pem" -noout -serial | cut -d= -f2)
ari_issuer=$(openssl x509 -in "$pki/ari.pem" -noout -issuer -nameopt RFC2253 | sed 's/^issuer=//')
expect 0 "Ari Auditor (auditor)" -- "$dsr" staff add "${db[@]}" --issuer "$ari_issuer" --serial "$ari_serial" --role auditor --name "Ari Auditor"
# OpenSSL's one-line spelling of the issuer, and the serial with a leading zero, name the same certificate.
oneline_issuer=$(openssl x509 -in "$pki/ari.pem" -noout -issuer | sed 's/^issuer=//')
expect 2 "already mapped" -- "$dsr" staff add "${db[@]}" --issuer "$oneline_issuer" --serial "0$ari_serial" --role reviewer --name "Someone Else"
expect 0 "Rini Revoked" -- "$dsr" staff add "${db[@]}" --cert "$pki/revoked.pem" --role reviewer
expect 0 "expired at" -- "$dsr" staff add "${db[@]}" --cert "$pki/expired.pem" --role reviewer
expect 0 "Sam Stranger" -- "$dsr" staff add "${db[@]}" --cert "$pki/stranger.pem" --role reviewer
expect 2 "needs --institution" -- "$dsr" staff add "${db[@]}" --cert "$pki/unknown.pem" --role institution
expect 2 "--institution goes with --role institution" -- "$dsr" staff add "${db[@]}" --cert "$pki/unknown.pem" --role auditor --institution BSSN
expect 2 "is not a DN" -- "$dsr" staff add "${db[@]}" --issuer "nonsense" --serial 10 --role auditor --name x
expect 2 "not a hexadecimal serial" -- "$dsr" staff add "${db[@]}" --issuer "$ari_issuer" --serial xyz --role auditor --name x
expect 2 "--name is required" -- "$dsr" staff add "${db[@]}" --issuer "$ari_issuer" --serial 99 --role auditor
expect 2 "give --cert FILE, or --issuer DN and --serial HEX" -- "$dsr" staff add "${db[@]}" --role auditor
expect 2 "holds no PEM certificate" -- "$dsr" staff add "${db[@]}" --cert "$pki/sari.key" --role auditor
expect 2 "unknown role" -- "$dsr" staff add "${db[@]}" --cert "$pki/unknown.pem" --role subject
expect 0 "Ari Auditor" -- "$dsr" staff list "${db[@]}"
expect 0 "$ari_issuer" -- "$dsr" staff list "${db[@]}"

# --- The settings: a configuration file and the environment, as every setting.
cat >"$work/dsr.conf" <<CONF
tls-cert = $pki/server.pem
tls-key = $pki/server.key
client-ca = $pki/ca.pem
CONF
expect 0 "client-ca = $pki/ca.pem  # file $work/dsr.conf" -- "$dsr" config show --config "$work/dsr.conf"
expect 0 "client-crl = $pki/crl.pem  # environment DSR_CLIENT_CRL" -- env DSR_CLIENT_CRL="$pki/crl.pem" "$dsr" config show --config "$work/dsr.conf"

rudi=$("$dsr" token create --role reviewer --name rudi "${db[@]}" 2>/dev/null)
DSR_CLIENT_CRL="$pki/crl.pem" "$dsr" serve --config "$work/dsr.conf" "${db[@]}" --listen 127.0.0.1:0 --quiet \
  --message-sink "dir:$work/outbox" 2>"$work/serve.err" &
pid=$!
port=$(dsr_listening_port "$work/serve.err" "$pid")
if [ -z "$port" ]; then echo "FAIL: dsr serve did not start:"; cat "$work/serve.err"; exit 1; fi
base="https://127.0.0.1:$port"
expect 0 "staff may sign in with client certificates" -- cat "$work/serve.err"

# status WHO PATH [curl args]: the status of GET PATH with WHO's certificate ("-": none); the body in $work/body.
status() {
  local who="$1" path="$2"
  shift 2
  local cert=()
  [ "$who" != - ] && cert=(--cert "$pki/$who.pem" --key "$pki/$who.key")
  curl -s -o "$work/body" -w '%{http_code}' --cacert "$pki/ca.pem" "${cert[@]}" "$@" "$base$path"
}
answers() {  # answers WHO PATH STATUS TEXT [curl args]
  local who="$1" path="$2" want="$3" text="$4"
  shift 4
  local got
  got=$(status "$who" "$path" "$@")
  if [ "$got" = "$want" ] && grep -qF -- "$text" "$work/body"; then echo "ok: $who: GET $path: $want, '$text'"; return; fi
  echo "FAIL: $who: GET $path answered $got (expected $want with '$text'):"; cat "$work/body"; echo
  failures=$((failures + 1))
}

answers sari /v1/whoami 200 '"name":"Sari Supervisor","role":"supervisor","institution":null,"signed_in_with":"certificate"'
answers sari /v1/requests 200 '"items"'
answers ari /v1/whoami 200 '"name":"Ari Auditor","role":"auditor"'
answers ari /v1/tokens 403 'role_not_allowed'
# No certificate: the token prompt's world, unchanged; the 401 says none came.
answers - /v1/whoami 401 '"certificate":"none"'
answers - /v1/whoami 200 '"name":"rudi","role":"reviewer","institution":null,"signed_in_with":"token"' -H "Authorization: Bearer $rudi"
# A token, when sent, wins over the certificate; a wrong one is refused, not replaced by it.
answers sari /v1/whoami 200 '"name":"rudi"' -H "Authorization: Bearer $rudi"
answers sari /v1/whoami 401 'unknown or revoked token' -H "Authorization: Bearer dsr_guess"
answers revoked /v1/whoami 200 '"name":"rudi"' -H "Authorization: Bearer $rudi"
# Refused certificates, each with its reason.
answers unknown /v1/whoami 403 '"type":"urn:dsr:problem:certificate_unknown"'
answers unknown /v1/whoami 403 "dsr staff add"
answers revoked /v1/requests 401 '"type":"urn:dsr:problem:certificate_revoked"'
answers revoked /v1/requests 401 '"certificate":"revoked"'
answers expired /v1/whoami 401 '"type":"urn:dsr:problem:certificate_expired"'
answers stranger /v1/whoami 401 '"type":"urn:dsr:problem:certificate_untrusted"'
# Hostile: a forgery with the staff CA's name and Ari's serial (Ari is mapped by
# issuer and serial alone) is not Ari; headers claiming a certificate are not one.
answers forged /v1/whoami 401 '"type":"urn:dsr:problem:certificate_untrusted"'
answers - /v1/whoami 401 '"certificate":"none"' -H "X-SSL-Client-Cert: $(tr -d '\n' <"$pki/ari.pem")" \
  -H 'X-SSL-Client-S-DN: CN=Ari Auditor,O=dsr tests' -H 'X-Client-Verify: SUCCESS'
# A refused certificate does not close the public routes.
answers revoked /healthz 200 ''
# The console: a clear page instead of the console, in the reader's language.
answers revoked /console/ 401 'This certificate has been revoked by its issuer.' -H 'Accept-Language: en'
answers expired /console/ 401 'This certificate has expired.' -H 'Accept-Language: en'
answers unknown /console/ 403 'belum didaftarkan untuk anggota staf mana pun'
answers unknown /console/ 403 "$(openssl x509 -in "$pki/unknown.pem" -noout -serial | cut -d= -f2 | tr A-F a-f | sed 's/^0*//')"
answers stranger /console/index.html 401 'not issued by an authority this server trusts' -H 'Accept-Language: en'
answers revoked /console/console.css 200 ''
answers sari /console/ 200 '<meta name="dsr-certificate" content="staff">'
answers - /console/ 200 '<meta name="dsr-certificate" content="none">'

# No session resumption: a resumed session would carry no certificate to
# check. Neither TLS 1.3 nor 1.2 gives the client a session to resume (no
# ticket, no session id), so s_client has none to save.
for version in -tls1_3 -tls1_2; do
  echo | openssl s_client "$version" -connect "127.0.0.1:$port" -CAfile "$pki/ca.pem" -cert "$pki/sari.pem" \
    -key "$pki/sari.key" -sess_out "$work/session$version" >"$work/handshake$version" 2>&1
  check "$version: the handshake completed with the certificate" -- grep -q "^New, TLSv1" "$work/handshake$version"
  check "$version: no session to resume" -- test ! -s "$work/session$version"
done
check "the server asked for a certificate from the staff CA" -- grep -q "CN = dsr Test Staff CA" "$work/handshake-tls1_2"

# eventually SECONDS WHO PATH STATUS TEXT: within SECONDS, a new connection answers so.
eventually() {
  local seconds="$1"
  shift
  local got
  for _ in $(seq $((seconds * 5))); do
    got=$(status "$2" "$3")
    if [ "$got" = "$4" ] && grep -qF -- "$5" "$work/body"; then echo "ok: within ${seconds}s: $*"; return; fi
    sleep 0.2
  done
  echo "FAIL: not within ${seconds}s: $* (last: $got)"; cat "$work/body"; echo
  failures=$((failures + 1))
}

# A renewed CRL (written beside, renamed over) is read again: ari is revoked from then on.
revoke_in_test_pki "$pki" ari
eventually 5 - ari /v1/whoami 401 '"certificate":"revoked"'
expect 0 "read the revocation list" -- cat "$work/serve.err"
answers sari /v1/whoami 200 '"name":"Sari Supervisor"'
# A CRL that lapses: nothing can be checked, so nothing signs in, and the answer says why.
openssl ca -batch -config "$pki/ca.cnf" -gencrl -crlsec 1 -out "$pki/crl.pem.new" 2>/dev/null && mv "$pki/crl.pem.new" "$pki/crl.pem"
sleep 2
eventually 5 - sari /v1/whoami 401 '"type":"urn:dsr:problem:certificate_unchecked"'
# A CRL file that does not read keeps the last good one in force.
echo "not a CRL" >"$pki/crl.pem.new" && mv "$pki/crl.pem.new" "$pki/crl.pem"
sleep 1.5
answers sari /v1/whoami 401 'certificate_unchecked'
expect 0 "the revocation list read before stays in force" -- cat "$work/serve.err"
openssl ca -batch -config "$pki/ca.cnf" -gencrl -out "$pki/crl.pem.new" 2>/dev/null && mv "$pki/crl.pem.new" "$pki/crl.pem"
eventually 5 - sari /v1/whoami 200 '"name":"Sari Supervisor"'

# A mapping removed beside the running server: refused within 5 seconds.
expect 0 "removed crt_" -- "$dsr" staff remove "${db[@]}" "Sari Supervisor"
eventually 6 - sari /v1/whoami 403 '"certificate":"unknown"'
expect 2 "no certificate has the id" -- "$dsr" staff remove "${db[@]}" "Sari Supervisor"
expect 0 "removed" -- "$dsr" staff list "${db[@]}" --all
lacks "Sari Supervisor" -- "$dsr" staff list "${db[@]}"
finish
