#!/usr/bin/python3
"""scikit-learn baselines for one quality set: fit on its train split, score on its test split.

    baselines.py SET [--no-cv]      SET: a name in $TRAINBOX_BENCH_CACHE/sets.json, or a set folder

Prints one JSON object: {"set", "kind", "n_train", "n_test", "baselines": {NAME: {"accuracy",
"seconds" (fit + predict), "params"}}}.
  images: raw pixels in [0, 1], resized to a fixed side (the set's own when <= 32, else 32; grey
          when the set is grey): svc_rbf (C=1, gamma='scale'), svc_cv (C in 1/10/100, gamma in 0.5/1/2 x 'scale', by 3-fold
          CV),
          logreg (standardised pixels, C=0.01)
  texts:  word 1-2 + char_wb 2-5 TF-IDF (sublinear tf) into LogisticRegression: tfidf_logreg
          (C=10), tfidf_logreg_cv (C by 3-fold CV)
"""
import csv
import io
import json
import os
import sys
import time
import zipfile

import numpy as np
from PIL import Image
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import FeatureUnion, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
from sklearn.feature_extraction.text import TfidfVectorizer

CACHE = os.environ.get("TRAINBOX_BENCH_CACHE") or os.path.expanduser("~/.cache/trainbox-bench/quality")
SEED = 1


def pixels(data, side, grey):
    img = Image.open(io.BytesIO(data))
    if img.mode in ("RGBA", "LA", "P"):  # transparent parts count as white, as on a page
        rgba = img.convert("RGBA")
        img = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        img.alpha_composite(rgba)
    img = img.convert("L" if grey else "RGB")
    if img.size != (side, side):
        img = img.resize((side, side), Image.Resampling.BILINEAR)
    return np.asarray(img, dtype=np.float32).ravel() / 255.0


def load_images(folder, entry):
    side = min(entry["side"], 32)
    grey = entry["mode"] in ("L", "1", "LA")
    xs, ys = [], []
    with zipfile.ZipFile(os.path.join(folder, entry["train"])) as z:
        for name in sorted(z.namelist()):
            if not name.endswith("/"):
                xs.append(pixels(z.read(name), side, grey))
                ys.append(name.split("/")[0])
    xt, yt = [], []
    with open(os.path.join(folder, entry["test"]), newline="") as f:
        for row in csv.DictReader(f):
            with open(os.path.join(folder, row["path"]), "rb") as g:
                xt.append(pixels(g.read(), side, grey))
            yt.append(row["label"])
    return np.stack(xs), ys, np.stack(xt), yt


def load_texts(folder, entry):
    def read(name):
        with open(os.path.join(folder, name), newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        return [r["text"] for r in rows], [r["label"] for r in rows]
    return (*read(entry["train"]), *read(entry["test"]))


def tfidf():
    return FeatureUnion([
        ("word", TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True, min_df=1)),
        ("char", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2)),
    ])


def models(kind, cv, x):
    folds = StratifiedKFold(n_splits=3, shuffle=True, random_state=SEED)
    if kind == "image":
        out = {"svc_rbf": SVC(C=1.0, gamma="scale"),
               # standardised pixels and a strong penalty: converges in a few hundred lbfgs
               # iterations; raw pixels with C=1 took minutes here and did not converge
               "logreg": make_pipeline(StandardScaler(), LogisticRegression(C=0.01, max_iter=1000))}
        if cv:  # a small grid around gamma='scale' (1 / (n_features * var)): seconds on these sets
            scale = 1.0 / (x.shape[1] * float(x.var()))
            grid = {"C": [1, 10, 100], "gamma": [scale / 2, scale, scale * 2]}
            out["svc_cv"] = GridSearchCV(SVC(), grid, cv=folds)
    else:
        # newton-cg: the same multinomial optimum as lbfgs, in ~15 instead of 100+ iterations on
        # these 50k-100k sparse features (6x faster here)
        logreg = lambda **kw: LogisticRegression(solver="newton-cg", max_iter=1000, **kw)
        out = {"tfidf_logreg": make_pipeline(tfidf(), logreg(C=10.0))}
        if cv:
            out["tfidf_logreg_cv"] = GridSearchCV(
                make_pipeline(tfidf(), logreg()),
                {"logisticregression__C": [1, 10, 100]}, cv=folds)
    return out


def params(model):
    if isinstance(model, GridSearchCV):
        return {k.split("__")[-1]: round(v, 6) if isinstance(v, float) else v
                for k, v in model.best_params_.items()}
    return {}


def main(argv):
    if not argv or argv[0].startswith("-"):
        sys.exit(__doc__)
    name = argv[0]
    folder = name if os.path.isdir(name) else os.path.join(CACHE, name)
    folder = os.path.abspath(folder)
    set_name = os.path.basename(folder)
    entry = json.load(open(os.path.join(os.path.dirname(folder), "sets.json")))[set_name]
    load = load_images if entry["kind"] == "image" else load_texts
    x, y, xt, yt = load(folder, entry)
    result = {"set": set_name, "kind": entry["kind"], "n_train": len(y), "n_test": len(yt), "baselines": {}}
    for label, model in models(entry["kind"], "--no-cv" not in argv, x).items():
        start = time.perf_counter()
        model.fit(x, y)
        predicted = model.predict(xt)
        seconds = time.perf_counter() - start
        accuracy = float(np.mean(np.asarray(predicted) == np.asarray(yt)))
        result["baselines"][label] = {"accuracy": round(accuracy, 4), "seconds": round(seconds, 2),
                                      "params": params(model)}
        print(f"{set_name}: {label} accuracy {accuracy:.4f} in {seconds:.1f} s", file=sys.stderr)
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
