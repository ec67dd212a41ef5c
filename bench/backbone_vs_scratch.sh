#!/usr/bin/env bash
# Pretrained backbone vs training from scratch on REAL pictures (Breeze icons, 6 classes x 60,
# 128 px; see bench/make_icon_dataset.sh), at equal time budgets, several seeds.
#
#   bench/backbone_vs_scratch.sh [TRAINBOX_BINARY] [BACKBONES_DIR] [BUDGETS...]
#
#   TRAINBOX_BINARY  default build/trainbox of this source tree (not rebuilt here)
#   BACKBONES_DIR    default $TRAINBOX_BACKBONES_DIR; must hold mobilenet_v2
#                    (`trainbox backbones list --backbones-dir DIR`)
#   BUDGETS          time_budget_s values, default 30 60 120
#
# For every budget and seed it runs `trainbox train ICONS.zip --options JSON` once per method:
#   pretrained    {"backbone":"mobilenet_v2"} with --backbones-dir (head on cached features,
#                 then fine-tuning kept only if validation improves)
#   scratch_auto  {"backbone":"auto"} without --backbones-dir: what a user without backbones gets
#                 (tiny_cnn at the auto size, 64 px for this set; default epochs, so it may stop
#                 long before the budget)
#   scratch_128   {"backbone":"tiny_cnn","image_size":128}: from scratch at the icons' own size
#   scratch_fill  {"backbone":"auto","epochs":500}: auto from scratch allowed to use the whole
#                 budget (stopped by the deadline or early stopping), the equal-time comparison
# The methods of one seed run back to back, so a change of machine load hits all of them. The
# validation split depends only on the dataset (zip entry order, labels), val_fraction and seed
# (data::stratified_split), so one seed validates every method on the same images.
#
# Records per run: val_accuracy, the wall seconds of the whole command (process start to exit,
# export and parity check included), metrics.json train_seconds (read + train, without export),
# and for pretrained model.head_val_accuracy / fine_tuned_val_accuracy / path. Prints a markdown
# table of medians (min-max) per budget and method, and the per-seed paired differences.
#
# Environment:
#   SEEDS        default "1 2 3"
#   METHODS      default "pretrained scratch_auto scratch_128 scratch_fill"
#   ICONS_DIR    the icon set (its zip is ICONS_DIR.zip); built with make_icon_dataset.sh when the
#                zip is missing. Default ${XDG_CACHE_HOME:-~/.cache}/trainbox-bench/icons
#   VAL_FRACTION default 0.2 (trainbox's default)
#   RESULTS_DIR  where runs.tsv and the bundles' metrics go; default a new temp folder (kept)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
BIN="${1:-$ROOT/build/trainbox}"
BB_DIR="${2:-${TRAINBOX_BACKBONES_DIR:-}}"
shift $(($# >= 2 ? 2 : $#))
BUDGETS=("$@")
[[ ${#BUDGETS[@]} -gt 0 ]] || BUDGETS=(30 60 120)
read -r -a SEEDS <<<"${SEEDS:-1 2 3}"
read -r -a METHODS <<<"${METHODS:-pretrained scratch_auto scratch_128 scratch_fill}"
ICONS_DIR="${ICONS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/trainbox-bench/icons}"
ICONS_DIR="${ICONS_DIR%/}"
VAL_FRACTION="${VAL_FRACTION:-0.2}"
PY=python3

die() { echo "backbone_vs_scratch: $*" >&2; exit 2; }
[[ -x "$BIN" ]] || die "no trainbox binary at $BIN (build it first: make)"
command -v "$PY" >/dev/null || die "python3 is needed to read the bundles"
for b in "${BUDGETS[@]}"; do [[ "$b" =~ ^[1-9][0-9]*$ ]] || die "budget '$b' is not a whole number"; done
for s in "${SEEDS[@]}"; do [[ "$s" =~ ^[0-9]+$ ]] || die "seed '$s' is not a whole number"; done
for m in "${METHODS[@]}"; do
  case "$m" in pretrained | scratch_auto | scratch_128 | scratch_fill) ;; *) die "unknown method '$m'" ;; esac
  if [[ "$m" == pretrained ]]; then
    [[ -n "$BB_DIR" && -d "$BB_DIR" ]] || die "BACKBONES_DIR (2nd argument) is needed for pretrained"
    "$BIN" backbones list --backbones-dir "$BB_DIR" | grep -q '^mobilenet_v2 ' ||
      die "$BB_DIR has no mobilenet_v2 backbone"
  fi
done

# --- dataset -------------------------------------------------------------------------------------
ZIP="$ICONS_DIR.zip"
if [[ ! -f "$ZIP" ]]; then
  mkdir -p "$(dirname "$ICONS_DIR")"
  echo "building the icon set into $ICONS_DIR (once)" >&2
  "$HERE/make_icon_dataset.sh" "$ICONS_DIR" 60 >&2
fi

RESULTS_DIR="${RESULTS_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/backbone_vs_scratch.XXXXXX")}"
mkdir -p "$RESULTS_DIR"
TSV="$RESULTS_DIR/runs.tsv"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/bvs_work.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
# Run a snapshot of the binary, so that a rebuild of the tree during the (long) run does not mix
# two versions in one table.
cp "$BIN" "$WORK/trainbox"
BIN_DESC="$BIN ($(stat -c %y "$BIN" | cut -d. -f1), sha256 $(sha256sum "$BIN" | cut -c1-12))"
BIN="$WORK/trainbox"

options_for() {  # method budget seed -> JSON
  local common="\"time_budget_s\":$2,\"seed\":$3,\"val_fraction\":$VAL_FRACTION"
  case "$1" in
    pretrained) echo "{$common,\"backbone\":\"mobilenet_v2\"}" ;;
    scratch_auto) echo "{$common,\"backbone\":\"auto\"}" ;;
    scratch_128) echo "{$common,\"backbone\":\"tiny_cnn\",\"image_size\":128}" ;;
    scratch_fill) echo "{$common,\"backbone\":\"auto\",\"epochs\":500}" ;;
  esac
}

