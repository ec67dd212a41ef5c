#!/usr/bin/env bash
# `make bench`: every benchmark of bench/README.md in turn, with figures printed to stdout.
#   bench/run_all.sh BUILD_DIR
set -euo pipefail
BUILD="${1:-build}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
"$BUILD/bench/api_latency_bench"
"$BUILD/bench/train_bench"
"$BUILD/bench/backbone_bench" --backbones-dir "${BACKBONES_DIR:-trainbox-data/backbones}"
bash "$HERE/quality/install.sh"
bash "$HERE/quality/run.sh" "$BUILD/trainbox"
