#!/usr/bin/env bash
# Runs the browser tests (Debian's Chromium + playwright-core, node --test):
#   page.test.mjs  the built page alone (resize rule vs a reference, preview, escaping, layout)
#   e2e.test.mjs   against a real `trainbox serve` started here on a free loopback port, with
#                  accounts on: the users e2e, other and boss (admin) are made first and their
#                  tokens passed as TRAINBOX_TOKEN, TRAINBOX_OTHER_TOKEN, TRAINBOX_ADMIN_TOKEN
#   accounts.test.mjs  sign-in form, sign out, a 401 mid-way, tasks of another user, and the
#                  first-start one-time link (on a second server it starts, TRAINBOX_BIN)
# Usage: scripts/run_browser_tests.sh [BIN=build/trainbox] [--update-screenshots]
# TRAINBOX_BROWSER_TESTS="page.test.mjs accounts.test.mjs" runs only those files.
# Screenshots go to test-artifacts/browser/; --update-screenshots also copies the four key ones
# to docs/screenshots/. Exits non-zero when a test fails or the server does not come up.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="build/trainbox"
for arg in "$@"; do
  case "$arg" in
    --update-screenshots) export TRAINBOX_UPDATE_DOC_SCREENSHOTS=1 ;;
    *) BIN="$arg" ;;
  esac
done
case "$BIN" in /*) ;; *) BIN="$ROOT/$BIN" ;; esac
if [ ! -x "$BIN" ]; then
  echo "run_browser_tests: $BIN is not an executable (build it first)" >&2
  exit 2
fi

"$ROOT/scripts/install_web_deps.sh"
[ -f "$ROOT/web/dist/index.html" ] || "$ROOT/scripts/build_web.sh"

DATA_DIR="$(mktemp -d /tmp/trainbox-browser-XXXXXX)"
LOG="$ROOT/test-artifacts/browser/server.log"
mkdir -p "$(dirname "$LOG")"
PORT="$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
SERVER_PID=""

cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$DATA_DIR"
}
trap cleanup EXIT INT TERM

# Accounts as in production (no --auth none): `users add` prints the token on its last line.
add_user() { # NAME [--admin]
  local out
  out="$("$BIN" users add "$@" --data-dir "$DATA_DIR")" || { echo "run_browser_tests: users add $* failed" >&2; exit 1; }
  printf '%s\n' "$out" | tail -n 1
}
TRAINBOX_TOKEN="$(add_user e2e)"
TRAINBOX_OTHER_TOKEN="$(add_user other)"
TRAINBOX_ADMIN_TOKEN="$(add_user boss --admin)"
export TRAINBOX_TOKEN TRAINBOX_OTHER_TOKEN TRAINBOX_ADMIN_TOKEN
export TRAINBOX_BIN="$BIN"

echo "run_browser_tests: starting $BIN serve on 127.0.0.1:$PORT (log: ${LOG#"$ROOT"/})"
(cd "$ROOT" && exec "$BIN" serve --host 127.0.0.1 --port "$PORT" --data-dir "$DATA_DIR") >"$LOG" 2>&1 &
SERVER_PID=$!

URL="http://127.0.0.1:$PORT/"
for i in $(seq 1 600); do
  if curl -fsS -o /dev/null "${URL}api/v1/health" 2>/dev/null; then break; fi
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "run_browser_tests: the server exited before it answered /api/v1/health:" >&2
    tail -n 40 "$LOG" >&2 || true
    exit 1
  fi
  if [ "$i" -eq 600 ]; then
    echo "run_browser_tests: /api/v1/health did not answer 200 within 60 s" >&2
    tail -n 40 "$LOG" >&2 || true
    exit 1
  fi
  sleep 0.1
done
if ! curl -fsS "$URL" | grep -q '<div id="app">'; then
  echo "run_browser_tests: the server does not serve the page at / (is --web-dir web/dist?)" >&2
  exit 1
fi

cd "$ROOT/tests/e2e"
status=0
read -r -a TESTS <<<"${TRAINBOX_BROWSER_TESTS:-page.test.mjs accounts.test.mjs e2e.test.mjs}"
TRAINBOX_URL="$URL" node --test --test-concurrency=1 --test-reporter=spec "${TESTS[@]}" || status=$?
if [ "$status" -ne 0 ]; then
  echo "run_browser_tests: FAILED (server log: ${LOG#"$ROOT"/}, screenshots: test-artifacts/browser/)" >&2
fi
exit "$status"
