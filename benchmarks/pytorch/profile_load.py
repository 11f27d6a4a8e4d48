#!/usr/bin/python3
"""torch.load of the resnet18 weights in a fresh process (the PyTorch counterpart of the first line of
`TransferKit.Benchmarks profile-load`): median of 15 loads after 3 warm-up loads, each state dict freed.

    /usr/bin/python3 benchmarks/pytorch/profile_load.py [PATH]
"""
import os
import statistics
import sys
import time

import torch

path = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/weights/resnet18_flowers5.pth"
torch.set_num_threads(2)
times = []
for k in range(18):
    t0 = time.perf_counter()
    sd = torch.load(path, map_location="cpu")
    del sd
    if k >= 3:
        times.append((time.perf_counter() - t0) * 1e3)
times.sort()
print(f"{'torch.load':<40} median {statistics.median(times):8.2f} ms  (min {times[0]:.2f}, max {times[-1]:.2f})")
