#!/usr/bin/env python3
"""Summarises a benchmarks/workloads-compare.sh results folder as Markdown tables (stdlib only).

    python3 benchmarks/summarize_workloads.py benchmarks/results/workloads-<time>-<policy>

For each figure: the median over rounds of each side's per-round median, the range of those
per-round medians, and the TransferKit/PyTorch ratio of the two medians measured in the same round
(its median over rounds, and every round's value). For times the ratio is TK time / PyTorch time
(below 1: TransferKit is faster); for images/s it is TK images/s / PyTorch images/s (above 1:
TransferKit is faster). Figures only one side measures are listed with that side alone.
"""

import glob
import json
import os
import re
import statistics
import sys

ORDER = [
    ("mlp_step", "MLP step (784-100-10, batch 100, SGD)"),
    ("mlp_trainer_step", "MLP step through Trainer.Fit vs the tutorial loop (loss + accuracy read per batch)"),
    ("resnet18_train_b4", "ResNet-18 train step, batch 4"),
    ("resnet18_train_b32", "ResNet-18 train step, batch 32"),
    ("resnet18_train_b32_fast", "ResNet-18 train step b32: TK default step / PyTorch channels_last + bf16 autocast"),
    ("resnet18_frozen_b32_bneval", "frozen backbone step b32, backbone BN in eval mode"),
    ("resnet18_frozen_b32_bntrain", "frozen backbone step b32, backbone BN in train mode"),
    ("state_dict_load", "resnet18 .pth load + load_state_dict"),
    ("state_dict_read", "  of which: reading the file"),
    ("state_dict_apply", "  of which: copying into the model"),
    ("state_dict_load_into", "resnet18 .pth into the model: TK LoadStateDictInto / PyTorch load_state_dict(torch.load)"),
    ("data_w0_images_per_s", "data pipeline, 0 workers"),
    ("data_w2_images_per_s", "data pipeline, 2 workers"),
    ("featcache_compute_s", "feature cache: FeatureCache.Compute"),
    ("featcache_epoch1_s", "feature cache: epoch 1 (compute + head epoch)"),
    ("featcache_later_epoch_ms", "feature cache: later epoch (head on cached features)"),
    ("featcache_recompute_epoch_s", "epoch recomputing the frozen backbone"),
    ("minilm_train_b32_t64", "BERT-MiniLM fine-tuning step, batch 32 x 64 tokens, AdamW"),
    ("audio_b32_ms", "audio: 32 WAV clips read, 8->16 kHz, 1 s, log-mel 64 (torchaudio functional.resample)"),
    ("audio_b32_cached_resample_ms", "  PyTorch with transforms.Resample (kernel built once) instead"),
]


def load(folder):
    """{round: {"tk"|"py": {"env": {...}, "results": {...}}}}"""
    rounds = {}
    for path in glob.glob(os.path.join(folder, "*-*.json")):
        side, r = re.match(r"(transferkit|pytorch)-(\d+)\.json$", os.path.basename(path)).groups()
        rounds.setdefault(int(r), {})["tk" if side == "transferkit" else "py"] = json.load(open(path))
    return rounds


def fmt(x):
    if x is None:
        return "n/a"
    return f"{x:.0f}" if abs(x) >= 100 else f"{x:.1f}" if abs(x) >= 10 else f"{x:.2f}" if abs(x) >= 1 else f"{x:.3f}"


