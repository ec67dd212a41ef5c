#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ with clang + ASan + UBSan and runs each one.
#   scripts/fuzz.sh [SECONDS_PER_TARGET=10] [TARGET...]     (make fuzz-smoke: 10 s; make fuzz: 300 s)
# New inputs go to a scratch copy of each seed corpus (fuzz/corpus/NAME stays as committed);
# a crash leaves its input in test-artifacts/fuzz/ and fails the run: turn it into a regression
# test (copy it into the corpus and into the parser's unit test) once fixed.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SECONDS_EACH="${1:-10}"
shift || true
TARGETS=("$@")
[[ ${#TARGETS[@]} -gt 0 ]] || TARGETS=(safe_zip image_decode csv_reader options_json)
BUILD="${FUZZ_BUILD_DIR:-$ROOT/build-fuzz}"
command -v clang++ >/dev/null || { echo "fuzz: clang++ is missing (scripts/install_deps.sh)" >&2; exit 2; }
LAUNCHER=()
command -v ccache >/dev/null && LAUNCHER=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
CXX=clang++ cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTRAINBOX_SANITIZE=ON \
  -DTRAINBOX_FUZZ=ON -DTRAINBOX_BUILD_TESTS=OFF -DTRAINBOX_BUILD_BENCH=OFF -DTRAINBOX_WERROR=ON \
  "${LAUNCHER[@]}" >/dev/null
cmake --build "$BUILD" -j "$(nproc)" --target "${TARGETS[@]/#/fuzz_}"
ARTIFACTS="$ROOT/test-artifacts/fuzz"
mkdir -p "$ARTIFACTS"
status=0
for name in "${TARGETS[@]}"; do
  scratch="$(mktemp -d /tmp/trainbox-fuzz-$name.XXXXXX)"
  echo "fuzz: $name for ${SECONDS_EACH}s"
  if ! ASAN_OPTIONS=detect_leaks=1 "$BUILD/fuzz/fuzz_$name" -max_total_time="$SECONDS_EACH" \
      -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 -artifact_prefix="$ARTIFACTS/$name-" \
      "$scratch" "$ROOT/fuzz/corpus/$name" >"$ARTIFACTS/$name.log" 2>&1; then
    echo "fuzz: $name FAILED; input and log in $ARTIFACTS" >&2
    tail -40 "$ARTIFACTS/$name.log" >&2
    status=1
  else
    grep -E "stat::number_of_executed_units|cov:" "$ARTIFACTS/$name.log" | tail -2 | sed "s/^/fuzz: $name: /"
  fi
  rm -rf "$scratch"
done
exit $status
