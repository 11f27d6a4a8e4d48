#!/usr/bin/env bash
# Checks the shim against libtorch 2.x without a GPU: builds it with CMake against Debian trixie's
# libtorch-dev 2.6 inside a debootstrap chroot, then runs the Unit tests (built here first with
# `dotnet build -c Release`) with that shim (TRANSFERKIT_NATIVE_DIR). Needs root and Debian's
# package mirror. Usage: sudo bash scripts/check-libtorch2.sh [CHROOT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
REPO="$(pwd)"
ROOT="${1:-/tmp/tk-trixie}"
if [[ ! -x "$ROOT/usr/bin/cmake" ]]; then
  command -v debootstrap > /dev/null || apt-get install -y debootstrap
  debootstrap --variant=minbase \
    --include=libtorch-dev,cmake,g++,make,libjpeg62-turbo-dev,libpng-dev,libopenblas0-pthread,ca-certificates,libicu76 \
    trixie "$ROOT" http://deb.debian.org/debian
fi
DOTNET_ROOT="$(dirname "$(readlink -f "$(command -v dotnet)")")"
mkdir -p "$ROOT/repo" "$ROOT/opt/dotnet"
mount --bind "$REPO" "$ROOT/repo"
mount --bind "$DOTNET_ROOT" "$ROOT/opt/dotnet"
mountpoint -q "$ROOT/proc" || mount -t proc proc "$ROOT/proc"
trap 'umount "$ROOT/repo" "$ROOT/opt/dotnet" "$ROOT/proc" 2>/dev/null || true' EXIT
chroot "$ROOT" /bin/bash -c '
  set -euo pipefail
  cd /repo
  rm -rf /tmp/tk-native-2x
  cmake -S src/TransferKit.Native -B /tmp/tk-native-2x -DCMAKE_BUILD_TYPE=Release | grep "TransferKit: libtorch"
  cmake --build /tmp/tk-native-2x --parallel "$(nproc)" > /tmp/tk-native-2x.log 2>&1 || { tail -40 /tmp/tk-native-2x.log; exit 1; }
  export HOME=/root DOTNET_CLI_TELEMETRY_OPTOUT=1 TRANSFERKIT_NATIVE_DIR=/tmp/tk-native-2x
  /opt/dotnet/dotnet test tests/TransferKit.Tests -c Release --no-build --filter Category=Unit
'
