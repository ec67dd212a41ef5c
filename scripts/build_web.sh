#!/usr/bin/env bash
# Builds the web page into web/dist (served by `trainbox serve` at /). Type-checks first.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT/web"
if [ ! -d node_modules ] || [ ! -x node_modules/.bin/vite ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
node_modules/.bin/tsc --noEmit
node_modules/.bin/vite build --logLevel warn
test -f dist/index.html
echo "build_web: web/dist ready"
