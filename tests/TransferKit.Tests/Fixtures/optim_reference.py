"""Reference trajectories of PyTorch's optimizers and LR schedulers (TransferKit parity tests).

Writes <out>/optim.json: the initial parameters, the gradients fed at each of 20 steps, and the
parameters after each step for several optimizer configurations; and <out>/sched.json: the
learning rate after each step for several schedulers.
"""
import json
import math
import sys

import torch

out = sys.argv[1]
torch.manual_seed(0)
STEPS = 20
shapes = [(3, 4), (5,)]
initial = [torch.randn(s) for s in shapes]
grads = [[torch.randn(s) for s in shapes] for _ in range(STEPS)]

optimizers = {
    "sgd": lambda p: torch.optim.SGD(p, lr=0.1),
    "sgd_momentum_wd": lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, dampening=0.1, weight_decay=1e-2),
    "sgd_nesterov": lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True, weight_decay=5e-4),
    "adam": lambda p: torch.optim.Adam(p, lr=1e-2),
    "adam_wd": lambda p: torch.optim.Adam(p, lr=3e-3, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1),
    "adamw": lambda p: torch.optim.AdamW(p, lr=1e-2, weight_decay=0.05),
    "sgd_groups": lambda p: torch.optim.SGD([{"params": [p[0]], "lr": 0.01}, {"params": [p[1]]}], lr=0.1, momentum=0.5),
}

result = {"initial": [t.flatten().tolist() for t in initial], "shapes": shapes,
          "grads": [[g.flatten().tolist() for g in step] for step in grads], "runs": {}}
for name, make in optimizers.items():
    params = [t.clone().requires_grad_() for t in initial]
    opt = make(params)
    trajectory = []
    for step in range(STEPS):
        for p, g in zip(params, grads[step]):
            p.grad = g.clone()
        opt.step()
        trajectory.append([p.detach().flatten().tolist() for p in params])
    result["runs"][name] = trajectory
with open(f"{out}/optim.json", "w") as f:
    json.dump(result, f)


def lrs(make_scheduler, steps, per_step_metric=None, lr=0.1, groups=1, momentum=0.9):
    params = [torch.zeros(1, requires_grad=True) for _ in range(groups)]
    opt = torch.optim.SGD([{"params": [p], "lr": lr * (k + 1)} for k, p in enumerate(params)], lr=lr, momentum=momentum)
    sched = make_scheduler(opt)
    history = [[g["lr"] for g in opt.param_groups]]
    for step in range(steps):
        opt.step()
        if per_step_metric is None:
            sched.step()
        else:
            sched.step(per_step_metric[step])
        history.append([g["lr"] for g in opt.param_groups])
    return history


S = torch.optim.lr_scheduler
plateau_metric = [1.0, 0.9, 0.95, 0.95, 0.95, 0.95, 0.8, 0.85, 0.85, 0.85, 0.85, 0.85, 0.85, 0.85, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7]
schedules = {
    "step": lrs(lambda o: S.StepLR(o, step_size=7, gamma=0.1), 25, groups=2),
    "multistep": lrs(lambda o: S.MultiStepLR(o, milestones=[3, 8, 12], gamma=0.5), 20),
    "cosine": lrs(lambda o: S.CosineAnnealingLR(o, T_max=10, eta_min=1e-3), 10, groups=2),
    "warmup_cosine": lrs(lambda o: S.SequentialLR(o, [S.LinearLR(o, start_factor=0.25, end_factor=1.0, total_iters=5),
                                                      S.CosineAnnealingLR(o, T_max=15)], milestones=[5]), 20),
    "onecycle": lrs(lambda o: S.OneCycleLR(o, max_lr=0.5, total_steps=30, pct_start=0.3, cycle_momentum=False), 29, groups=2),
    "onecycle_linear": lrs(lambda o: S.OneCycleLR(o, max_lr=0.5, total_steps=20, anneal_strategy="linear", cycle_momentum=False), 19),
    "plateau": lrs(lambda o: S.ReduceLROnPlateau(o, mode="min", factor=0.5, patience=2, cooldown=1), 20, plateau_metric),
}
with open(f"{out}/sched.json", "w") as f:
    json.dump({"schedules": schedules, "plateau_metric": plateau_metric}, f)
