#!/usr/bin/env bash
# Scale-out on one machine, for a user to try (README "Scaling out"):
#   scripts/cluster.sh up DIR     PostgreSQL, Redis and an S3-compatible server (s3rver) on
#                                 loopback with their data under DIR, one API server on $PORT
#                                 (default 8080, `serve --workers 0`) and two `trainbox worker`s;
#                                 returns once the API answers /health and prints its URL and
#                                 the token of its admin user `ops` (also in DIR/token)
#   scripts/cluster.sh down DIR   stops everything `up` started (workers hand back their tasks)
#   scripts/cluster.sh restart-redis DIR | pause-postgres DIR | resume-postgres DIR
#                                 faults, for the cluster test and for trying them by hand
# Environment: PORT, TRAINBOX_BIN (default build/trainbox), TRAINBOX_BACKBONES_DIR (default
# ./trainbox-data/backbones, as `make backbones` installs them), TRAINBOX_LEASE_TIMEOUT_S,
# TRAINBOX_CLUSTER_WORKERS (default 2). Each process logs to DIR/logs/.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SERVERS="$ROOT/tests/servers"
BIN=${TRAINBOX_BIN:-$ROOT/build/trainbox}
usage() { echo "usage: $0 up|down|restart-redis|pause-postgres|resume-postgres DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
action=$1
dir=$(realpath -m "$2")

start_process() {  # start_process NAME ARGS...: in its own session, pid in DIR/NAME.pid
  local name=$1
  shift
  setsid "$@" >"$dir/logs/$name.log" 2>&1 < /dev/null &
  echo $! > "$dir/$name.pid"
}

wait_for_health() {
  local url=$1 deadline=$((SECONDS + 60))
  while [ $SECONDS -lt $deadline ]; do
    if curl -fsS "$url/api/v1/health" >/dev/null 2>&1; then return 0; fi
    if ! kill -0 "$(cat "$dir/api.pid")" 2>/dev/null; then break; fi
    sleep 0.2
  done
  echo "cluster: the API server did not answer; see $dir/logs/api.log" >&2
  tail -20 "$dir/logs/api.log" >&2 || true
  return 1
}

wait_for_worker() {  # its log says it started (its backends are open)
  local name=$1 deadline=$((SECONDS + 90))
  while [ $SECONDS -lt $deadline ]; do
    if grep -q "trainbox worker .* started" "$dir/logs/$name.log" 2>/dev/null; then return 0; fi
    if ! kill -0 "$(cat "$dir/$name.pid")" 2>/dev/null; then break; fi
    sleep 0.2
  done
  echo "cluster: $name did not start; see $dir/logs/$name.log" >&2
  tail -20 "$dir/logs/$name.log" >&2 || true
  return 1
}

up() {
  [ -x "$BIN" ] || { echo "cluster: $BIN is not built; run make build" >&2; exit 1; }
  mkdir -p "$dir/logs" "$dir/servers"
  TRAINBOX_POSTGRES_DATA="$dir/postgres" bash "$SERVERS/postgres.sh" start "$dir/servers"
  bash "$SERVERS/redis.sh" start "$dir/servers"
  bash "$SERVERS/s3.sh" start "$dir/servers"
  # s3rver's one account; a real S3 takes the usual AWS variables instead.
  export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER
  local port=${PORT:-8080} backbones=${TRAINBOX_BACKBONES_DIR:-$ROOT/trainbox-data/backbones}
  local lease=${TRAINBOX_LEASE_TIMEOUT_S:-30} workers=${TRAINBOX_CLUSTER_WORKERS:-2}
  local storage
  storage=$(cat "$dir/servers/s3.url")  # s3://bucket?endpoint=...: the blobs go under cluster/
  local flags=(--database-url "$(cat "$dir/servers/postgres.url")"
               --storage-url "${storage/\?//cluster?}"
               --queue-url "$(cat "$dir/servers/redis.url")"
               --backbones-dir "$backbones" --lease-timeout-s "$lease")
  # Accounts stay on: an admin for the person (or test) driving the cluster; its token goes to a
  # file only they can read, and is printed below.
  if [ ! -s "$dir/token" ]; then
    (umask 077 && "$BIN" users add ops --admin --data-dir "$dir/api" \
      --database-url "$(cat "$dir/servers/postgres.url")" | tail -n 1 > "$dir/token")
  fi
  start_process api "$BIN" serve --workers 0 --host 127.0.0.1 --port "$port" \
    --data-dir "$dir/api" "${flags[@]}"
  wait_for_health "http://127.0.0.1:$port"
  for n in $(seq "$workers"); do
    start_process "worker-$n" "$BIN" worker --worker-id "worker-$n" --data-dir "$dir/worker-$n" \
      "${flags[@]}"
  done
  for n in $(seq "$workers"); do wait_for_worker "worker-$n"; done
  echo "$port" > "$dir/api.port"
  echo "cluster: API server and $workers workers up (logs in $dir/logs)"
  echo "TRAINBOX_URL=http://127.0.0.1:$port"
  echo "TRAINBOX_TOKEN=$(cat "$dir/token")"
}

stop_process() {  # stop_process PIDFILE: SIGTERM, then SIGKILL after 20 s
  local pid
  pid=$(cat "$1")
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$1"
}

down() {
  shopt -s nullglob
  for pidfile in "$dir"/worker-*.pid "$dir/api.pid"; do stop_process "$pidfile"; done
  if [ -d "$dir/servers" ]; then
    bash "$SERVERS/s3.sh" stop "$dir/servers" || true
    bash "$SERVERS/redis.sh" stop "$dir/servers" || true
    bash "$SERVERS/postgres.sh" stop "$dir/servers" || true
  fi
  echo "cluster: stopped"
}

case "$action" in
  up) up ;;
  down) down ;;
  restart-redis) bash "$SERVERS/redis.sh" restart "$dir/servers" ;;
  pause-postgres) bash "$SERVERS/postgres.sh" pause "$dir/servers" ;;
  resume-postgres) bash "$SERVERS/postgres.sh" resume "$dir/servers" ;;
  *) usage ;;
esac
