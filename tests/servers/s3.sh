#!/usr/bin/env bash
# tests/servers/s3.sh start|stop DIR: a throwaway S3-compatible server on a free loopback port:
# the npm package s3rver 3.7.1 (filesystem-backed, its files under DIR/s3) run by s3-server.js,
# which adds SigV4 signature checking; one bucket, "trainbox-test".
#
# Writes DIR/s3.url:  s3://trainbox-test?endpoint=http://127.0.0.1:PORT&region=us-east-1
# It has no prefix: a test puts its own "/PREFIX" before the "?" so tests never see each
# other's blobs. The credentials are s3rver's one account, AWS_ACCESS_KEY_ID=S3RVER and
# AWS_SECRET_ACCESS_KEY=S3RVER; the tests set those in their own environment (setenv).
#
# s3rver is installed with `npm ci` from tests/servers/package-lock.json into
# tests/servers/node_modules (gitignored) the first time, from the npm registry.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/common.sh"
action=$1
dir=$(realpath -m "$2")
home="$dir/s3"

stop() {
  stop_pidfile "$home/s3.pid"
  rm -rf "$home" "$dir/s3.url"
}

install() { install_packages "$here" s3rver; }

case "$action" in
  start)
    stop
    install
    mkdir -p "$home/data"
    port=$(free_port)
    # Detached, with no pipe of ctest's held open, so this script can end while it runs.
    # --openssl-legacy-provider: s3rver 3.7.1 makes ListObjectsV2 continuation tokens with DES,
    # which OpenSSL 3 only has in its legacy provider (without it page 2 of a listing is a 500).
    setsid node --openssl-legacy-provider "$here/s3-server.js" "$home/data" "$port" "$home/s3.pid" \
      < /dev/null > "$home/s3.log" 2>&1 &
    pid=$!
    if ! wait_for_port "$port" 30 || ! curl -sf -o /dev/null "http://127.0.0.1:$port/trainbox-test"
    then
      kill "$pid" 2>/dev/null || true
      cat "$home/s3.log" >&2
      exit 1
    fi
    for _ in $(seq 50); do [ -s "$home/s3.pid" ] && break; sleep 0.1; done
    echo "s3://trainbox-test?endpoint=http://127.0.0.1:$port&region=us-east-1" > "$dir/s3.url"
    echo "s3 (s3rver) on port $port"
    ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
