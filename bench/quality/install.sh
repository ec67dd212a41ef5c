#!/usr/bin/env bash
# Installs (as root, or through sudo) the Debian packages the quality suite reads its datasets
# from, plus python3-sklearn/PIL/numpy for the builders and baselines. Idempotent: apt-get skips
# what is already installed; the package lists are refreshed only when an install fails.
set -euo pipefail
PKGS=(
  python3 python3-numpy python3-sklearn python3-pil librsvg2-bin time unzip zip
  fonts-dejavu-core fonts-liberation fonts-freefont-ttf         # glyph28: rendered digits
  fonts-noto-color-emoji unicode-data                           # emoji: font + emoji-test.txt groups
  gnome-cards-data                                              # cards: aisleriot SVG decks
  fortune-mod fortunes fortunes-min                             # fortunes: topic files
  fortunes-de fortunes-it fortunes-es fortunes-br               # fortune_lang: 4 languages
)
SUDO=()
[[ "$(id -u)" -eq 0 ]] || SUDO=(sudo)
install() { "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${PKGS[@]}"; }
if ! install; then
  "${SUDO[@]}" apt-get update -q
  install
fi
