#!/usr/bin/env python3
"""Summarises a benchmarks/dispatch-compare.sh results folder as a Markdown table (stdlib only).

    python3 benchmarks/summarize_dispatch.py benchmarks/results/dispatch-<time>

Every figure is the median over rounds of that round's median per-call time; "TK/PyTorch" is the
median over rounds of the ratio of the two medians measured in the same round.
"""

import glob
import json
import os
import re
import statistics
import sys

# TransferKit benchmark -> (PyTorch case, C++ floor case); None where there is no counterpart.
ROWS = [
    ("Add1", "Add1", "Add1", "`a + b`, 1-element float32"),
    ("MatMul1x1", "MatMul1x1", "MatMul1x1", "MatMul 1x1"),
    ("MatMul64", "MatMul64", "MatMul64", "MatMul 64x64 (BLAS)"),
    ("Add1_ScopePerOp", "Add1", None, "`a + b`, a new DisposeScope per op"),
    ("Add1_Scope100", "Add1", None, "`a + b`, 100 ops per DisposeScope"),
    ("MatMul1x1_Scope100", "MatMul1x1", None, "MatMul 1x1, 100 ops per DisposeScope"),
]


def round_of(path):
    return int(re.search(r"-(\d+)(\.\w+)?$", path).group(1))


def load(folder):
    """{round: {"tk": {name: us}, "py": {...}, "cpp": {...}}} (medians in microseconds)."""
    rounds = {}
    for path in glob.glob(os.path.join(folder, "transferkit-*", "results", "*-report-full-compressed.json")):
        r = round_of(os.path.dirname(os.path.dirname(path)))
        for b in json.load(open(path))["Benchmarks"]:
            rounds.setdefault(r, {}).setdefault("tk", {})[b["Method"]] = b["Statistics"]["Median"] / 1e3
    for path in glob.glob(os.path.join(folder, "pytorch-*.json")):
        ops = json.load(open(path))["ops"]
        rounds.setdefault(round_of(path[:-5]), {})["py"] = {k: v["median_s"] * 1e6 for k, v in ops.items()}
    for path in glob.glob(os.path.join(folder, "floor-*.txt")):
        rows = [line.split() for line in open(path)][2:]
        rounds.setdefault(round_of(path[:-4]), {})["cpp"] = {f[0]: float(f[1]) for f in rows if len(f) == 3}
    return rounds


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(x, nd=2):
    return "n/a" if x is None else f"{x:.{nd}f}"


def main():
    folder = sys.argv[1]
    rounds = load(folder)
    get = lambda r, side, name: rounds[r].get(side, {}).get(name) if name else None
    print(f"Rounds: {len(rounds)} ({folder}); per-round TK/PyTorch ratios in the last column.\n")
    print("| op | TransferKit µs | PyTorch µs | TK/PyTorch | libtorch C++ µs | ratios per round |")
    print("|---|---:|---:|---:|---:|---|")
    for tk, py, cpp, label in ROWS:
        ratios = []
        for r in sorted(rounds):
            a, b = get(r, "tk", tk), get(r, "py", py)
            ratios.append(a / b if a and b else None)
        print(f"| {label} | {fmt(med(get(r, 'tk', tk) for r in rounds))} | {fmt(med(get(r, 'py', py) for r in rounds))} "
              f"| {fmt(med(ratios))} | {fmt(med(get(r, 'cpp', cpp) for r in rounds))} "
              f"| {', '.join(fmt(x) for x in ratios)} |")


if __name__ == "__main__":
    main()
