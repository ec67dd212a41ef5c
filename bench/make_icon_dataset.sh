#!/usr/bin/env bash
# Builds a small REAL image dataset offline from Debian packages: icons of the KDE Breeze theme
# (breeze-icon-theme, SVG) rendered with rsvg-convert at 128 px onto white, RGB PNG, one folder
# per icon category. For benchmarks that compare a pretrained-backbone head with training from
# scratch on real (not generated) pictures.
#
#   bench/make_icon_dataset.sh OUT_DIR [PER_CLASS]     (PER_CLASS default 60)
#
# Writes OUT_DIR/<class>/<icon-name>.png, OUT_DIR/.manifest.tsv (where each image came from;
# trainbox ignores dot files) and OUT_DIR.zip (the class folders, ready for POST /api/v1/tasks or
# `trainbox train`). Installs breeze-icon-theme, librsvg2-bin and python3-pil with apt-get when
# missing (through sudo when not root). Idempotent and deterministic: a rerun with the same
# package versions gives byte-identical PNGs and zip. An existing OUT_DIR is replaced only when it
# was made by this script (has .manifest.tsv) or is empty.
#
# Selection, per class: every non-symbolic SVG under /usr/share/icons/breeze/<class>/<size>/, one
# file per icon name (the largest design size). Symlinks are resolved and files with identical
# bytes count once; an image found under two classes is dropped from both (ambiguous label).
# Candidates are ordered by sha256 of the icon name and rendered in that order; a rendering that
# is blank or pixel-identical to one already taken is skipped, until PER_CLASS are taken.
#
# Environment: ICON_CLASSES (default "actions apps devices mimetypes places status"),
# ICON_SIZE (default 128).
set -euo pipefail

