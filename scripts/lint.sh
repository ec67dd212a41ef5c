#!/usr/bin/env bash
# `make lint`: the rules the documents promise, each failing on its own line.
#   scripts/lint.sh BUILD_DIR [--no-tidy]
# 1. the layer rule of ARCHITECTURE.md (scripts/check_layers.py); function and file sizes
#    (scripts/check_sizes.py: 60 and 400 lines, the debt in scripts/size_allowlist.txt may not grow)
# 2. clang-format: no drift from .clang-format in src/, tests/, bench/, examples/
# 3. clang-tidy (.clang-tidy) on every torch-free source of src/ (the LibTorch headers make one
#    ml file cost a minute of clang-tidy; ml is covered by -Wall -Wextra -Werror instead)
# 4. `make bench` is there to run (bench/run_all.sh --check)
# Sanitizer findings fail `make test-asan`, fuzz crashes `make fuzz-smoke`; both run in `make test`.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${1:-build}"
TIDY=1
[[ "${2:-}" == "--no-tidy" ]] && TIDY=0
cd "$ROOT"
failed=()

step() { # NAME COMMAND...
  local name="$1"
  shift
  echo "lint: $name"
  if ! "$@"; then failed+=("$name"); fi
}

sources() { find src tests bench examples -name '*.h' -o -name '*.cc' | sort; }

format_check() {
  local drift
  drift="$(sources | xargs clang-format --dry-run 2>&1 | grep -c 'warning:' || true)"
  if [[ "$drift" != "0" ]]; then
    sources | xargs clang-format --dry-run 2>&1 | grep 'warning:' | cut -d: -f1 | sort -u |
      sed 's/^/lint: not formatted: /' >&2
    echo "lint: $drift line(s) differ from clang-format; run make format" >&2
    return 1
  fi
}

tidy_check() {
  [[ -f "$BUILD/compile_commands.json" ]] || { echo "lint: no $BUILD/compile_commands.json" >&2; return 1; }
  local out
  out="$(mktemp)"
  find src -name '*.cc' -not -name '*_test.cc' -not -path 'src/ml/*' | sort |
    xargs -P "$(nproc)" -n 4 clang-tidy -p "$BUILD" --quiet \
      --extra-arg=-Wno-unknown-warning-option >"$out" 2>&1
  local rc=$?
  if [[ $rc -ne 0 ]] || grep -q -E '(warning|error):' "$out"; then
    grep -E -A3 '(warning|error):' "$out" | head -80 >&2
    rm -f "$out"
    echo "lint: clang-tidy findings (see above)" >&2
    return 1
  fi
  rm -f "$out"
}

step "layers" python3 scripts/check_layers.py
step "sizes" python3 scripts/check_sizes.py
step "clang-format" format_check
[[ $TIDY -eq 1 ]] && step "clang-tidy" tidy_check
step "make bench" bash bench/run_all.sh "$BUILD" --check

if [[ ${#failed[@]} -gt 0 ]]; then
  echo "lint: FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "lint: all checks passed"
