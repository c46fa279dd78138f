#!/usr/bin/env bash
# The reference high-availability set-up in deploy/ha/ is accepted by the
# programs it configures: Patroni's validator, HAProxy's check (with a test
# certificate in place of the real one), and dsr's own configuration reader.
#   tests/ha/deploy_files_test.sh path/to/dsr
set -euo pipefail
dsr="$1"
here="$(cd "$(dirname "$0")/../.." && pwd)"
for tool in patroni haproxy; do
  if ! command -v "$tool" >/dev/null; then
    echo "deploy_files_test: $tool is missing; run scripts/setup" >&2
    [ "${DSR_REQUIRE_HA:-}" = 1 ] && exit 1 || exit 77
  fi
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

patroni --validate-config "$here/deploy/ha/patroni.yml"
echo "ok: Patroni accepts deploy/ha/patroni.yml"

cat "$here/tests/fixtures/tls/test-cert.pem" "$here/tests/fixtures/tls/test-privkey.pem" >"$work/dsr.pem"
sed "s|/etc/haproxy/dsr.pem|$work/dsr.pem|" "$here/deploy/ha/haproxy.cfg" >"$work/haproxy.cfg"
haproxy -c -q -f "$work/haproxy.cfg"
grep -q "option httpchk GET /readyz" "$work/haproxy.cfg"
echo "ok: HAProxy accepts deploy/ha/haproxy.cfg, and health-checks /readyz"

"$dsr" config show --config "$here/deploy/ha/dsr.conf" >"$work/shown"
grep -q "^db = host=10.0.0.11,10.0.0.12 .*target_session_attrs=read-write" "$work/shown"
echo "ok: dsr accepts deploy/ha/dsr.conf"
