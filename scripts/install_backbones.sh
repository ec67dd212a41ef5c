#!/usr/bin/env bash
# Installs the pretrained image backbones (issue 6) from the npm package nsfwjs@4.4.0 (MIT).
#
#   scripts/install_backbones.sh TRAINBOX_BINARY BACKBONES_DIR
#
# Idempotent; every step is skipped when its result is already there and current:
#   1. npm ci of tools/tfjs/package.json + package-lock.json in $CACHE/npm
#      (again only when the lock or package.json changed: a sha256 stamp)
#   2. tools/tfjs/unwrap_model.cjs: nsfwjs' UMD-wrapped models -> plain TF.js files in
#      $CACHE/tfjs/{mobilenet_v2,inception_v3} (again only when older than the npm install or
#      than unwrap_model.cjs)
#   3. TRAINBOX_BINARY backbones convert ... -> BACKBONES_DIR/NAME.{pt,json} (again only when
#      NAME.json/NAME.pt are missing, older than TRAINBOX_BINARY, or NAME.json's recorded source
#      sha256s differ from the files)
# CACHE is ${TRAINBOX_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/trainbox}. Needs node, and npm
# (with the npm registry reachable) unless the cache already holds the packages.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/tools/tfjs"

PACKAGE=nsfwjs
PACKAGE_VERSION=4.4.0
LICENCE=MIT
MODELS=(mobilenet_v2 inception_v3)

say() { echo "install_backbones: $*"; }
die() { echo "install_backbones: error: $*" >&2; exit 1; }

if [ "$#" -ne 2 ]; then
  echo "usage: $0 TRAINBOX_BINARY BACKBONES_DIR" >&2
  exit 2
