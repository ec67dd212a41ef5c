#!/usr/bin/env bash
# `make bench`: every benchmark of bench/README.md in turn, with figures printed to stdout.
#   bench/run_all.sh BUILD_DIR            run them all (tens of minutes)
#   bench/run_all.sh BUILD_DIR --check    only check that each one is there to run (`make lint`)
set -euo pipefail
BUILD="${1:-build}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BINARIES=("$BUILD/bench/api_latency_bench" "$BUILD/bench/backends_bench" "$BUILD/bench/train_bench" "$BUILD/bench/backbone_bench"
          "$BUILD/trainbox")
SCRIPTS=("$HERE/quality/install.sh" "$HERE/quality/run.sh")
if [[ "${2:-}" == "--check" ]]; then
  status=0
  for bin in "${BINARIES[@]}"; do
    [[ -x "$bin" ]] || { echo "run_all: $bin is not built" >&2; status=1; }
  done
  for script in "${SCRIPTS[@]}"; do
    bash -n "$script" || { echo "run_all: $script does not parse" >&2; status=1; }
  done
  for py in "$HERE"/quality/*.py; do
    /usr/bin/python3 -c "import ast, sys; ast.parse(open(sys.argv[1]).read())" "$py" || { echo "run_all: $py does not compile" >&2; status=1; }
  done
  [[ $status -eq 0 ]] && echo "run_all: every benchmark is there to run"
  exit $status
fi
"$BUILD/bench/api_latency_bench"
"$BUILD/bench/backends_bench"
"$BUILD/bench/train_bench"
"$BUILD/bench/backbone_bench" --backbones-dir "${BACKBONES_DIR:-trainbox-data/backbones}"
bash "$HERE/quality/install.sh"
bash "$HERE/quality/run.sh" "$BUILD/trainbox"
