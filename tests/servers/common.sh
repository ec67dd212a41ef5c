# Shared by the tests/servers/*.sh scripts: a free loopback port, stopping a pid file's process,
# and waiting for a port to answer.

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# stop_pidfile FILE: SIGTERM to the process whose pid FILE holds, then waits up to 5 s for it.
stop_pidfile() {
  [ -f "$1" ] || return 0
  local pid
  pid=$(cat "$1")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
}

# wait_for_port PORT SECONDS: returns 0 once something accepts connections on 127.0.0.1:PORT.
wait_for_port() {
  local port=$1 deadline=$((SECONDS + $2))
  while [ $SECONDS -lt $deadline ]; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  return 1
}

# install_packages DIR PACKAGE: `npm ci` of DIR's package-lock.json unless PACKAGE is installed.
# Every script takes the same lock (on the lock file itself) first: the fixtures start in
# parallel, and two npm runs in one node_modules corrupt it.
install_packages() {
  local here=$1 package=$2
  (
    flock 9
    if [ ! -f "$here/node_modules/$package/package.json" ]; then
      cd "$here" && npm ci --no-audit --no-fund --loglevel=error >&2
    fi
  ) 9<"$here/package-lock.json"
}
