#!/usr/bin/env bash
# Quality benchmark: trainbox against scikit-learn baselines on real labelled sets built from
# Debian packages (make_sets.py), each scored on the same held-out test split that trainbox
# never sees.
#
#   bench/quality/run.sh BIN [SET...]      (default sets: all of make_sets.py)
#
# Per set: builds it when missing or stale (make_sets.py), runs baselines.py, then
#   /usr/bin/time -v BIN train TRAIN --out bundle.zip [--backbones-dir DIR] --options OPTIONS
# and scores the bundle on the test split (tb_eval.py: `BIN predict ... --json`, 200 inputs per
# call). Prints a markdown table (one row per set and variant) and any bundle leaderboard, and
# writes RESULTS_DIR/results.json plus each run's train.log, time.txt and score.json.
#
# Environment:
#   OPTIONS        trainbox --options JSON for the default run, default '{}' (auto)
#   CANDIDATES     e.g. "tiny_cnn kernel": also one run per name with OPTIONS + {"backbone": NAME}
#   BACKBONES_DIR  passed as --backbones-dir; default trainbox-data/backbones of this tree if it
#                  exists, else $TRAINBOX_BACKBONES_DIR; set it empty ('') for none
#   BASELINES      1 (default) runs baselines.py; 0 skips it; BASELINE_CV=0 skips its CV grids
#   RESULTS_DIR    default a new folder under /tmp (kept)
#   TRAINBOX_BENCH_CACHE  where the sets live (default ~/.cache/trainbox-bench/quality)
#   PYTHON         default /usr/bin/python3 (Debian's, which has python3-sklearn)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
die() { echo "run.sh: $*" >&2; exit 2; }
[[ $# -ge 1 ]] || die "usage: $0 TRAINBOX_BINARY [SET...]"
BIN="$(realpath "$1")"
shift
[[ -x "$BIN" ]] || die "no trainbox binary at $BIN"
[[ -x /usr/bin/time ]] || die "/usr/bin/time is missing (apt-get install time, or install.sh)"
PY="${PYTHON:-/usr/bin/python3}"
export TRAINBOX_BENCH_CACHE="${TRAINBOX_BENCH_CACHE:-$HOME/.cache/trainbox-bench/quality}"
CACHE="$TRAINBOX_BENCH_CACHE"
OPTIONS="${OPTIONS:-{\}}"
read -r -a CANDS <<<"${CANDIDATES:-}"
if [[ -z "${BACKBONES_DIR+set}" ]]; then
  BACKBONES_DIR="${TRAINBOX_BACKBONES_DIR:-}"
  [[ -d "$ROOT/trainbox-data/backbones" ]] && BACKBONES_DIR="$ROOT/trainbox-data/backbones"
fi
BB=()
[[ -n "$BACKBONES_DIR" ]] && BB=(--backbones-dir "$BACKBONES_DIR")
RESULTS_DIR="${RESULTS_DIR:-$(mktemp -d /tmp/trainbox-quality.XXXXXX)}"
mkdir -p "$RESULTS_DIR"
# Runs a copy of the binary, so a rebuild of the tree during the suite does not mix two versions.
SNAP="$(mktemp -d /tmp/trainbox-quality-bin.XXXXXX)"
trap 'rm -rf "$SNAP"' EXIT
cp "$BIN" "$SNAP/trainbox"
BIN="$SNAP/trainbox"

# Builds (or confirms) the sets first: a set is only as good as the packages it came from.
"$PY" "$HERE/make_sets.py" "$@"
if [[ $# -gt 0 ]]; then SETS=("$@"); else
  mapfile -t SETS < <("$PY" -c 'import json,sys; print("\n".join(json.load(open(sys.argv[1]))))' "$CACHE/sets.json")
fi

# One trainbox run: train (timed), then score on the test split. Never aborts the whole suite.
train_and_score() { # SET VARIANT OPTIONS_JSON
  local set="$1" variant="$2" opts="$3" dir="$RESULTS_DIR/$1/$2" rc=0
  mkdir -p "$dir"
  printf '%s\n' "$opts" >"$dir/options.json"
  local train
  train="$CACHE/$set/$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]]["train"])' \
    "$CACHE/sets.json" "$set")"
  echo "== $set / $variant: train --options '$opts'" >&2
  /usr/bin/time -v -o "$dir/time.txt" "$BIN" train "$train" --out "$dir/bundle.zip" "${BB[@]}" \
    --options "$opts" >"$dir/train.log" 2>&1 || rc=$?
  [[ $rc -eq 0 ]] || { echo "   train exited $rc; last lines:" >&2; tail -n 5 "$dir/train.log" >&2; }
  "$PY" "$HERE/tb_eval.py" score "$BIN" "$dir/bundle.zip" "$CACHE/$set" "$dir/time.txt" "$rc" \
    >"$dir/score.json" || echo "   scoring failed" >&2
  "$PY" -c 'import json,sys; r=json.load(open(sys.argv[1])); print("   " + ", ".join(f"{k} {r[k]}" for k in
    ("accuracy", "val_accuracy", "wall_s", "peak_rss_mb", "error") if k in r))' "$dir/score.json" >&2
}

for set in "${SETS[@]}"; do
  mkdir -p "$RESULTS_DIR/$set"
  if [[ "${BASELINES:-1}" != 0 ]]; then
    cv=()
    [[ "${BASELINE_CV:-1}" == 0 ]] && cv=(--no-cv)
    echo "== $set: baselines" >&2
    "$PY" "$HERE/baselines.py" "$set" "${cv[@]}" >"$RESULTS_DIR/$set/baselines.json"
  fi
  train_and_score "$set" default "$OPTIONS"
  for cand in "${CANDS[@]}"; do
    opts="$("$PY" -c 'import json,sys; o=json.loads(sys.argv[1]); o["backbone"]=sys.argv[2]; print(json.dumps(o))' \
      "$OPTIONS" "$cand")"
    train_and_score "$set" "$cand" "$opts"
  done
done

"$PY" "$HERE/tb_eval.py" report "$RESULTS_DIR"
echo "results: $RESULTS_DIR/results.json" >&2
