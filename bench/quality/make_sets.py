#!/usr/bin/python3
"""Builds the quality benchmark's labelled datasets offline from installed Debian packages.

    make_sets.py [--force] [SET...]        (default: every set; see SETS below)

Writes, under $TRAINBOX_BENCH_CACHE (default ~/.cache/trainbox-bench/quality):
  NAME/train.zip            image sets: CLASS/xxx.png (ImageFolder layout), what trainbox trains on
  NAME/test/CLASS/xxx.png   image sets: the held-out split, never given to trainbox
  NAME/test.csv             image sets: path,label (path relative to NAME/)
  NAME/train.csv, test.csv  text sets: text,label
  sets.json                 per set: kind, classes, counts, source packages + versions, sha256s
Deterministic: sorted inputs, fixed seeds, fixed zip timestamps, so the same package versions
give byte-identical files. A set already built from the same package versions (and the same
make_sets.py) is kept unless --force. Run bench/quality/install.sh first (as root) to get the packages.
"""
import csv
import glob
import hashlib
import io
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile

import numpy as np
from PIL import Image, ImageDraw, ImageFont
from sklearn.model_selection import StratifiedGroupKFold, train_test_split

SEED = 1  # one seed for every sampling and split: the benchmark must not move between runs
TEST_FRACTION = 0.2
CACHE = os.environ.get("TRAINBOX_BENCH_CACHE") or os.path.expanduser("~/.cache/trainbox-bench/quality")


def pkg_version(pkg):
    out = subprocess.run(["dpkg-query", "-W", "-f=${Version}", pkg], capture_output=True, text=True)
    if out.returncode != 0 or not out.stdout:
        sys.exit(f"make_sets: package {pkg} is not installed (run bench/quality/install.sh)")
    return out.stdout


def pkg_files(pkg):
    out = subprocess.run(["dpkg", "-L", pkg], capture_output=True, text=True, check=True)
    return sorted(p for p in out.stdout.splitlines() if os.path.isfile(p))


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def split(labels, groups=None):
    """Fixed-seed stratified ~80/20 split; with groups, the members of a group stay together
    (jittered copies of one glyph must not land on both sides)."""
    idx = np.arange(len(labels))
    if groups is None:
        tr, te = train_test_split(idx, test_size=TEST_FRACTION, stratify=labels, random_state=SEED)
    else:
        folds = StratifiedGroupKFold(n_splits=round(1 / TEST_FRACTION), shuffle=True, random_state=SEED)
        tr, te = next(folds.split(idx, labels, groups))
    return sorted(tr), sorted(te)


def counts(labels):
    return {c: labels.count(c) for c in sorted(set(labels))}


