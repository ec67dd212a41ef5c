#!/usr/bin/env bash
# Installs what the web page's build and browser tests need. Idempotent.
#   - Debian's Chromium (+ chromedriver) for the browser tests, if /usr/bin/chromium is missing
#   - npm packages of web/ and tests/e2e/ from their package-lock.json (npm ci)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

if [ ! -x /usr/bin/chromium ]; then
  echo "install_web_deps: installing Debian's chromium"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -qq
  as_root apt-get install -y -qq chromium chromium-driver >/dev/null
fi

if ! command -v npm >/dev/null 2>&1; then
  echo "install_web_deps: npm is missing (Node.js 20.19+ and npm are expected on this machine)" >&2
  exit 1
fi

# npm ci only when the lock file changed since the last install (or node_modules is missing).
install_dir() {
  local dir="$1"
  local stamp="$dir/node_modules/.package-lock.json"
  if [ -d "$dir/node_modules" ] && [ -f "$stamp" ] && [ "$stamp" -nt "$dir/package-lock.json" ]; then
    return 0
  fi
  echo "install_web_deps: npm ci in ${dir#"$ROOT"/}"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
}

install_dir "$ROOT/web"
install_dir "$ROOT/tests/e2e"
