#!/usr/bin/env bash
# Publishes TransferKit.GpuCheck (the CUDA tests + the GPU step benchmark) self-contained and trimmed
# for linux-x64 into .gpu/gpucheck.tar.xz (ignored by git), for a GPU machine that has no .NET.
# device-check.sh unpacks it there and points it at a shim built on that machine. The shim built here
# (against Debian's CPU libtorch) is left out.
set -euo pipefail
cd "$(dirname "$0")/../.."
PUB="$(mktemp -d)"
trap 'rm -rf "$PUB"' EXIT
if ! dotnet publish benchmarks/gpu/TransferKit.GpuCheck -c Release -r linux-x64 --self-contained -p:PublishTrimmed=true -o "$PUB" > "$PUB.log" 2>&1; then
  grep -E " error " "$PUB.log" | sort -u | head -20
  echo "publish failed (log: $PUB.log)"
  exit 1
fi
rm -f "$PUB/libTransferKitNative.so" "$PUB"/*.pdb
mkdir -p .gpu
tar -cJf .gpu/gpucheck.tar.xz -C "$PUB" .
echo "published $(du -sh "$PUB" | cut -f1) -> .gpu/gpucheck.tar.xz $(du -h .gpu/gpucheck.tar.xz | cut -f1)"
