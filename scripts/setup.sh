#!/usr/bin/env bash
# Installs what TransferKit needs to build and run on Debian/Ubuntu, by package name.
# Idempotent: does nothing (no apt call at all) when everything is already installed.
#
#   bash scripts/setup.sh            build + run: cmake, g++, libtorch, an optimized BLAS
#   bash scripts/setup.sh --python   also PyTorch for Python (reference for parity tests and benchmarks)
#   bash scripts/setup.sh --browser  also Chromium (the tests render the HTML training report headless)
set -euo pipefail

packages=(
  cmake                 # configures the native shim
  g++                   # compiles it (C++17)
  make
  libtorch-dev          # libtorch 1.13 (CPU) headers, CMake config and libraries
  libopenblas0-pthread  # multi-threaded BLAS for Linear layers (the default reference BLAS is single-threaded)
  libjpeg62-turbo-dev   # JPEG decoding in the shim (libjpeg-turbo, the library Pillow uses)
  libpng-dev            # PNG decoding in the shim
  fonts-dejavu-core     # text in TransferKit.Reports' plots (SkiaSharp's Linux assets read fonts from /usr/share/fonts)
  libgloo-dev           # Gloo headers: the shim's data-parallel training (c10d ProcessGroupGloo, src/distributed.cpp)
)
for arg in "$@"; do
  case "$arg" in
    --python) packages+=(python3-torch python3-torchvision python3-torchaudio) ;;
    --browser) packages+=(chromium) ;;
    *) echo "setup.sh: unknown option $arg (known: --python, --browser)" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} > 0)); then
  echo "setup.sh: installing ${missing[*]}"
  sudo_cmd=()
  if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -q
  "${sudo_cmd[@]}" apt-get install -y -q "${missing[@]}"
fi

if ! command -v dotnet >/dev/null 2>&1; then
  echo "setup.sh: the .NET SDK (10.0) is required and was not found on PATH" >&2
  exit 1
fi
