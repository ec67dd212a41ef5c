#!/usr/bin/python3
"""Builds the scale benchmark's datasets offline from installed Debian packages (bench/quality/scale.sh).

    make_scale_sets.py [--force] [glyphs] [texts]        (default: both)

Writes, under $TRAINBOX_BENCH_SCALE (default ~/.cache/trainbox-bench/scale):
  glyphs_1000.zip, glyphs_10000.zip, glyphs_50000.zip
      36 classes (digits 0-9, capitals A-Z), 28x28 grey PNG, one folder per class (the folder is
      the character). Every image is a distinct render of a real font: the 34 TTFs of
      make_sets.GLYPH_FONT_PKGS (the fonts of glyph28), each character drawn again and again with
      a seeded jitter (size 15-24 px, offset +-3 px, rotation +-15 deg); a render that repeats an
      earlier one byte for byte is drawn again with the next seed. The sets are nested: the first
      N renders of one fixed sequence, in which every pass over the 36 x 34 (character, font)
      pairs is ordered so that any prefix has the classes balanced within one image and spans
      all fonts.
  texts_10000.csv, texts_1000000.csv       columns text,label
      Real rows: the short description of every package `apt-cache dumpavail` knows plus the
      long-description lines of the installed packages (/var/lib/dpkg/status), labelled by the
      package's Section (component prefix dropped); texts under two sections and repeats are
      dropped, sections with fewer than MIN_PER_SECTION rows left out. texts_10000 is a seeded
      sample of the real rows. There are far fewer than 1,000,000 real rows (~65,000 on
      bookworm), so texts_1000000 is every real row once, then copies of real rows (cycling
      through a seeded permutation) with small seeded changes (drop a word, swap two neighbours,
      repeat a word; changes pile up, and after four a word of another row of the same section
      goes in, until the text is in no row yet: all 1,000,000 texts are distinct, as trainbox
      skips repeated rows). Only its time and memory mean anything, not its accuracy (near-copies
      of one row sit on both sides of a validation split).
  sets.json   per file: kind, rows/images, classes, how many are real, sha256, package versions
Deterministic (sorted inputs, fixed seeds, fixed zip timestamps). Files already built from the
same package versions, apt lists and make_scale_sets.py are kept unless --force.
"""
import csv
import glob
import hashlib
import io
import json
import os
import random
import re
import subprocess
import sys
import zipfile

from PIL import Image, ImageDraw, ImageFont

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_sets import GLYPH_FONT_PKGS, png_bytes, pkg_files, pkg_version, sha256, unique_rows  # noqa: E402

SEED = 1
CACHE = os.environ.get("TRAINBOX_BENCH_SCALE") or os.path.expanduser("~/.cache/trainbox-bench/scale")
IMAGE_SIZES = [1000, 10000, 50000]
TEXT_SIZES = [10000, 1000000]
GLYPH_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
MIN_PER_SECTION = 100
TOOLS = ["python3-pil", "python3-numpy", "python3-sklearn"]
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


# --- glyphs ---------------------------------------------------------------------------------------
def glyph_fonts():
    return [p for pkg in GLYPH_FONT_PKGS for p in pkg_files(pkg) if p.endswith(".ttf") and "Math" not in p]


def glyph_sequence(fonts, n):
    """(character, font index, pass) of the first n renders. Pass k visits every (character, font)
    pair once, in rounds j = 0..F-1 of all 36 characters, character c drawn in font (j + c) % F,
    so any prefix is balanced across classes and, from 36 renders on, uses many fonts."""
    out, k = [], 0
    while len(out) < n:
        for j in range(len(fonts)):
            for c, ch in enumerate(GLYPH_CHARS):
                out.append((ch, (j + c) % len(fonts), k))
        k += 1
    return out[:n]


def render_glyphs(n):
    fonts = glyph_fonts()
    cache = {}  # (font index, size) -> FreeTypeFont
    seen, items, redraws = set(), [], 0
    for ch, fi, k in glyph_sequence(fonts, n):
        stem = os.path.splitext(os.path.basename(fonts[fi]))[0]
        attempt = 0
        while True:
            # str seeds are hashed (sha512) by random.Random: the same on every run and machine
            rng = random.Random(f"{SEED}/{stem}/{ch}/{k}/{attempt}")
            size = rng.randint(15, 24)
            if (fi, size) not in cache:
                cache[(fi, size)] = ImageFont.truetype(fonts[fi], size)
            font = cache[(fi, size)]
            img = Image.new("L", (56, 56), 255)  # draw big, rotate, crop the middle (as glyph28)
            draw = ImageDraw.Draw(img)
            x0, y0, x1, y1 = draw.textbbox((0, 0), ch, font=font)
            dx, dy = rng.randint(-3, 3), rng.randint(-3, 3)
            draw.text((28 - (x0 + x1) / 2 + dx, 28 - (y0 + y1) / 2 + dy), ch, font=font, fill=0)
            img = img.rotate(rng.uniform(-15, 15), resample=Image.Resampling.BILINEAR, fillcolor=255)
            img = img.crop((14, 14, 42, 42))
            key = img.tobytes()
            if key not in seen:
                break
            attempt += 1
            redraws += 1
        seen.add(key)
        items.append((ch, f"{stem}-{k}", png_bytes(img)))
    return items, fonts, redraws