load1() { cut -d' ' -f1 /proc/loadavg; }

LOAD_BEFORE="$(uptime)"
START=$(date +%s)
runs=$((${#BUDGETS[@]} * ${#SEEDS[@]} * ${#METHODS[@]}))
{
  echo "# binary $BIN_DESC, backbones ${BB_DIR:-none}"
  echo "# dataset $ZIP sha256 $(sha256sum "$ZIP" | cut -d' ' -f1), val_fraction $VAL_FRACTION"
  echo "# $(nproc) cores; before: $LOAD_BEFORE"
  printf 'budget\tseed\tmethod\tstatus\tval_accuracy\twall_s\ttrain_seconds\tarchitecture\timage_size\tepochs_run\thead_val_accuracy\tfine_tuned_val_accuracy\tpath\tload1_start\n'
} >"$TSV"
echo "$runs runs; results in $TSV" >&2
echo "load before: $LOAD_BEFORE" >&2

i=0
for budget in "${BUDGETS[@]}"; do
  for seed in "${SEEDS[@]}"; do
    for method in "${METHODS[@]}"; do
      i=$((i + 1))
      opts="$(options_for "$method" "$budget" "$seed")"
      bundle="$WORK/$method-$budget-$seed.zip"
      args=(train "$ZIP" --out "$bundle" --options "$opts")
      [[ "$method" == pretrained ]] && args+=(--backbones-dir "$BB_DIR")
      l1="$(load1)"
      t0=$(date +%s.%N)
      status=ok
      "$BIN" "${args[@]}" >"$WORK/log" 2>&1 || status=failed
      t1=$(date +%s.%N)
      wall=$("$PY" -c "print(f'{$t1-$t0:.2f}')")
      metrics="$RESULTS_DIR/metrics-$method-$budget-$seed.json"
      if [[ "$status" == ok ]] && "$PY" -c 'import sys, zipfile; sys.stdout.buffer.write(zipfile.ZipFile(sys.argv[1]).read("metrics.json"))' "$bundle" >"$metrics"; then
        row="$("$PY" - "$metrics" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
mo = m.get("model", {})
def f(v):
    return "" if v is None else (f"{v:.4f}" if isinstance(v, float) else str(v))
print("\t".join(f(x) for x in [m.get("val_accuracy"), m.get("train_seconds"),
      mo.get("architecture"), mo.get("image_size"), mo.get("epochs_run"),
      mo.get("head_val_accuracy"), mo.get("fine_tuned_val_accuracy"), mo.get("path")]))
PY
)"
      else
        status=failed
        cp "$WORK/log" "$RESULTS_DIR/failed-$method-$budget-$seed.log"
        row=$'\t\t\t\t\t\t\t'
      fi
      acc="$(cut -f1 <<<"$row")"
      tsec="$(cut -f2 <<<"$row")"
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$budget" "$seed" "$method" "$status" "$acc" \
        "$wall" "$(cut -f2- <<<"$row")" "$l1" >>"$TSV"
      printf '[%d/%d] budget %ss seed %s %-12s %-6s val_acc %-6s wall %6ss train_seconds %s (load %s)\n' \
        "$i" "$runs" "$budget" "$seed" "$method" "$status" "${acc:--}" "$wall" "${tsec:--}" "$l1" >&2
      rm -f "$bundle"
    done
  done
done
LOAD_AFTER="$(uptime)"
echo "# after: $LOAD_AFTER; total $(($(date +%s) - START)) s" >>"$TSV"
echo "load after: $LOAD_AFTER" >&2

# --- summary -------------------------------------------------------------------------------------
"$PY" - "$TSV" <<'PY'
import collections, statistics, sys

rows, comments = [], []
with open(sys.argv[1]) as fh:
    header = None
    for line in fh:
        line = line.rstrip("\n")
        if line.startswith("#"):
            comments.append(line[2:])
            continue
        cells = line.split("\t")
        if header is None:
            header = cells
            continue
        rows.append(dict(zip(header, cells)))

LABEL = {
    "pretrained": "pretrained mobilenet_v2 (224 px)",
    "scratch_auto": "scratch, auto (tiny_cnn 64 px, default epochs)",
    "scratch_128": "scratch, tiny_cnn 128 px",
    "scratch_fill": "scratch, auto + epochs 500 (fills budget)",
}

def num(r, k):
    v = r.get(k, "")
    return float(v) if v not in ("", None) else None

def med(vals, fmt):
    vals = [v for v in vals if v is not None]
    if not vals:
        return "-"
    m = statistics.median(vals)
    if len(vals) == 1 or min(vals) == max(vals):
        return fmt.format(m)
    return f"{fmt.format(m)} ({fmt.format(min(vals))}-{fmt.format(max(vals))})"

groups = collections.OrderedDict()
for r in rows:
    groups.setdefault((int(r["budget"]), r["method"]), []).append(r)

print("| budget | method | runs | val accuracy | wall s (whole command) | train_seconds "
      "| head / fine-tuned val acc | fine-tuning kept |")
print("|---|---|---|---|---|---|---|---|")
for (budget, method), rs in groups.items():
    ok = [r for r in rs if r["status"] == "ok"]
    n = f"{len(ok)}/{len(rs)}"
    acc = med([num(r, "val_accuracy") for r in ok], "{:.3f}")
    wall = med([num(r, "wall_s") for r in ok], "{:.1f}")
    tsec = med([num(r, "train_seconds") for r in ok], "{:.1f}")
    if method == "pretrained":
        head = med([num(r, "head_val_accuracy") for r in ok], "{:.3f}")
        ft_vals = [num(r, "fine_tuned_val_accuracy") for r in ok]
        ft = med(ft_vals, "{:.3f}") if any(v is not None for v in ft_vals) else "not run"
        ft_ran = sum(v is not None for v in ft_vals)
        kept = sum(r["path"] == "fine_tuned" for r in ok)
        hf = f"{head} / {ft}"
        kept_s = f"{kept} of {len(ok)} (ran in {ft_ran})"
    else:
        hf, kept_s = "", ""
    print(f"| {budget} s | {LABEL.get(method, method)} | {n} | {acc} | {wall} | {tsec} | {hf} | {kept_s} |")

# paired differences: same budget and seed -> same validation images
by = {(int(r["budget"]), r["seed"], r["method"]): r for r in rows if r["status"] == "ok"}
methods = [m for m in LABEL if any(k[2] == m for k in by)]
if "pretrained" in methods and len(methods) > 1:
    print()
    print("Paired per seed (same validation split): pretrained val accuracy minus scratch, "
          "median (min-max) over seeds")
    print()
    others = [m for m in methods if m != "pretrained"]
    print("| budget | " + " | ".join(f"vs {m}" for m in others) + " |")
    print("|---|" + "---|" * len(others))
    for budget in sorted({k[0] for k in by}):
        cells = []
        for m in others:
            d = [num(by[(b, s, "pretrained")], "val_accuracy") - num(by[(b, s, m)], "val_accuracy")
                 for (b, s, mm) in by if b == budget and mm == m and (b, s, "pretrained") in by]
            cells.append(med(d, "{:+.3f}"))
        print(f"| {budget} s | " + " | ".join(cells) + " |")
print()
for c in comments:
    print(f"- {c}")
PY
echo "runs: $TSV" >&2