usage() {
  echo "usage: $0 OUT_DIR [PER_CLASS]" >&2
  exit 2
}
[[ $# -ge 1 && $# -le 2 && -n "$1" ]] || usage
OUT_DIR="${1%/}"
PER_CLASS="${2:-60}"
[[ "$PER_CLASS" =~ ^[1-9][0-9]*$ ]] || { echo "PER_CLASS must be a positive integer" >&2; exit 2; }
CLASSES="${ICON_CLASSES:-actions apps devices mimetypes places status}"
SIZE="${ICON_SIZE:-128}"
[[ "$SIZE" =~ ^[1-9][0-9]*$ ]] || { echo "ICON_SIZE must be a positive integer" >&2; exit 2; }
THEME_PKG=breeze-icon-theme
THEME_DIR=/usr/share/icons/breeze
PY=/usr/bin/python3

# --- install what is missing -------------------------------------------------------------------
need=()
[[ -f "$THEME_DIR/index.theme" ]] || need+=("$THEME_PKG")
command -v rsvg-convert >/dev/null 2>&1 || need+=(librsvg2-bin)
if [[ ! -x "$PY" ]]; then
  need+=(python3 python3-pil)
elif ! "$PY" -c 'import PIL' >/dev/null 2>&1; then
  need+=(python3-pil)
fi
if [[ ${#need[@]} -gt 0 ]]; then
  SUDO=()
  [[ "$(id -u)" -eq 0 ]] || SUDO=(sudo)
  echo "installing: ${need[*]}" >&2
  apt_install() {
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
      apt-get install -y -q --no-install-recommends "${need[@]}" >&2
  }
  if ! apt_install; then
    "${SUDO[@]}" apt-get update -q >&2
    apt_install
  fi
fi
THEME_VERSION="$(dpkg-query -W -f='${Version}' "$THEME_PKG" 2>/dev/null || echo unknown)"

# --- select, render, write, zip ------------------------------------------------------------------
"$PY" - "$OUT_DIR" "$PER_CLASS" "$SIZE" "$THEME_DIR" "$THEME_PKG" "$THEME_VERSION" "$CLASSES" <<'PY'
import collections, concurrent.futures, hashlib, io, os, re, shutil, subprocess, sys, tempfile
import zipfile
from PIL import Image

out_dir, per_class, size, theme_dir, pkg, version = sys.argv[1:7]
per_class, size = int(per_class), int(size)
classes = sorted(set(" ".join(sys.argv[7:]).split()))
if len(classes) < 2:
    sys.exit("need at least 2 classes")

def sha(data):
    return hashlib.sha256(data).hexdigest()

# 1. one file per (class, icon name): the largest numeric size folder (symlinked folders such as
#    16@2x are not followed; they repeat the plain ones).
best = {}
for cls in classes:
    cdir = os.path.join(theme_dir, cls)
    if not os.path.isdir(cdir):
        sys.exit(f"{cdir} not found (is {pkg} installed?)")
    for sub in os.listdir(cdir):
        sdir = os.path.join(cdir, sub)
        if not re.fullmatch(r"\d+", sub) or os.path.islink(sdir) or not os.path.isdir(sdir):
            continue
        for f in os.listdir(sdir):
            if not f.endswith(".svg") or "symbolic" in f:
                continue
            path = os.path.join(sdir, f)
            if not os.path.isfile(path):  # broken symlink
                continue
            key = (cls, f[:-4])
            if key not in best or int(sub) > best[key][0]:
                best[key] = (int(sub), path)

# 2. dedupe: resolved path, then bytes; drop images that appear under more than one class.
by_class = collections.defaultdict(dict)  # cls -> sha -> (name, path)
owners = collections.defaultdict(set)
digest_of_real = {}
for (cls, name), (_, path) in sorted(best.items()):
    real = os.path.realpath(path)
    if real not in digest_of_real:
        with open(real, "rb") as fh:
            digest_of_real[real] = sha(fh.read())
    digest = digest_of_real[real]
    owners[digest].add(cls)
    if digest not in by_class[cls]:  # sorted order: keeps the alphabetically first name
        by_class[cls][digest] = (name, path)
candidates = {}
for cls in classes:
    items = [(n, p, d) for d, (n, p) in by_class[cls].items() if len(owners[d]) == 1]
    items.sort(key=lambda t: (sha(t[0].encode()), t[0]))
    candidates[cls] = items

# 3. render in candidate order; skip failed/blank renderings and pixel duplicates.
def render(path):
    r = subprocess.run(["rsvg-convert", "-w", str(size), "-h", str(size), "-a", "-b", "white",
                        path], capture_output=True)
    if r.returncode != 0 or not r.stdout:
        return None
    try:
        im = Image.open(io.BytesIO(r.stdout))
        im.load()
    except Exception:
        return None
    im = im.convert("RGBA")
    canvas = Image.new("RGBA", (size, size), (255, 255, 255, 255))
    canvas.alpha_composite(im, ((size - im.width) // 2, (size - im.height) // 2))
    rgb = canvas.convert("RGB")
    lo, hi = rgb.convert("L").getextrema()
    if lo > 250:  # blank
        return None
    buf = io.BytesIO()
    rgb.save(buf, format="PNG", optimize=True)
    return sha(rgb.tobytes()), buf.getvalue()

parent = os.path.dirname(os.path.abspath(out_dir))
os.makedirs(parent, exist_ok=True)
stage = tempfile.mkdtemp(prefix=os.path.basename(out_dir) + ".tmp-", dir=parent)
seen_pixels = set()
chosen = {}
manifest = [f"# {pkg} {version}, {size} px, per class {per_class}",
            "class\tfile\tsource\tsvg_sha256"]
workers = max(2, 2 * (os.cpu_count() or 1))
try:
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        for cls in classes:
            os.makedirs(os.path.join(stage, cls))
            taken, items, i = [], candidates[cls], 0
            while len(taken) < per_class and i < len(items):
                batch = items[i:i + max(workers, per_class - len(taken) + 4)]
                i += len(batch)
                for (name, path, digest), res in zip(batch, pool.map(lambda t: render(t[1]), batch)):
                    if len(taken) >= per_class or res is None or res[0] in seen_pixels:
                        continue
                    seen_pixels.add(res[0])
                    with open(os.path.join(stage, cls, name + ".png"), "wb") as fh:
                        fh.write(res[1])
                    taken.append(name)
                    manifest.append(f"{cls}\t{name}.png\t{os.path.relpath(path, theme_dir)}\t{digest}")
            chosen[cls] = (sorted(taken), len(items))
    with open(os.path.join(stage, ".manifest.tsv"), "w") as fh:
        fh.write("\n".join(manifest) + "\n")

    # replace OUT_DIR only if it is ours (or empty)
    if os.path.lexists(out_dir):
        if not os.path.isdir(out_dir) or os.path.islink(out_dir):
            sys.exit(f"{out_dir} exists and is not a directory made by this script")
        if os.listdir(out_dir) and not os.path.isfile(os.path.join(out_dir, ".manifest.tsv")):
            sys.exit(f"{out_dir} is not empty and was not made by this script; not replacing it")
        shutil.rmtree(out_dir)
    os.rename(stage, out_dir)
    stage = None
finally:
    if stage:
        shutil.rmtree(stage, ignore_errors=True)

# deterministic zip: sorted entries, fixed timestamps, PNGs stored (already compressed)
zip_path = out_dir + ".zip"
tmp_zip = zip_path + ".tmp"
with zipfile.ZipFile(tmp_zip, "w", zipfile.ZIP_STORED) as z:
    for cls in classes:
        for name in chosen[cls][0]:
            info = zipfile.ZipInfo(f"{cls}/{name}.png", date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            with open(os.path.join(out_dir, cls, name + ".png"), "rb") as fh:
                z.writestr(info, fh.read())
os.replace(tmp_zip, zip_path)

total = 0
print(f"{pkg} {version}: {len(classes)} classes, {size}x{size} RGB PNG")
for cls in classes:
    n, avail = len(chosen[cls][0]), chosen[cls][1]
    total += n
    note = "" if n >= per_class else f"  (only {n} usable, wanted {per_class})"
    print(f"  {cls:<10} {n:4d}  (of {avail} distinct){note}")
    if n < per_class:
        print(f"warning: class {cls} has {n} < {per_class} images", file=sys.stderr)
print(f"  total      {total:4d}")
print(f"{out_dir}/  {zip_path} ({os.path.getsize(zip_path) // 1024} KiB)")
PY
