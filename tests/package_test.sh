#!/usr/bin/env bash
# The installed files agree with the program: deploy/dsr.conf is a valid
# configuration that lists every setting, and the man page names every
# command. (scripts/package builds the .deb and checks it with lintian.)
set -u
dsr="$1"
deploy="$2"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

out=$("$dsr" config show --config "$deploy/dsr.conf" 2>&1) || fail "dsr config show refuses deploy/dsr.conf: $out"
grep -qF "db = /var/lib/dsr/dsr.db  # file $deploy/dsr.conf" <<<"$out" || fail "deploy/dsr.conf does not set db: $out"

# Every setting dsr knows, as config show names them ("name = ..." or "# name is not set").
settings=$("$dsr" config show --config /dev/null | sed -n 's/^\([a-z-]*\) = .*/\1/p; s/^# \([a-z-]*\) is not set$/\1/p')
[ "$(wc -w <<<"$settings")" -ge 20 ] || fail "config show named too few settings: $settings"
for name in $settings; do
  grep -qE "^(# )?$name =( |$)" "$deploy/dsr.conf" || fail "deploy/dsr.conf does not list the setting $name"
done

# Every command of 'dsr --help' in the man page.
commands=$("$dsr" --help | sed -n 's/^  \([a-z]*\( [a-z]*\)\?\)  .*/\1/p')
[ "$(wc -l <<<"$commands")" -ge 10 ] || fail "dsr --help listed too few commands: $commands"
while read -r command; do

  grep -qF "$command" "$deploy/dsr.1" || fail "the man page does not name 'dsr $command'"
done <<<"$commands"

# The unit runs the program the package installs, with the installed file.
grep -qx 'ExecStart=/usr/bin/dsr serve --config /etc/dsr/dsr.conf' "$deploy/dsr.service" || fail "dsr.service's ExecStart"

if [ "$failures" -gt 0 ]; then echo "$failures failure(s)"; exit 1; fi
echo "ok: deploy/ agrees with dsr"
