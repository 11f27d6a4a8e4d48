"""Joins OUT/transferkit.json and OUT/pytorch.json into a Markdown table (OUT/gpu-step.md)."""
import json
import sys

out = sys.argv[1] if len(sys.argv) > 1 else "."
tk = json.load(open(f"{out}/transferkit.json"))
pt = json.load(open(f"{out}/pytorch.json"))
ref = {(r["model"], r["config"]): r for r in pt["rows"]}
lines = [
    f"GPU training step, batch {tk['batch']} at 224x224 (median of timed steps, each synchronised): "
    f"TransferKit on libtorch {tk['libtorch']} vs PyTorch {pt['torch']} eager, {pt['device']}.",
    "",
    "| model | configuration | TransferKit ms | PyTorch ms | ratio |",
    "|---|---|---:|---:|---:|",
]
for r in tk["rows"]:
    p = ref.get((r["model"], r["config"]))
    if p is None:
        continue
    lines.append(f"| {r['model']} | {r['config']} | {r['median_ms']:.2f} | {p['median_ms']:.2f} | {r['median_ms'] / p['median_ms']:.3f} |")
text = "\n".join(lines) + "\n"
open(f"{out}/gpu-step.md", "w").write(text)
print(text)
