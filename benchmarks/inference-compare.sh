#!/usr/bin/env bash
# resnet18 inference images/s at batch 64, 224x224: TransferKit and PyTorch back to back, in
# alternating order, with the same OpenMP wait policy (default PASSIVE) and 2 threads on both sides.
#   bash benchmarks/inference-compare.sh [ROUNDS] [REPS]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-2}
reps=${2:-5}
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
dotnet build benchmarks/TransferKit.Benchmarks -c Release -v q >/dev/null
tk() { dotnet benchmarks/TransferKit.Benchmarks/bin/Release/net10.0/TransferKit.Benchmarks.dll inference "$reps"; }
py() { /usr/bin/python3 benchmarks/pytorch/inference_bench.py "$reps"; }
echo "OMP_WAIT_POLICY=$OMP_WAIT_POLICY, load: $(cut -d' ' -f1-3 /proc/loadavg)"
for ((r = 1; r <= rounds; r++)); do
  if ((r % 2)); then tk; py; else py; tk; fi
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
