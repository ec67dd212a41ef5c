#!/usr/bin/python3
"""run.sh's helper: scores one trainbox bundle on a set's test split, and writes the report.

    tb_eval.py score BIN BUNDLE SET_DIR TIME_FILE TRAIN_RC   -> one run's JSON on stdout
    tb_eval.py report RESULTS_DIR                            -> markdown table on stdout,
                                                                RESULTS_DIR/results.json
score predicts the test split with `BIN predict BUNDLE ... --json` in batches of 200 (image paths,
or --text=... for texts), and adds the wall seconds and peak RSS from `/usr/bin/time -v` and the
bundle's metrics.json (val_accuracy, leaderboard when present).
"""
import csv
import glob
import json
import os
import re
import subprocess
import sys
import time
import zipfile

BATCH = 200  # inputs per predict call: one process start per batch, far below ARG_MAX


def gnu_time(path):
    """Wall seconds and peak RSS (MB) from `/usr/bin/time -v` output."""
    text = open(path).read() if os.path.exists(path) else ""
    out = {}
    m = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", text)
    if m:
        secs = 0.0
        for part in m.group(1).split(":"):
            secs = secs * 60 + float(part)
        out["wall_s"] = round(secs, 1)
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    if m:
        out["peak_rss_mb"] = round(int(m.group(1)) / 1024)
    return out


def test_split(set_dir):
    entry = json.load(open(os.path.join(os.path.dirname(set_dir), "sets.json")))[os.path.basename(set_dir)]
    with open(os.path.join(set_dir, entry["test"]), newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    if entry["kind"] == "image":
        return entry, [os.path.join(set_dir, r["path"]) for r in rows], [r["label"] for r in rows]
    return entry, [r["text"] for r in rows], [r["label"] for r in rows]


def predict(binary, bundle, kind, inputs):
    labels = []
    for i in range(0, len(inputs), BATCH):
        chunk = inputs[i:i + BATCH]
        # --text=VALUE keeps a text that starts with '-' from reading as an option
        args = chunk if kind == "image" else [f"--text={t}" for t in chunk]
        out = subprocess.run([binary, "predict", bundle, "--json", "--top-k", "1", *args],
                             capture_output=True, text=True)
        if out.returncode != 0:
            raise RuntimeError(f"predict exited {out.returncode}: {out.stderr.strip()[-500:]}")
        predictions = json.loads(out.stdout)["predictions"]
        if len(predictions) != len(chunk):
            raise RuntimeError(f"predict gave {len(predictions)} predictions for {len(chunk)} inputs")
        labels += [p["label"] for p in predictions]
    return labels


def score(binary, bundle, set_dir, time_file, train_rc):
    set_dir = os.path.abspath(set_dir)
    entry, inputs, truth = test_split(set_dir)
    result = {"set": os.path.basename(set_dir), "kind": entry["kind"], "n_train": entry["n_train"],
              "n_test": entry["n_test"], "classes": len(entry["classes"]), "train_rc": int(train_rc),
              **gnu_time(time_file)}
    if int(train_rc) != 0 or not os.path.exists(bundle):
        result["error"] = f"train exited {train_rc}"
        return result
    with zipfile.ZipFile(bundle) as z:
        metrics = json.loads(z.read("metrics.json")) if "metrics.json" in z.namelist() else {}
    for key in ("val_accuracy", "train_seconds", "backbone", "leaderboard"):
        for where in (metrics, metrics.get("model", {})):
            if isinstance(where, dict) and key in where and key not in result:
                result[key] = where[key]
    start = time.perf_counter()
    try:
        predicted = predict(binary, bundle, entry["kind"], inputs)
    except RuntimeError as e:
        result["error"] = str(e)
        return result
    result["predict_s"] = round(time.perf_counter() - start, 1)
    result["accuracy"] = round(sum(p == t for p, t in zip(predicted, truth)) / len(truth), 4)
    return result


def fmt(x, digits=3):
    return "-" if x is None else f"{x:.{digits}f}" if isinstance(x, float) else str(x)


def report(results_dir):
    runs = []
    for p in sorted(glob.glob(os.path.join(results_dir, "*", "*", "score.json"))):
        run = json.load(open(p))  # RESULTS_DIR/SET/VARIANT/score.json, options.json beside it
        run["variant"] = os.path.basename(os.path.dirname(p))
        run["options"] = json.load(open(os.path.join(os.path.dirname(p), "options.json")))
        runs.append(run)
    baselines = {}
    for p in sorted(glob.glob(os.path.join(results_dir, "*", "baselines.json"))):
        b = json.load(open(p))
        baselines[b["set"]] = b["baselines"]
    names = sorted({n for b in baselines.values() for n in b})
    head = ["set", "variant", "train / test / classes", "trainbox test acc", "trainbox val acc",
            *names, "trainbox s", "peak RSS MB"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in runs:
        b = baselines.get(r["set"], {})
        acc = fmt(r.get("accuracy")) if "error" not in r else f"FAILED ({r['error'][:60]})"
        cells = [r["set"], r["variant"], f"{r['n_train']} / {r['n_test']} / {r['classes']}", acc,
                 fmt(r.get("val_accuracy")), *[fmt(b.get(n, {}).get("accuracy")) for n in names],
                 fmt(r.get("wall_s"), 1), fmt(r.get("peak_rss_mb"))]
        lines.append("| " + " | ".join(cells) + " |")
    for r in runs:  # trainbox's own candidate comparison, when the bundle has one
        if r.get("leaderboard"):
            lines += ["", f"leaderboard {r['set']} ({r['variant']}):"]
            for e in r["leaderboard"]:  # the full entries (details) stay in results.json
                lines.append(f"  {e.get('candidate')}: val_accuracy {fmt(e.get('val_accuracy'))}, "
                             f"{fmt(e.get('seconds'), 1)} s, kept {e.get('kept')}, why: {e.get('why')}")
    with open(os.path.join(results_dir, "results.json"), "w") as f:
        json.dump({"runs": runs, "baselines": baselines}, f, indent=1, sort_keys=True)
    print("\n".join(lines))


if __name__ == "__main__":
    if len(sys.argv) == 7 and sys.argv[1] == "score":
        print(json.dumps(score(*sys.argv[2:])))
    elif len(sys.argv) == 3 and sys.argv[1] == "report":
        report(sys.argv[2])
    else:
        sys.exit(__doc__)
