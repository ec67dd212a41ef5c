#!/usr/bin/env bash
# tests/servers/postgres.sh start|stop|pause|resume DIR: a throwaway PostgreSQL (Debian's
# postgresql) on a free loopback port, trust auth for user trainbox, fsync off; writes
# DIR/postgres.url. pause stops the server but keeps its data and port; resume starts it again
# there (outage tests). PostgreSQL refuses to run as root, so as root it runs as the `postgres`
# user, with its data in a /tmp folder that user can reach (DIR may sit under a home it cannot
# enter); TRAINBOX_POSTGRES_DATA names another folder for the data (scripts/cluster.sh keeps it
# under its DIR).
set -euo pipefail
source "$(dirname "$0")/common.sh"
action=$1
dir=$(realpath -m "$2")
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)

as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

stop() {
  if [ -f "$dir/postgres.data" ]; then
    local data
    data=$(cat "$dir/postgres.data")
    as_postgres "$bin/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$data"
  fi
  rm -f "$dir/postgres.data" "$dir/postgres.url" "$dir/postgres.port"
}

# run_server DATA PORT: starts the server of DATA on PORT and waits until it accepts connections.
run_server() {
  as_postgres "$bin/pg_ctl" -D "$1" -l "$1/server.log" -w -t 60 \
    -o "-p $2 -k $1 -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" \
    start >/dev/null || { cat "$1/server.log" >&2; exit 1; }
}

case "$action" in
  start)
    stop
    mkdir -p "$dir"
    if [ -n "${TRAINBOX_POSTGRES_DATA:-}" ]; then
      data=$(realpath -m "$TRAINBOX_POSTGRES_DATA")
      rm -rf "$data"
      mkdir -p "$data"
    else
      data=$(mktemp -d /tmp/trainbox-postgres.XXXXXX)
    fi
    echo "$data" > "$dir/postgres.data"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$data"
    as_postgres "$bin/initdb" -D "$data" -U trainbox --auth=trust -E UTF8 >"$data.initdb.log" 2>&1 \
      || { cat "$data.initdb.log" >&2; exit 1; }
    rm -f "$data.initdb.log"
    port=$(free_port)
    echo "$port" > "$dir/postgres.port"
    run_server "$data" "$port"
    as_postgres "$bin/createdb" -h 127.0.0.1 -p "$port" -U trainbox trainbox
    echo "postgresql://trainbox@127.0.0.1:$port/trainbox" > "$dir/postgres.url"
    echo "postgresql on port $port"
    ;;
  stop) stop ;;
  pause)
    as_postgres "$bin/pg_ctl" -D "$(cat "$dir/postgres.data")" -m fast -w -t 60 stop >/dev/null
    ;;
  resume) run_server "$(cat "$dir/postgres.data")" "$(cat "$dir/postgres.port")" ;;
  *) echo "usage: $0 start|stop|pause|resume DIR" >&2; exit 2 ;;
esac