def main():
    folder = sys.argv[1]
    rounds = load(folder)
    rs = sorted(rounds)
    names = [n for n, _ in ORDER]
    for r in rs:
        for side in ("tk", "py"):
            for n in rounds[r].get(side, {}).get("results", {}):
                if n not in names:
                    names.append(n)
    labels = dict(ORDER)

    def fig(r, side, n):
        return rounds[r].get(side, {}).get("results", {}).get(n)

    print(f"Rounds: {len(rs)}; {folder}\n")
    print("| workload | unit | TransferKit | PyTorch | TK/PyTorch | per round | TK range | PyTorch range |")
    print("|---|---|---:|---:|---:|---|---|---|")
    for n in names:
        tk = [fig(r, "tk", n)["median"] for r in rs if fig(r, "tk", n)]
        py = [fig(r, "py", n)["median"] for r in rs if fig(r, "py", n)]
        if not tk and not py:
            continue
        unit = (fig(rs[0], "tk", n) or fig(rs[0], "py", n) or {}).get("unit", "")
        ratios = [fig(r, "tk", n)["median"] / fig(r, "py", n)["median"] for r in rs if fig(r, "tk", n) and fig(r, "py", n)]
        row = [
            labels.get(n, n), unit,
            fmt(statistics.median(tk)) if tk else "", fmt(statistics.median(py)) if py else "",
            f"{statistics.median(ratios):.2f}" if ratios else "",
            ", ".join(f"{x:.2f}" for x in ratios),
            f"{fmt(min(tk))} to {fmt(max(tk))}" if tk else "", f"{fmt(min(py))} to {fmt(max(py))}" if py else "",
        ]
        print("| " + " | ".join(row) + " |")

    # What each library does by default with a frozen backbone: TransferKit keeps frozen BatchNorm
    # layers in inference mode, pytorch_baseline.py's step (model.train()) normalises with batch statistics.
    cross = [fig(r, "tk", "resnet18_frozen_b32_bneval")["median"] / fig(r, "py", "resnet18_frozen_b32_bntrain")["median"]
             for r in rs if fig(r, "tk", "resnet18_frozen_b32_bneval") and fig(r, "py", "resnet18_frozen_b32_bntrain")]
    if cross:
        print(f"\nFrozen backbone step, each library's default (TransferKit: BN in eval mode; PyTorch as pytorch_baseline.py: "
              f"model.train()): TK/PyTorch {statistics.median(cross):.2f} (per round {', '.join(f'{x:.2f}' for x in cross)}).")

    # TransferKit's default step (channels_last + bf16 on CPUs with native bf16) against PyTorch's default fp32 step.
    fast = [fig(r, "tk", "resnet18_train_b32_fast")["median"] / fig(r, "py", "resnet18_train_b32")["median"]
            for r in rs if fig(r, "tk", "resnet18_train_b32_fast") and fig(r, "py", "resnet18_train_b32")]
    if fast:
        modes = sorted({rounds[r]["tk"]["env"].get("default_cpu_step", "?") for r in rs if "tk" in rounds[r]})
        print(f"\nResNet-18 train step b32, TransferKit's default step ({', '.join(modes)}) / PyTorch's default fp32 step: "
              f"{statistics.median(fast):.2f} (per round {', '.join(f'{x:.2f}' for x in fast)}).")

    # The feature cache's speed-up, per round: recomputing epoch / later epoch.
    sp = []
    for r in rs:
        later, rec = fig(r, "tk", "featcache_later_epoch_ms"), fig(r, "tk", "featcache_recompute_epoch_s")
        if later and rec:
            sp.append(rec["median"] * 1e3 / later["median"])
    if sp:
        print(f"\nFeature cache: a recomputing epoch takes {statistics.median(sp):.0f}x as long as a later epoch on cached features "
              f"(median over rounds; per round {', '.join(f'{x:.0f}' for x in sp)}).")
    print("\nLoad average (1, 5, 15 min) at the start and end of each run:")
    for r in rs:
        for side in ("tk", "py"):
            env = rounds[r].get(side, {}).get("env")
            if env:
                print(f"- round {r} {'TransferKit' if side == 'tk' else 'PyTorch'}: {env.get('utc_start')}, {env.get('loadavg_start')} -> {env.get('loadavg_end')}, OMP_WAIT_POLICY={env.get('OMP_WAIT_POLICY')}")


if __name__ == "__main__":
    main()
