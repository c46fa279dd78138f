# shellcheck shell=bash
# Shared by the shell tests and the benchmarks that start `dsr serve` with
# --listen 127.0.0.1:0 and stderr to a file.

# dsr_listening_port FILE [PID] [TRIES]: prints the port dsr serve announced
# in FILE ("listening on http://127.0.0.1:PORT", or https), waiting for the
# line up to TRIES tenths of a second (default 100); prints nothing if it
# does not come in time, or PID ends first.
dsr_listening_port() {
  local file="$1" pid="${2:-}" tries="${3:-100}" port=
  for _ in $(seq "$tries"); do
    port=$(sed -n 's|.*listening on https\{0,1\}://127\.0\.0\.1:\([0-9]*\).*|\1|p' "$file" 2>/dev/null | head -1)
    [ -n "$port" ] && break
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then break; fi
    sleep 0.1
  done
  printf '%s' "$port"
}