fi
BINARY="$1"
BACKBONES_DIR="$2"
case "$BINARY" in
  */*) [ -x "$BINARY" ] || die "$BINARY is not an executable file (build it first: make)" ;;
  *) command -v "$BINARY" >/dev/null 2>&1 || die "$BINARY is not an executable on PATH" ;;
esac

command -v node >/dev/null 2>&1 ||
  die "node is missing: install Node.js 18+ (Debian: apt-get install nodejs npm)"
for f in package.json package-lock.json unwrap_model.cjs; do
  [ -f "$TOOLS/$f" ] || die "$TOOLS/$f is missing"
done

CACHE="${TRAINBOX_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/trainbox}"
NPM_DIR="$CACHE/npm"
STAMP="$NPM_DIR/.trainbox-npm-stamp"
mkdir -p "$NPM_DIR" "$CACHE/tfjs"

# One install at a time per cache (flock is in util-linux; without it, no lock).
if command -v flock >/dev/null 2>&1; then
  exec 9>"$CACHE/.install_backbones.lock"
  flock 9
fi

elapsed() { echo "$(( $(date +%s) - $1 ))s"; }

# --- 1. npm packages ------------------------------------------------------------------------
want_stamp="$(cat "$TOOLS/package.json" "$TOOLS/package-lock.json" | sha256sum | cut -d' ' -f1)"
have_stamp="$(cat "$STAMP" 2>/dev/null || true)"
if [ "$want_stamp" = "$have_stamp" ] &&
   [ -f "$NPM_DIR/node_modules/$PACKAGE/package.json" ] &&
   [ -f "$NPM_DIR/node_modules/@tensorflow/tfjs/package.json" ]; then
  say "npm packages up to date in $NPM_DIR"
else
  command -v npm >/dev/null 2>&1 ||
    die "npm is missing: install npm (Debian: apt-get install npm); it fetches $PACKAGE@$PACKAGE_VERSION"
  say "npm ci in $NPM_DIR ($PACKAGE@$PACKAGE_VERSION, @tensorflow/tfjs)"
  start=$(date +%s)
  rm -f "$STAMP"
  cp "$TOOLS/package.json" "$NPM_DIR/package.json.tmp.$$"
  mv -f "$NPM_DIR/package.json.tmp.$$" "$NPM_DIR/package.json"
  cp "$TOOLS/package-lock.json" "$NPM_DIR/package-lock.json.tmp.$$"
  mv -f "$NPM_DIR/package-lock.json.tmp.$$" "$NPM_DIR/package-lock.json"
  # --ignore-scripts: nothing here needs an install script (core-js' postinstall only prints).
  # --loglevel=error: nsfwjs declares engines node 22.13.0 exactly; that warning is noise.
  (cd "$NPM_DIR" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error) ||
    die "npm ci failed in $NPM_DIR (is the npm registry reachable?)"
  got="$(node -p "require('$NPM_DIR/node_modules/$PACKAGE/package.json').version")"
  [ "$got" = "$PACKAGE_VERSION" ] || die "npm installed $PACKAGE@$got, expected $PACKAGE_VERSION"
  echo "$want_stamp" >"$STAMP.tmp.$$"
  mv -f "$STAMP.tmp.$$" "$STAMP"
  say "npm ci done in $(elapsed "$start")"
fi

# --- 2. unwrap the models -------------------------------------------------------------------
for name in "${MODELS[@]}"; do
  out="$CACHE/tfjs/$name"
  src="$NPM_DIR/node_modules/$PACKAGE/dist/models/$name"
  [ -f "$src/model.min.js" ] || die "$src/model.min.js is missing from the installed $PACKAGE"
  if [ -f "$out/model.json" ] && [ -f "$out/classes.json" ] &&
     [ "$out/model.json" -nt "$STAMP" ] && [ "$out/model.json" -nt "$TOOLS/unwrap_model.cjs" ]; then
    say "$name: TF.js files up to date in $out"
    continue
  fi
  say "$name: unwrapping $src"
  start=$(date +%s)
  # Into a fresh folder, then swapped in, so no stale shard survives a re-unwrap.
  rm -rf "$out.tmp" "$out.old"
  node "$TOOLS/unwrap_model.cjs" "$src" "$out.tmp" | sed "s/^/install_backbones: $name: /"
  [ -f "$out.tmp/model.json" ] || die "unwrap_model.cjs wrote no $out.tmp/model.json"
  if [ -e "$out" ]; then mv "$out" "$out.old"; fi
  mv "$out.tmp" "$out"
  rm -rf "$out.old"
  say "$name: unwrapped in $(elapsed "$start")"
done

# --- 3. convert to TorchScript --------------------------------------------------------------
# The files a conversion reads: model.json and the shards its weightsManifest names.
source_files() {
  node -e '
    const m = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const files = ["model.json"];
    for (const g of m.weightsManifest) files.push(...g.paths);
    process.stdout.write(files.join("\n") + "\n");' "$1/model.json"
}

# Exit 0 when BACKBONES_DIR/NAME.{json,pt} exist and NAME.json's source hashes (source.files_sha256,
# or source.files) match the current files of TFJS_DIR: every file recorded must hash the same,
# and model.json plus every shard must be among them.
is_current() {
  local name="$1" tfjs="$2" json="$BACKBONES_DIR/$1.json"
  [ -s "$json" ] && [ -s "$BACKBONES_DIR/$name.pt" ] || return 1
  # A rebuilt converter may build the network differently: convert again (2-3 s).
  [ "$json" -nt "$BINARY" ] || return 1
  local hashes
  hashes="$(cd "$tfjs" && source_files "$tfjs" | while IFS= read -r f; do
    [ -f "$f" ] || exit 1
    printf '%s\n' "$(sha256sum -- "$f" | cut -d' ' -f1) $f"
  done)" || return 1
  HASHES="$hashes" node -e '
    const fs = require("fs");
    let meta;
    try { meta = JSON.parse(fs.readFileSync(process.argv[1], "utf8")); } catch (e) { process.exit(1); }
    const src = (meta && meta.source) || {};
    const recorded = src.files_sha256 || src.files;
    if (!recorded || typeof recorded !== "object") process.exit(1);
    const current = {};
    for (const line of process.env.HASHES.split("\n").filter(Boolean)) {
      const i = line.indexOf(" ");
      current[line.slice(i + 1)] = line.slice(0, i);
    }
    for (const f of Object.keys(current)) if (recorded[f] !== current[f]) process.exit(1);
    for (const f of Object.keys(recorded)) {
      if (f in current) continue;
      // recorded but not a model file (e.g. classes.json): hash it too
      const p = require("path").join(process.argv[2], f);
      if (!fs.existsSync(p)) process.exit(1);
      const h = require("crypto").createHash("sha256").update(fs.readFileSync(p)).digest("hex");
      if (h !== recorded[f]) process.exit(1);
    }
  ' "$json" "$tfjs"
}

for name in "${MODELS[@]}"; do
  tfjs="$CACHE/tfjs/$name"
  if is_current "$name" "$tfjs"; then
    say "$name: backbone up to date in $BACKBONES_DIR ($name.pt, $name.json)"
    continue
  fi
  say "$name: converting to $BACKBONES_DIR/$name.pt"
  start=$(date +%s)
  "$BINARY" backbones convert --tfjs-dir "$tfjs" --name "$name" --out "$BACKBONES_DIR" \
    --package "$PACKAGE" --package-version "$PACKAGE_VERSION" --licence "$LICENCE" \
    --model-path "dist/models/$name" ||
    die "$name: '$BINARY backbones convert' failed"
  is_current "$name" "$tfjs" ||
    die "$name: the converter wrote no $name.pt, or a $name.json whose source.files_sha256 does not match $tfjs"
  say "$name: converted in $(elapsed "$start")"
done

say "done: backbones ${MODELS[*]} in $BACKBONES_DIR"
