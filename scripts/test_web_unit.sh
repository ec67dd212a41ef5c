#!/usr/bin/env bash
# Unit tests of the web page, no browser and no server (a few seconds):
#   tsc --noEmit over web/src, then node's test runner over web/test/*.test.mjs: the pure helpers
#   (dataset planning, the resize rule, task following, formatting, view rules), the size rules
#   (no file of web/src over 400 lines, no function over 60) and the check of web/src/api.ts's
#   types against src/http/openapi.json. Exits non-zero when anything fails.
# The browser tests are scripts/run_browser_tests.sh.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT/web"
if [ ! -d node_modules ] || [ ! -x node_modules/.bin/tsc ]; then
  "$ROOT/scripts/install_web_deps.sh"
fi
# Incremental: a warm run re-checks only what changed (the build info lives with node_modules).
mkdir -p node_modules/.cache/trainbox-unit
node_modules/.bin/tsc --noEmit -p tsconfig.json --incremental --tsBuildInfoFile node_modules/.cache/trainbox-unit/tsc.tsbuildinfo
echo "test_web_unit: tsc --noEmit passed"
node test/helpers/warm_cache.mjs
node --test --test-concurrency=4 --test-reporter=spec test/*.test.mjs
