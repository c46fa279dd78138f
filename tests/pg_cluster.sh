#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster for the tests: initdb in a new
# directory under /tmp, started on a free loopback port with fsync on, as
# an unprivileged user (PostgreSQL refuses root: as root, the cluster runs
# as `nobody`, which may not be able to reach a build tree under /root).
# Trust authentication, loopback only, its Unix socket in its own directory.
#   tests/pg_cluster.sh start STATE   prints and writes STATE/conninfo, a
#                                     libpq connection string for the
#                                     superuser "dsr"; STATE/cluster names
#                                     the cluster's directory
#   tests/pg_cluster.sh stop STATE    stops it and removes both
set -euo pipefail
action="${1:?usage: pg_cluster.sh start|stop STATE}"
state="${2:?usage: pg_cluster.sh start|stop STATE}"
bin="${DSR_PG_BINDIR:-/usr/lib/postgresql/15/bin}"
[ -x "$bin/initdb" ] || { echo "pg_cluster: no PostgreSQL 15 in $bin; run scripts/setup" >&2; exit 2; }

as_owner=()
if [ "$(id -u)" -eq 0 ]; then as_owner=(runuser -u nobody --); fi

case "$action" in
  start)
    "$0" stop "$state"  # a cluster left by a run that was killed
    mkdir -p "$state"
    dir=$(mktemp -d /tmp/dsr-pg.XXXXXX)
    echo "$dir" >"$state/cluster"
    if [ ${#as_owner[@]} -gt 0 ]; then chown nobody:nogroup "$dir"; fi
    "${as_owner[@]}" "$bin/initdb" -D "$dir/data" -U dsr --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
      { cat "$dir/initdb.log" >&2; exit 1; }
    # A port nobody else holds: try a few at random, as two test runs on
    # one machine may start clusters at once.
    for attempt in 1 2 3 4 5 6 7 8; do
      port=$((20000 + RANDOM % 20000))
      if "${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 start \
          -o "-p $port -c listen_addresses=127.0.0.1 -k $dir -c fsync=on -c max_connections=200" >/dev/null 2>&1; then
        conninfo="host=127.0.0.1 port=$port user=dsr dbname=postgres connect_timeout=5"
        echo "$conninfo" >"$state/conninfo"
        echo "$conninfo"
        exit 0
      fi
      sleep 0.2
    done
    echo "pg_cluster: could not start PostgreSQL in $dir:" >&2
    tail -20 "$dir/server.log" >&2 || true
    exit 1
    ;;
  stop)
    dir=$(cat "$state/cluster" 2>/dev/null || true)
    if [ -n "$dir" ] && [ -d "$dir/data" ]; then
      "${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    [ -n "$dir" ] && rm -rf "$dir"
    rm -rf "$state"
    ;;
  *)
    echo "pg_cluster: unknown action $action (start or stop)" >&2
    exit 2
    ;;
esac
