#!/usr/bin/python3
"""Phases of the ResNet-18 training step (PyTorch side of `TransferKit.Benchmarks profile-step`).

    /usr/bin/python3 benchmarks/pytorch/profile_step.py [BATCH] [REPS] [--channels-last] [--bf16]

zero_grad, forward + cross-entropy, backward, SGD step, and freeing the step's tensors (dropping the
loss and logits), each timed with perf_counter; medians over REPS steps after 2 warm-up steps.
--channels-last puts the model and the input in channels_last memory format; --bf16 runs the forward
pass and the loss under torch.autocast("cpu", dtype=torch.bfloat16).
"""
import os
import statistics
import sys
import time

import torch
import torch.nn as nn
import torchvision

flags = [a for a in sys.argv[1:] if a.startswith("--")]
args = [a for a in sys.argv[1:] if not a.startswith("--")]
batch = int(args[0]) if len(args) > 0 else 4
reps = int(args[1]) if len(args) > 1 else 10
channels_last = "--channels-last" in flags
bf16 = "--bf16" in flags
torch.set_num_threads(2)
torch.manual_seed(0)
model = torchvision.models.resnet18(weights=None, num_classes=1000)
model.train()
x = torch.randn(batch, 3, 224, 224)
y = torch.randint(0, 1000, (batch,))
if channels_last:
    model = model.to(memory_format=torch.channels_last)
    x = x.contiguous(memory_format=torch.channels_last)
opt = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)
crit = nn.CrossEntropyLoss()
phases = ["zero_grad", "forward+loss", "backward", "optimizer step", "free step tensors", "whole step"]
times = {p: [] for p in phases}
for k in range(reps + 2):
    t0 = time.perf_counter()
    opt.zero_grad()
    t1 = time.perf_counter()
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
        loss = crit(model(x), y)
    t2 = time.perf_counter()
    loss.backward()
    t3 = time.perf_counter()
    opt.step()
    t4 = time.perf_counter()
    del loss
    t5 = time.perf_counter()
    if k < 2:
        continue
    marks = [t0, t1, t2, t3, t4, t5]
    for p in range(5):
        times[phases[p]].append((marks[p + 1] - marks[p]) * 1e3)
    times["whole step"].append((t5 - t0) * 1e3)
print(f"ResNet-18 step, batch {batch}, {reps} steps, channels_last {channels_last}, bf16 autocast {bf16}, load {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
for p in phases:
    v = sorted(times[p])
    print(f"{p:<20} median {statistics.median(v):8.2f} ms  (min {v[0]:.2f}, max {v[-1]:.2f})")