# --- writers ------------------------------------------------------------------------------------
def png_bytes(img):
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def write_image_set(name, items, groups=None):
    """items: sorted list of (label, file stem, PIL image)."""
    out = os.path.join(CACHE, name)
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    keep, seen = [], set()
    for i, it in enumerate(items):  # one picture under two names would sit on both sides
        key = it[2].tobytes()
        if key not in seen:
            seen.add(key)
            keep.append(i)
    dropped = len(items) - len(keep)
    items = [items[i] for i in keep]
    groups = None if groups is None else [groups[i] for i in keep]
    labels = [it[0] for it in items]
    tr, te = split(labels, groups)
    with zipfile.ZipFile(os.path.join(out, "train.zip"), "w", zipfile.ZIP_STORED) as z:
        for i in tr:  # fixed timestamp, so the zip's bytes depend only on the images
            label, stem, img = items[i]
            z.writestr(zipfile.ZipInfo(f"{label}/{stem}.png", date_time=(1980, 1, 1, 0, 0, 0)), png_bytes(img))
    with open(os.path.join(out, "test.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["path", "label"])
        for i in te:
            label, stem, img = items[i]
            rel = f"test/{label}/{stem}.png"
            os.makedirs(os.path.join(out, "test", label), exist_ok=True)
            with open(os.path.join(out, rel), "wb") as g:
                g.write(png_bytes(img))
            w.writerow([rel, label])
    side = max(items[0][2].size)
    return {"kind": "image", "mode": items[0][2].mode, "side": side, "train": "train.zip",
            "test": "test.csv", "n_train": len(tr), "n_test": len(te), "duplicates_dropped": dropped,
            "classes": counts(labels), "sha256": {"train.zip": sha256(os.path.join(out, "train.zip")),
                                                  "test.csv": sha256(os.path.join(out, "test.csv"))}}


def write_text_set(name, rows):
    """rows: list of (text, label); texts are unique."""
    out = os.path.join(CACHE, name)
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    labels = [r[1] for r in rows]
    tr, te = split(labels)
    for part, idx in (("train.csv", tr), ("test.csv", te)):
        with open(os.path.join(out, part), "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["text", "label"])
            w.writerows(rows[i] for i in idx)
    return {"kind": "text", "train": "train.csv", "test": "test.csv", "n_train": len(tr),
            "n_test": len(te), "classes": counts(labels),
            "sha256": {p: sha256(os.path.join(out, p)) for p in ("train.csv", "test.csv")}}


def sample_per_class(items, label_of, cap):
    """Up to cap items per class, a seeded sample of the sorted items, kept in sorted order."""
    rng = random.Random(SEED)
    by = {}
    for it in items:
        by.setdefault(label_of(it), []).append(it)
    out = []
    for label in sorted(by):
        group = by[label]
        out += sorted(rng.sample(group, cap)) if len(group) > cap else group
    return out


# --- image sets ---------------------------------------------------------------------------------
def build_digits8():
    """scikit-learn's bundled UCI digits: 1,797 8x8 images, 17 grey levels, written as 8x8 PNG."""
    from sklearn.datasets import load_digits
    d = load_digits()
    items = [(str(int(t)), f"{i:04d}", Image.fromarray((img * 255 / 16).round().astype(np.uint8), "L"))
             for i, (img, t) in enumerate(zip(d.images, d.target))]
    return write_image_set("digits8", items), ["python3-sklearn"], \
        "sklearn/datasets/data/digits.csv.gz (UCI optdigits test part), 8x8 grey, label = digit"


GLYPH_FONT_PKGS = ["fonts-dejavu-core", "fonts-liberation", "fonts-freefont-ttf"]


def build_glyph28():
    """Digits 0-9 rendered at 28x28 from every TTF of three font packages, 3 jittered copies
    each (size, offset, rotation); the split keeps one font's copies of a digit together."""
    fonts = [p for pkg in GLYPH_FONT_PKGS for p in pkg_files(pkg)
             if p.endswith(".ttf") and "Math" not in p]
    rng = random.Random(SEED)
    items, groups = [], []
    for font_path in fonts:
        stem = os.path.splitext(os.path.basename(font_path))[0]
        for digit in "0123456789":
            for k in range(3):
                font = ImageFont.truetype(font_path, rng.randint(18, 24))
                img = Image.new("L", (56, 56), 255)  # draw big, rotate, crop the middle
                draw = ImageDraw.Draw(img)
                x0, y0, x1, y1 = draw.textbbox((0, 0), digit, font=font)
                dx, dy = rng.randint(-2, 2), rng.randint(-2, 2)
                draw.text((28 - (x0 + x1) / 2 + dx, 28 - (y0 + y1) / 2 + dy), digit, font=font, fill=0)
                img = img.rotate(rng.uniform(-12, 12), resample=Image.Resampling.BILINEAR, fillcolor=255)
                items.append((digit, f"{stem}-{k}", img.crop((14, 14, 42, 42))))
                groups.append(f"{stem}/{digit}")
    return write_image_set("glyph28", items, groups), GLYPH_FONT_PKGS, \
        f"digits 0-9 from {len(fonts)} fonts x 3 jittered renders, 28x28 grey, split grouped by (font, digit)"


EMOJI_GROUPS = {"Smileys & Emotion": "smileys_emotion", "People & Body": "people_body",
                "Animals & Nature": "animals_nature", "Food & Drink": "food_drink",
                "Travel & Places": "travel_places", "Activities": "activities",
                "Objects": "objects", "Symbols": "symbols", "Flags": "flags"}
SKIN_TONES = {0x1F3FB, 0x1F3FC, 0x1F3FD, 0x1F3FE, 0x1F3FF}


def build_emoji():
    """Noto Color Emoji (bitmap font, 136x128 glyphs) labelled by Unicode emoji group
    (emoji-test.txt of unicode-data), 64x64 RGB on white. Skin-tone variants are left out: they
    would put near-copies of one picture on both sides of the split."""
    group, entries = None, []
    for line in open("/usr/share/unicode/emoji/emoji-test.txt", encoding="utf-8"):
        if line.startswith("# group:"):
            group = line.split(":", 1)[1].strip()
        m = re.match(r"^([0-9A-F ]+?)\s*; fully-qualified\s*#", line)
        if m and group in EMOJI_GROUPS:
            cps = [int(c, 16) for c in m.group(1).split()]
            if not SKIN_TONES & set(cps):
                entries.append((EMOJI_GROUPS[group], "-".join(f"{c:x}" for c in cps), "".join(map(chr, cps))))
    entries = sample_per_class(sorted(entries), lambda e: e[0], 200)
    font = ImageFont.truetype("/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf", 109,
                              layout_engine=ImageFont.Layout.RAQM)
    items = []
    for label, stem, text in entries:
        canvas = Image.new("RGBA", (400, 160), (0, 0, 0, 0))
        ImageDraw.Draw(canvas).text((10, 10), text, font=font, embedded_color=True)
        box = canvas.getbbox()
        if box is None or box[2] - box[0] > 1.4 * (box[3] - box[1]):
            continue  # nothing drawn, or a sequence the font draws as several glyphs
        glyph = canvas.crop(box)
        side = max(glyph.size)
        square = Image.new("RGBA", (side, side), (255, 255, 255, 255))
        square.alpha_composite(glyph, ((side - glyph.width) // 2, (side - glyph.height) // 2))
        img = square.convert("RGB").resize((64, 64), Image.Resampling.LANCZOS)
        items.append((label, stem, img))
    return write_image_set("emoji", items), ["fonts-noto-color-emoji", "unicode-data"], \
        "Noto Color Emoji by Unicode group (no skin tones, <=200 sampled per group), 64x64 RGB"


CARD_RANKS = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "jack", "queen", "king"]
CARD_SUITS = ["club", "diamond", "heart", "spade"]


def build_cards():
    """Playing cards of every aisleriot deck (gnome-cards-data SVGs, one element per card),
    labelled by suit, card rendered 64 px high and centred on a white 64x64 square."""
    decks = sorted(p for p in pkg_files("gnome-cards-data") if p.endswith(".svgz"))
    items, used = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for deck in decks:
            name = re.sub(r"[^a-z0-9_-]+", "_", os.path.basename(deck)[:-5].lower()).strip("_") or "deck"
            name = name if name not in used else f"{name}_{len(used)}"
            used.append(name)
            for suit in CARD_SUITS:
                for rank in CARD_RANKS:
                    png = os.path.join(tmp, "card.png")
                    # at the SVG's own scale, then crop to what was drawn: with -h, a few decks
                    # (ancient_french, neoclassical, slavic_costumes) come out as a speck on a
                    # wide canvas, their element bounds being off
                    r = subprocess.run(["rsvg-convert", f"--export-id={suit}_{rank}", "-o", png, deck],
                                       capture_output=True)
                    if r.returncode != 0:
                        continue  # deck without this card
                    card = Image.open(png).convert("RGBA")
                    card = card.crop(card.getbbox())
                    card = card.resize((max(1, round(card.width * 64 / card.height)), 64), Image.Resampling.LANCZOS)
                    if card.width > 64:
                        card = card.resize((64, max(1, round(card.height * 64 / card.width))), Image.Resampling.LANCZOS)
                    square = Image.new("RGBA", (64, 64), (255, 255, 255, 255))
                    square.alpha_composite(card, ((64 - card.width) // 2, (64 - card.height) // 2))
                    items.append((suit, f"{name}-{rank}", square.convert("RGB")))
    return write_image_set("cards", items), ["gnome-cards-data", "librsvg2-bin"], \
        f"{len(decks)} aisleriot card decks x 52 cards rendered with rsvg-convert, label = suit, 64 px high on a white 64x64 square"


# --- text sets ----------------------------------------------------------------------------------
def read_fortunes(path):
    raw = open(path, "rb").read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")  # a few old files are ISO-8859-1
    for cookie in re.split(r"\n%\n", text):
        cookie = " ".join(cookie.split())  # one line: CSV- and argv-friendly, no ascii-art layout
        letters = sum(ch.isalpha() for ch in cookie)
        if 20 <= len(cookie) <= 500 and letters >= 0.6 * len(cookie):
            yield cookie


def unique_rows(rows):
    """Drops texts that occur under two labels (ambiguous) and repeats of one text."""
    labels = {}
    for text, label in rows:
        labels.setdefault(text, set()).add(label)
    seen, out = set(), []
    for text, label in rows:
        if len(labels[text]) == 1 and text not in seen:
            seen.add(text)
            out.append((text, label))
    return out


FORTUNE_TOPICS = ["computers", "education", "food", "law", "literature", "politics", "science", "work"]


def build_fortune_topics():
    """English fortune cookies labelled by their file (= topic), from fortunes + fortunes-min."""
    files = {os.path.basename(p): p for pkg in ("fortunes", "fortunes-min") for p in pkg_files(pkg)}
    rows = unique_rows([(c, t) for t in FORTUNE_TOPICS for c in read_fortunes(files[t])])
    rows = sample_per_class(rows, lambda r: r[1], 250)
    return write_text_set("fortune_topics", rows), ["fortunes", "fortunes-min"], \
        f"fortune files {', '.join(FORTUNE_TOPICS)}; one cookie = one row, <=250 per topic"


FORTUNE_LANGS = {"de": ("fortunes-de", "/de/"), "it": ("fortunes-it", "/it/"),
                 "es": ("fortunes-es", "/es/"), "pt": ("fortunes-br", "/brasil")}


def build_fortune_lang():
    """Fortune cookies labelled by language: German, Italian, Spanish, Brazilian Portuguese."""
    rows = []
    for lang, (pkg, part) in FORTUNE_LANGS.items():
        for p in pkg_files(pkg):
            # only the package's language folder (fortunes-it also installs links at the top);
            # never the offensive sub-folders
            if part in p and "/off/" not in p and not p.endswith((".dat", ".u8")) and "/doc/" not in p:
                rows += [(c, lang) for c in read_fortunes(p)]
    rows = sample_per_class(unique_rows(sorted(rows)), lambda r: r[1], 300)
    return write_text_set("fortune_lang", rows), [v[0] for v in FORTUNE_LANGS.values()], \
        "fortune cookies of 4 language packages, <=300 sampled per language"


DEB_SECTIONS = ["admin", "database", "editors", "fonts", "games", "graphics", "mail", "math",
                "net", "science", "sound", "video"]


def build_debian_sections():
    """Short descriptions of the Debian packages known to apt, labelled by Section."""
    dump = subprocess.run(["apt-cache", "dumpavail"], capture_output=True, text=True, check=True).stdout
    rows = []
    for stanza in dump.split("\n\n"):
        fields = dict(l.split(":", 1) for l in stanza.split("\n") if l and not l[0].isspace() and ":" in l)
        section = fields.get("Section", "").strip().split("/")[-1]
        desc = fields.get("Description", "").strip()
        if section in DEB_SECTIONS and desc:
            rows.append((desc, section))
    rows = sample_per_class(unique_rows(sorted(rows)), lambda r: r[1], 200)
    releases = sorted(glob.glob("/var/lib/apt/lists/*InRelease"))
    dates = {}
    for r in releases:
        m = re.search(r"^Date: (.*)$", open(r, errors="replace").read(), re.M)
        dates[os.path.basename(r)] = m.group(1) if m else "?"
    return write_text_set("debian_sections", rows), [], \
        f"apt-cache dumpavail short descriptions, sections {', '.join(DEB_SECTIONS)}, <=200 per section; " \
        f"apt lists: {json.dumps(dates)}"


SETS = {"digits8": build_digits8, "glyph28": build_glyph28, "emoji": build_emoji, "cards": build_cards,
        "fortune_topics": build_fortune_topics, "debian_sections": build_debian_sections,
        "fortune_lang": build_fortune_lang}
# Versions that decide a set's content besides the packages it reads (PIL renders the glyphs).
TOOLS = ["python3-sklearn", "python3-pil", "python3-numpy"]


def main(argv):
    force = "--force" in argv
    names = [a for a in argv if a != "--force"] or list(SETS)
    unknown = [n for n in names if n not in SETS]
    if unknown:
        sys.exit(f"make_sets: unknown set(s) {unknown}; sets: {' '.join(SETS)}")
    os.makedirs(CACHE, exist_ok=True)
    index_path = os.path.join(CACHE, "sets.json")
    index = json.load(open(index_path)) if os.path.exists(index_path) else {}
    tools = {p: pkg_version(p) for p in TOOLS}
    tools["make_sets.py"] = sha256(__file__)[:16]  # an edited builder rebuilds its sets
    for name in names:
        old = index.get(name)
        if not force and old and old.get("tools") == tools and all(
                pkg_version(p) == v for p, v in old["packages"].items()) and \
                os.path.exists(os.path.join(CACHE, name, old["test"])):
            print(f"{name}: up to date ({old['n_train']} train / {old['n_test']} test)", file=sys.stderr)
            continue
        print(f"{name}: building ...", file=sys.stderr)
        entry, pkgs, source = SETS[name]()
        entry.update(packages={p: pkg_version(p) for p in pkgs}, tools=tools, source=source,
                     seed=SEED, test_fraction=TEST_FRACTION)
        index[name] = entry
        with open(index_path, "w") as f:  # after each set, so an interrupted run keeps the rest
            json.dump(index, f, indent=1, sort_keys=True)
        print(f"{name}: {entry['n_train']} train / {entry['n_test']} test, {len(entry['classes'])} classes",
              file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])
