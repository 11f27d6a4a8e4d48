#!/usr/bin/env bash
# How much of a data-parallel step overlapping the gradient all-reduce with backward could save:
# 2 ranks on 127.0.0.1 (FileStore rendezvous, 1 intra-op thread each) time forward+backward and the
# trainer's bucketed all-reduce separately (TransferKit.Benchmarks allreduce; see AllReduceProbe.cs).
#   bash benchmarks/allreduce-overlap.sh [resnet18|small_cnn] [BATCH per rank] [REPS]
set -euo pipefail
cd "$(dirname "$0")/.."
model=${1:-resnet18} batch=${2:-16} reps=${3:-10}
dotnet build benchmarks/TransferKit.Benchmarks -c Release 2>&1 | grep -E " error |Build succeeded" | sort -u
dll=benchmarks/TransferKit.Benchmarks/bin/Release/net10.0/TransferKit.Benchmarks.dll
store=$(mktemp -u /tmp/tk-allreduce-XXXXXX)
trap 'rm -f "$store"' EXIT
dotnet "$dll" allreduce "$store" 1 2 "$model" "$batch" "$reps" &
other=$!
dotnet "$dll" allreduce "$store" 0 2 "$model" "$batch" "$reps"
wait "$other"
