"""PyTorch references for the trainer's pluggable pieces (TransferKit's CallbackParityTests).

Writes <out>/callbacks.json:
  "plateau": {name: {"config": {...}, "metric": [...], "lrs": [[lr per group] after each step, step 0 first]}}
      torch.optim.lr_scheduler.ReduceLROnPlateau over a metric sequence, several configurations
  "bce": {"logits", "targets", "pos_weight", "loss", "loss_pos_weight"}
      F.binary_cross_entropy_with_logits on multi-hot targets [N, C], without and with pos_weight
"""
import json
import sys

import torch
import torch.nn.functional as F

out = sys.argv[1]

metric = [1.0, 0.9, 0.95, 0.95, 0.95, 0.95, 0.8, 0.85, 0.85, 0.85, 0.85, 0.85, 0.85, 0.85, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7,
          0.69995, 0.69995, 0.69995, 0.69995, 0.5]
rising = [0.1, 0.2, 0.2, 0.2, 0.25, 0.25, 0.25, 0.25, 0.2, 0.2, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.31, 0.31, 0.31, 0.31]
configs = {
    "min_rel": dict(mode="min", factor=0.5, patience=2, threshold=1e-4, threshold_mode="rel", cooldown=1, min_lr=0.0, seq=metric),
    "min_abs_floor": dict(mode="min", factor=0.1, patience=1, threshold=0.01, threshold_mode="abs", cooldown=0, min_lr=[0.002, 0.001], seq=metric),
    "max_rel": dict(mode="max", factor=0.3, patience=1, threshold=0.1, threshold_mode="rel", cooldown=2, min_lr=0.0, seq=rising),
    "max_abs": dict(mode="max", factor=0.5, patience=0, threshold=0.0, threshold_mode="abs", cooldown=0, min_lr=1e-3, seq=rising),
}
plateau = {}
for name, c in configs.items():
    params = [torch.zeros(1, requires_grad=True) for _ in range(2)]
    opt = torch.optim.SGD([{"params": [p], "lr": 0.1 * (k + 1)} for k, p in enumerate(params)], lr=0.1)
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, mode=c["mode"], factor=c["factor"], patience=c["patience"],
                                                       threshold=c["threshold"], threshold_mode=c["threshold_mode"],
                                                       cooldown=c["cooldown"], min_lr=c["min_lr"])
    lrs = [[g["lr"] for g in opt.param_groups]]
    for value in c["seq"]:
        opt.step()
        sched.step(value)
        lrs.append([g["lr"] for g in opt.param_groups])
    config = {k: v for k, v in c.items() if k != "seq"}
    plateau[name] = {"config": config, "metric": c["seq"], "lrs": lrs}

torch.manual_seed(0)
logits = torch.randn(6, 4) * 3
targets = (torch.rand(6, 4) > 0.5).float()
pos_weight = torch.tensor([1.0, 2.0, 0.5, 3.0])
bce = {
    "logits": logits.flatten().tolist(),
    "targets": targets.flatten().tolist(),
    "pos_weight": pos_weight.tolist(),
    "loss": F.binary_cross_entropy_with_logits(logits, targets).item(),
    "loss_pos_weight": F.binary_cross_entropy_with_logits(logits, targets, pos_weight=pos_weight).item(),
}
with open(f"{out}/callbacks.json", "w") as f:
    json.dump({"plateau": plateau, "bce": bce}, f)
