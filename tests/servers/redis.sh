#!/usr/bin/env bash
# tests/servers/redis.sh start|stop|restart DIR: a throwaway Redis (Debian's redis-server) on a
# free loopback port, no persistence, its files under DIR/redis; writes DIR/redis.url. restart
# stops it and starts a new one on the same port: its contents are lost, as in a real crash.
set -euo pipefail
source "$(dirname "$0")/common.sh"
action=$1
dir=$(realpath -m "$2")
home="$dir/redis"

stop() {
  stop_pidfile "$home/redis.pid"
  rm -rf "$home" "$dir/redis.url"
}

launch() {  # launch PORT
  local port=$1
  mkdir -p "$home"
  echo "$port" > "$dir/redis.port"
  redis-server --bind 127.0.0.1 --port "$port" --dir "$home" --save "" --appendonly no \
      --daemonize yes --pidfile "$home/redis.pid" --logfile "$home/redis.log"
  wait_for_port "$port" 20 || { cat "$home/redis.log" >&2; exit 1; }
  echo "redis://127.0.0.1:$port/0" > "$dir/redis.url"
  echo "redis on port $port"
}

case "$action" in
  start)
    stop
    launch "$(free_port)"
    ;;
  restart)
    port=$(cat "$dir/redis.port")
    stop
    launch "$port"
    ;;
  stop) stop; rm -f "$dir/redis.port" ;;
  *) echo "usage: $0 start|stop|restart DIR" >&2; exit 2 ;;
esac
