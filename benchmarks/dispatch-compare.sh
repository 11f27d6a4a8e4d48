#!/usr/bin/env bash
# Per-op dispatch cost, back to back in one sitting: libtorch from C++ (the floor), PyTorch eager
# from Python, and TransferKit (BenchmarkDotNet, DispatchBenchmarks), repeated for several rounds
# with the order reversed every other round, then one table of medians and TransferKit/PyTorch ratios.
#
#   bash benchmarks/dispatch-compare.sh [ROUNDS]      (default 3; about 2.5 minutes a round)
#
# Results go to benchmarks/results/dispatch-<UTC time>/ (ignored by git): the raw outputs of every
# run, the load average before each, and summary.md.
set -euo pipefail

cd "$(dirname "$0")/.."
rounds=${1:-3}
out=benchmarks/results/dispatch-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$out"

dotnet build -c Release benchmarks/TransferKit.Benchmarks -v quiet -nologo >/dev/null
floor=benchmarks/native/obj/dispatch_floor
if [[ ! -x $floor || benchmarks/native/dispatch_floor.cpp -nt $floor ]]; then
  mkdir -p "$(dirname "$floor")"
  g++ -O2 -std=c++17 benchmarks/native/dispatch_floor.cpp -ltorch_cpu -lc10 -o "$floor"
fi

run_floor() { "$floor" >"$out/floor-$1.txt"; }
run_pytorch() { /usr/bin/python3 benchmarks/pytorch/dispatch_bench.py --json "$out/pytorch-$1.json" >"$out/pytorch-$1.txt"; }
run_transferkit() {
  dotnet benchmarks/TransferKit.Benchmarks/bin/Release/net10.0/TransferKit.Benchmarks.dll \
    --filter '*.DispatchBenchmarks.*' --exporters json --artifacts "$out/transferkit-$1" >"$out/transferkit-$1.txt"
}

for ((r = 1; r <= rounds; r++)); do
  order=(floor pytorch transferkit)
  if ((r % 2 == 0)); then order=(transferkit pytorch floor); fi
  for what in "${order[@]}"; do
    echo "$(date -u +%H:%M:%S) round $r $what, load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/log.txt"
    "run_$what" "$r"
  done
done

python3 benchmarks/summarize_dispatch.py "$out" | tee "$out/summary.md"
