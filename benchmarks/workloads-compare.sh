#!/usr/bin/env bash
# End-to-end workloads, TransferKit vs PyTorch back to back in one sitting: ResNet-18 training steps
# (batch 4 and 32), the frozen-backbone step, the MLP step, loading a ResNet-18 .pth, the ants/bees
# data pipeline (0 and 2 workers), the feature cache, the BERT-MiniLM fine-tuning step and
# audio loading + log-mel features for a batch of 32 spoken-digit clips (torchaudio on the PyTorch side). Several rounds, the order of the two sides
# reversed every other round, then one table of medians and per-round TransferKit/PyTorch ratios.
#
#   bash benchmarks/workloads-compare.sh [ROUNDS] [--policy PASSIVE|ACTIVE] [--only GROUP,...]
#
# ROUNDS defaults to 3. Both sides get the same OMP_WAIT_POLICY (default PASSIVE, which TransferKit
# picks for itself when the variable is unset) and 2 intra-op threads. Groups: mlp, trainer (the MLP through Trainer.Fit), resnet_b4,
# resnet_b32, resnet_b32_fast (TransferKit's default step, channels_last + bf16 autocast on CPUs with native bf16, against
# PyTorch's channels_last + bf16 autocast step), frozen, state_dict, data, feature_cache, bert_b32, audio_b32 (default: all; about 3 minutes
# a round on 2 cores). Results go to benchmarks/results/workloads-<UTC time>/ (ignored by git): the raw
# outputs and JSON of every run, the load average before each, and summary.md.
set -euo pipefail

cd "$(dirname "$0")/.."
rounds=3
policy=PASSIVE
only=mlp,trainer,resnet_b4,resnet_b32,resnet_b32_fast,frozen,state_dict,data,feature_cache,bert_b32,audio_b32
while (($#)); do
  case $1 in
    --policy) policy=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    *) rounds=$1; shift ;;
  esac
done
export OMP_WAIT_POLICY=$policy
unset GOMP_SPINCOUNT OMP_NUM_THREADS

out=benchmarks/results/workloads-$(date -u +%Y%m%dT%H%M%SZ)-$policy
mkdir -p "$out"
dotnet build -c Release benchmarks/TransferKit.Benchmarks -v quiet -nologo >/dev/null

run_transferkit() {
  dotnet benchmarks/TransferKit.Benchmarks/bin/Release/net10.0/TransferKit.Benchmarks.dll workloads \
    --only "$only" --json "$out/transferkit-$1.json" >"$out/transferkit-$1.txt"
}
run_pytorch() {
  /usr/bin/python3 benchmarks/pytorch/workloads_bench.py --only "$only" --json "$out/pytorch-$1.json" >"$out/pytorch-$1.txt"
}

{
  echo "OMP_WAIT_POLICY=$policy, $(nproc) cores, $(uptime)"
  grep -m1 'model name' /proc/cpuinfo
} | tee "$out/log.txt"
for ((r = 1; r <= rounds; r++)); do
  order=(transferkit pytorch)
  if ((r % 2 == 0)); then order=(pytorch transferkit); fi
  for what in "${order[@]}"; do
    echo "$(date -u +%H:%M:%S) round $r $what, load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/log.txt"
    "run_$what" "$r"
  done
done
echo "$(date -u +%H:%M:%S) done, load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/log.txt"

python3 benchmarks/summarize_workloads.py "$out" | tee "$out/summary.md"