def build_glyphs(sizes):
    items, fonts, redraws = render_glyphs(max(sizes))
    out = {}
    for n in sizes:
        name = f"glyphs_{n}.zip"
        path = os.path.join(CACHE, name)
        with zipfile.ZipFile(path + ".tmp", "w", zipfile.ZIP_STORED) as z:
            for ch, stem, data in sorted(items[:n]):
                z.writestr(zipfile.ZipInfo(f"{ch}/{stem}.png", date_time=ZIP_TIME), data)
        os.replace(path + ".tmp", path)
        classes = {}
        for ch, _, _ in items[:n]:
            classes[ch] = classes.get(ch, 0) + 1
        out[name] = {"kind": "image", "n": n, "real_distinct": n, "classes": dict(sorted(classes.items())), "side": 28,
                     "mode": "L", "fonts": len(fonts), "redraws_of_repeated_renders": redraws,
                     "sha256": sha256(path),
                     "source": f"characters {GLYPH_CHARS} rendered from {len(fonts)} TTFs, seeded jitter; "
                               f"first {n} of one nested sequence"}
    return out, GLYPH_FONT_PKGS


# --- texts ----------------------------------------------------------------------------------------
def stanzas(text):
    for stanza in text.split("\n\n"):
        fields, long_lines, key = {}, [], None
        for line in stanza.split("\n"):
            if line and not line[0].isspace() and ":" in line:
                key, value = line.split(":", 1)
                fields[key] = value.strip()
            elif line.startswith(" ") and key == "Description":
                long_lines.append(line[1:])
        if fields:
            yield fields, long_lines


def real_text_rows():
    rows = []
    dump = subprocess.run(["apt-cache", "dumpavail"], capture_output=True, text=True, check=True).stdout
    sections = {}  # package -> section, for the installed packages' long descriptions
    for fields, _ in stanzas(dump):
        section = fields.get("Section", "").split("/")[-1]
        if section and fields.get("Package"):
            sections.setdefault(fields["Package"], section)
        if section and fields.get("Description"):
            rows.append((" ".join(fields["Description"].split()), section))
    short = len(rows)
    status = open("/var/lib/dpkg/status", encoding="utf-8", errors="replace").read()
    for fields, long_lines in stanzas(status):
        section = fields.get("Section", "").split("/")[-1] or sections.get(fields.get("Package"), "")
        for line in long_lines:
            line = " ".join(line.split())
            if section and line != "." and len(line.split()) >= 3:
                rows.append((line, section))
    rows = unique_rows(sorted(rows))
    per = {}
    for _, label in rows:
        per[label] = per.get(label, 0) + 1
    rows = [r for r in rows if per[r[1]] >= MIN_PER_SECTION]
    return rows, short, len(rows)


def perturb(text, rng, donor=None):
    """One small change: drop a word, swap two neighbours or repeat a word; with donor (a text),
    insert one of its words instead (when the small changes keep giving texts already used)."""
    words = text.split()
    op = rng.randrange(3) if donor is None else 3
    if op == 0 and len(words) > 2:
        del words[rng.randrange(len(words))]
    elif op == 1 and len(words) > 1:
        i = rng.randrange(len(words) - 1)
        words[i], words[i + 1] = words[i + 1], words[i]
    elif op == 3:
        words.insert(rng.randrange(len(words) + 1), rng.choice(donor.split()))
    else:
        i = rng.randrange(len(words))
        words.insert(i, words[i])
    return " ".join(words)


def distinct_copy(text, rng, seen, same_label):
    """A perturbed copy of text that is in no row yet: trainbox skips repeated rows, so the big set
    must have as many distinct texts as rows. Changes pile up until the text is new (after 4
    small ones, a word of another row of the same section goes in)."""
    for tries in range(64):
        text = perturb(text, rng, rng.choice(same_label) if tries >= 4 else None)
        if text not in seen:
            return text
    raise RuntimeError(f"no distinct copy of {text!r} after 64 changes")


