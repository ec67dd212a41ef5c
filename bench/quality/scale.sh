#!/usr/bin/env bash
# Scale benchmark: wall time and peak RSS of `trainbox train` on one real image set at 1,000,
# 10,000 and 50,000 images and one text set at 10,000 and 1,000,000 rows (make_scale_sets.py).
#
#   bench/quality/scale.sh BIN [RUN...]
#       RUN: glyphs_1000 glyphs_10000 glyphs_50000 texts_10000 texts_1000000 (default: all, in
#       that order)
#
# One training at a time, each
#   /usr/bin/time -v timeout RUN_TIMEOUT BIN train DATA --out RESULTS_DIR/RUN/bundle.zip \
#       [--backbones-dir DIR] --options OPTIONS
# (the image runs get --backbones-dir when the folder exists). While it runs, the RSS of the
# trainbox process and its last progress line are sampled every SAMPLE_S seconds into
# RESULTS_DIR/RUN/rss.tsv, so a large peak can be tied to a phase. Prints a markdown table (wall
# s, peak RSS MB, kept model, validation accuracy, exit status; a failed run's last log line)
# and each bundle's leaderboard, and writes RESULTS_DIR/results.json.
#
# Environment:
#   OPTIONS        trainbox --options JSON, default '{}' (auto, time_budget_s 300)
#   RUN_TIMEOUT    seconds before a run is stopped (SIGTERM, SIGKILL 30 s later), default 420;
#                  exit status 124 or 137 in the table means it was
#   BACKBONES_DIR  default trainbox-data/backbones of this tree if it exists; '' for none
#   RESULTS_DIR    default a new folder under /tmp (kept)
#   SAMPLE_S       RSS sampling period, default 2
#   TRAINBOX_BENCH_SCALE  where the sets live (default ~/.cache/trainbox-bench/scale)
#   PYTHON         default /usr/bin/python3 (Debian's: PIL for make_scale_sets.py)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
die() { echo "scale.sh: $*" >&2; exit 2; }
[[ $# -ge 1 ]] || die "usage: $0 TRAINBOX_BINARY [RUN...]"
BIN="$(realpath "$1")"
shift
[[ -x "$BIN" ]] || die "no trainbox binary at $BIN"
[[ -x /usr/bin/time ]] || die "/usr/bin/time is missing (apt-get install time, or install.sh)"
PY="${PYTHON:-/usr/bin/python3}"
export TRAINBOX_BENCH_SCALE="${TRAINBOX_BENCH_SCALE:-$HOME/.cache/trainbox-bench/scale}"
CACHE="$TRAINBOX_BENCH_SCALE"
OPTIONS="${OPTIONS:-{\}}"
RUN_TIMEOUT="${RUN_TIMEOUT:-420}"
SAMPLE_S="${SAMPLE_S:-2}"
if [[ -z "${BACKBONES_DIR+set}" ]]; then
  BACKBONES_DIR=""
  [[ -d "$ROOT/trainbox-data/backbones" ]] && BACKBONES_DIR="$ROOT/trainbox-data/backbones"
fi
RESULTS_DIR="${RESULTS_DIR:-$(mktemp -d /tmp/trainbox-scale.XXXXXX)}"
mkdir -p "$RESULTS_DIR"
if [[ $# -gt 0 ]]; then RUNS=("$@"); else
  RUNS=(glyphs_1000 glyphs_10000 glyphs_50000 texts_10000 texts_1000000)
fi
# Runs a copy of the binary, so a rebuild of the tree during the suite does not mix two versions.
SNAP="$(mktemp -d /tmp/trainbox-scale-bin.XXXXXX)"
SAMPLER=""
cleanup() { [[ -n "$SAMPLER" ]] && kill "$SAMPLER" 2>/dev/null; rm -rf "$SNAP"; }
trap cleanup EXIT
cp "$BIN" "$SNAP/trainbox"
BIN="$SNAP/trainbox"

"$PY" "$HERE/make_scale_sets.py"

# The newest process under PID whose command is the snapshot binary (time -> timeout -> trainbox).
trainbox_pid() {
  local pid="$1" child
  while child="$(pgrep -P "$pid" | head -n 1)" && [[ -n "$child" ]]; do pid="$child"; done
  echo "$pid"
}

# Samples "seconds rss_mb last progress line" of the process tree under $1 until it ends.
sample_rss() { # PID LOG OUT
  local root="$1" log="$2" out="$3" start pid rss line
  start=$(date +%s)
  printf 't_s\trss_mb\tprogress\n' >"$out"
  while kill -0 "$root" 2>/dev/null; do
    pid="$(trainbox_pid "$root")"
    rss="$(awk '/^VmRSS:/ {print int($2 / 1024)}' "/proc/$pid/status" 2>/dev/null || true)"
    line="$(tail -c 400 "$log" 2>/dev/null | tr '\r' '\n' | grep -v '^$' | tail -n 1 || true)"
    printf '%s\t%s\t%s\n' "$(($(date +%s) - start))" "${rss:--}" "$line" >>"$out"
    sleep "$SAMPLE_S"
  done
}

for run in "${RUNS[@]}"; do
  case "$run" in
    glyphs_*) data="$CACHE/$run.zip"; bb=(); [[ -n "$BACKBONES_DIR" ]] && bb=(--backbones-dir "$BACKBONES_DIR") ;;
    texts_*) data="$CACHE/$run.csv"; bb=() ;;
    *) die "unknown run $run (glyphs_1000 glyphs_10000 glyphs_50000 texts_10000 texts_1000000)" ;;
  esac
  [[ -f "$data" ]] || die "no dataset $data (make_scale_sets.py did not build it)"
  dir="$RESULTS_DIR/$run"
  mkdir -p "$dir"
  rm -f "$dir/bundle.zip"
  cut -d' ' -f1-3 /proc/loadavg >"$dir/load_before.txt"
  echo "== $run: train $(basename "$data") --options '$OPTIONS' ${bb[*]} (load $(cat "$dir/load_before.txt"))" >&2
  rc=0
  /usr/bin/time -v -o "$dir/time.txt" timeout -k 30 "$RUN_TIMEOUT" "$BIN" train "$data" \
    --out "$dir/bundle.zip" "${bb[@]}" --options "$OPTIONS" >"$dir/train.log" 2>&1 &
  job=$!
  sample_rss "$job" "$dir/train.log" "$dir/rss.tsv" &
  SAMPLER=$!
  wait "$job" || rc=$?
  wait "$SAMPLER" 2>/dev/null || true
  SAMPLER=""
  echo "$rc" >"$dir/rc"
  [[ $rc -eq 0 ]] || { echo "   train exited $rc; last lines:" >&2; tail -n 5 "$dir/train.log" >&2; }
  grep -E "Elapsed|Maximum resident" "$dir/time.txt" | sed 's/^\s*/   /' >&2 || true
done

"$PY" - "$RESULTS_DIR" "${RUNS[@]}" <<'EOF'
import json, os, re, sys
results_dir, runs = sys.argv[1], sys.argv[2:]
rows, out = [], []
for run in runs:
    d = os.path.join(results_dir, run)
    r = {"run": run, "rc": int(open(os.path.join(d, "rc")).read())}
    r["load_before"] = open(os.path.join(d, "load_before.txt")).read().split()
    t = open(os.path.join(d, "time.txt")).read() if os.path.exists(os.path.join(d, "time.txt")) else ""
    m = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", t)
    if m:
        secs = 0.0
        for part in m.group(1).split(":"):
            secs = secs * 60 + float(part)
        r["wall_s"] = round(secs, 1)
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", t)
    if m:
        r["peak_rss_mb"] = round(int(m.group(1)) / 1024)
    log = open(os.path.join(d, "train.log"), errors="replace").read()
    lines = [l for l in log.replace("\r", "\n").split("\n") if l.strip()]
    for l in reversed(lines):
        if l.startswith("{"):
            try:
                j = json.loads(l)
            except ValueError:
                continue
            r["model"] = (j.get("model") or {}).get("architecture")
            r["reason"] = (j.get("model") or {}).get("reason")
            r["val_accuracy"] = j.get("val_accuracy")
            r["classes"] = len(j.get("classes", []))
            break
    m = re.search(r"dataset: (\d+) items in (\d+) classes", log)
    if m:
        r["items"], r["classes"] = int(m.group(1)), int(m.group(2))
    if "leaderboard (" in log:
        lb = log[log.index("leaderboard ("):].split("\n")[1:]
        r["leaderboard"] = [l.strip() for l in lb if l.startswith("  ")]
    if r["rc"] != 0 or "model" not in r:
        r["error"] = lines[-1][:300] if lines else "(no output)"
    rss = []
    if os.path.exists(os.path.join(d, "rss.tsv")):
        for l in open(os.path.join(d, "rss.tsv")).read().split("\n")[1:]:
            f = l.split("\t")
            if len(f) >= 2 and f[1].isdigit():
                rss.append((int(f[0]), int(f[1]), f[2] if len(f) > 2 else ""))
    if rss:
        top = max(rss, key=lambda x: x[1])
        r["sampled_peak"] = {"t_s": top[0], "rss_mb": top[1], "progress": top[2]}
    rows.append(r)
def fmt(x, d=None):
    return "-" if x is None else (f"{x:.{d}f}" if d is not None and isinstance(x, (int, float)) else str(x))
out.append("| run | items | classes | wall s | peak RSS MB | kept model | val accuracy | exit |")
out.append("|---|---|---|---|---|---|---|---|")
for r in rows:
    ex = str(r["rc"]) + (f" ({r['error'][:120]})" if "error" in r else "")
    out.append(f"| {r['run']} | {fmt(r.get('items'))} | {fmt(r.get('classes'))} | {fmt(r.get('wall_s'), 1)} | "
               f"{fmt(r.get('peak_rss_mb'))} | {fmt(r.get('model'))} | {fmt(r.get('val_accuracy'), 3)} | {ex} |")
for r in rows:
    if r.get("leaderboard"):
        out += ["", f"leaderboard {r['run']}:"] + ["  " + l for l in r["leaderboard"]]
    if r.get("sampled_peak"):
        p = r["sampled_peak"]
        out.append(f"{r['run']}: sampled RSS peak {p['rss_mb']} MB at {p['t_s']} s, during: {p['progress'][:100]}")
with open(os.path.join(results_dir, "results.json"), "w") as f:
    json.dump(rows, f, indent=1)
print("\n".join(out))
EOF
echo "results: $RESULTS_DIR/results.json" >&2
