#!/usr/bin/env bash
# tests/servers/dynamodb.sh start|stop DIR: a throwaway DynamoDB on a free loopback port: the npm
# package dynalite 4.0.0 (DynamoDB's JSON API on LevelDB), its files under DIR/dynamodb.
#
# Writes DIR/dynamodb.url:  dynamodb://trainbox-test?region=us-east-1&endpoint=http://127.0.0.1:PORT
# Tests replace the table name with one of their own (a fresh table per test). dynalite checks
# that requests carry a SigV4 Authorization header but accepts any key, so the tests put fixed
# AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY values in their own environment (setenv).
#
# dynalite is installed from tests/servers/package-lock.json into tests/servers/node_modules
# (gitignored) the first time, from the npm registry (common.sh install_packages; s3.sh shares it).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/common.sh"
action=$1
dir=$(realpath -m "$2")
home="$dir/dynamodb"

stop() {
  stop_pidfile "$home/dynamodb.pid"
  rm -rf "$home" "$dir/dynamodb.url"
}

install() {
  install_packages "$here" dynalite
  [ -f "$here/node_modules/dynalite/package.json" ] ||
    { echo "dynamodb.sh: npm could not install dynalite in $here" >&2; exit 1; }
}

case "$action" in
  start)
    stop
    install
    mkdir -p "$home/data"
    port=$(free_port)
    # Short CREATING/DELETING phases: every contract test makes and drops a table of its own.
    # Detached, with no pipe of ctest's held open, so this script can end while it runs.
    setsid node "$here/node_modules/dynalite/cli.js" --host 127.0.0.1 --port "$port" \
      --path "$home/data" --createTableMs 50 --deleteTableMs 50 --updateTableMs 50 \
      < /dev/null > "$home/dynamodb.log" 2>&1 &
    pid=$!
    echo "$pid" > "$home/dynamodb.pid"
    if ! wait_for_port "$port" 30; then
      kill "$pid" 2>/dev/null || true
      cat "$home/dynamodb.log" >&2
      exit 1
    fi
    echo "dynamodb://trainbox-test?region=us-east-1&endpoint=http://127.0.0.1:$port" \
      > "$dir/dynamodb.url"
    echo "dynamodb (dynalite) on port $port"
    ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
