#!/usr/bin/env bash
# Installs what trainbox needs to build, test and run, from Debian's archive (and npm for the web
# page, see scripts/install_web_deps.sh). Idempotent: installs only what is missing.
# Works as root or through sudo.
set -euo pipefail

PACKAGES=(
  # build
  build-essential cmake ccache pkg-config git zip unzip
  # lint and fuzzing (clang-format, clang-tidy, libFuzzer + sanitizer runtimes)
  clang clang-format clang-tidy libclang-rt-14-dev
  # C++ libraries
  libtorch-dev libcpp-httplib-dev nlohmann-json3-dev libsqlite3-dev libzip-dev libspdlog-dev
  libfmt-dev libcli11-dev libexpected-dev libcurl4-openssl-dev libssl-dev
  # image decoding
  libjpeg-dev libpng-dev libwebp-dev libgif-dev libexif-dev
  # faster BLAS for LibTorch (OpenMP build; the pthread build fights LibTorch's threads)
  libopenblas0-openmp
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev python3-torch sqlite3 chromium
  # scale-out backends (libpqxx, hiredis) and the real servers their tests start on loopback
  libpqxx-dev libhiredis-dev postgresql redis-server
)

missing=()
for package in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  missing+=(nodejs npm)
fi

if [ ${#missing[@]} -eq 0 ]; then
  echo "install_deps: all Debian packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install_deps: run as root or install sudo" >&2; exit 1; }
  SUDO="sudo"
fi
echo "install_deps: installing ${missing[*]}"
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