def build_texts(sizes):
    real, n_short, n_real = real_text_rows()
    releases = sorted(glob.glob("/var/lib/apt/lists/*InRelease"))
    dates = {}
    for r in releases:
        m = re.search(r"^Date: (.*)$", open(r, errors="replace").read(), re.M)
        dates[os.path.basename(r)] = m.group(1) if m else "?"
    out = {}
    for n in sizes:
        rng = random.Random(SEED)
        if n <= len(real):
            rows = rng.sample(real, n)
        else:
            rows = list(real)
            rng.shuffle(rows)
            order = list(range(len(real)))
            rng.shuffle(order)
            seen = {t for t, _ in real}
            by_label = {}
            for t, label in real:
                by_label.setdefault(label, []).append(t)
            for j in range(n - len(real)):
                text, label = real[order[j % len(real)]]
                text = distinct_copy(text, rng, seen, by_label[label])
                seen.add(text)
                rows.append((text, label))
            del seen
            rng.shuffle(rows)
        name = f"texts_{n}.csv"
        path = os.path.join(CACHE, name)
        with open(path + ".tmp", "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["text", "label"])
            w.writerows(rows)
        os.replace(path + ".tmp", path)
        classes = {}
        for _, label in rows:
            classes[label] = classes.get(label, 0) + 1
        real_rows = min(n, len(real))
        out[name] = {"kind": "text", "n": n, "real_distinct": real_rows, "perturbed_copies": n - real_rows,
                     "distinct_texts": len({t for t, _ in rows}), "classes": dict(sorted(classes.items())),
                     "mean_chars": round(sum(len(t) for t, _ in rows) / n, 1), "sha256": sha256(path),
                     "source": f"apt-cache dumpavail short descriptions ({n_short} packages) + long-description "
                               f"lines of installed packages, by Section (>= {MIN_PER_SECTION} rows each): "
                               f"{n_real} real distinct rows; apt lists: {json.dumps(dates)}"}
    return out, []


def apt_lists_digest():
    h = hashlib.sha256()
    for p in sorted(glob.glob("/var/lib/apt/lists/*InRelease")) + ["/var/lib/dpkg/status"]:
        h.update(p.encode())
        h.update(open(p, "rb").read())
    return h.hexdigest()[:16]


def main(argv):
    force = "--force" in argv
    kinds = [a for a in argv if a != "--force"] or ["glyphs", "texts"]
    builders = {"glyphs": (build_glyphs, IMAGE_SIZES, "glyphs_{}.zip"), "texts": (build_texts, TEXT_SIZES, "texts_{}.csv")}
    unknown = [k for k in kinds if k not in builders]
    if unknown:
        sys.exit(f"make_scale_sets: unknown set(s) {unknown}; sets: {' '.join(builders)}")
    os.makedirs(CACHE, exist_ok=True)
    index_path = os.path.join(CACHE, "sets.json")
    index = json.load(open(index_path)) if os.path.exists(index_path) else {}
    tools = {p: pkg_version(p) for p in TOOLS}
    tools["make_scale_sets.py"] = sha256(__file__)[:16]
    tools["make_sets.py"] = sha256(os.path.join(os.path.dirname(os.path.abspath(__file__)), "make_sets.py"))[:16]
    for kind in kinds:
        build, sizes, pattern = builders[kind]
        if kind == "texts":
            tools_k = dict(tools, apt_lists=apt_lists_digest())
        else:
            tools_k = tools
        names = [pattern.format(n) for n in sizes]
        olds = [index.get(n) for n in names]
        if not force and all(o and o.get("tools") == tools_k and os.path.exists(os.path.join(CACHE, n))
                             and all(pkg_version(p) == v for p, v in o["packages"].items())
                             for n, o in zip(names, olds)):
            print(f"{kind}: up to date ({', '.join(names)})", file=sys.stderr)
            continue
        print(f"{kind}: building {', '.join(names)} ...", file=sys.stderr)
        entries, pkgs = build(sizes)
        for name, entry in entries.items():
            entry.update(packages={p: pkg_version(p) for p in pkgs}, tools=tools_k, seed=SEED)
            index[name] = entry
            print(f"{name}: {entry['n']} ({entry['real_distinct']} real distinct), "
                  f"{len(entry['classes'])} classes", file=sys.stderr)
        with open(index_path, "w") as f:
            json.dump(index, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    main(sys.argv[1:])
