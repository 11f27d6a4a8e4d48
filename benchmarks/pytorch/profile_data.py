#!/usr/bin/python3
"""Where torchvision's ImageFolder pipeline spends one pass (the PyTorch side of `TransferKit.Benchmarks profile-data`).

    /usr/bin/python3 benchmarks/pytorch/profile_data.py [--threads N] [DIR]

Stages over every image of the ants/bees train set, each on inputs prepared beforehand (3 passes
after 1 warm-up, median): reading the files, PIL decode (open + convert("RGB")), RandomResizedCrop(224)
on the PIL image, RandomHorizontalFlip, ToTensor, Normalize, default_collate of 32; then the whole
pipeline through DataLoader(num_workers=0). 1 intra-op thread by default, as in a DataLoader worker.
"""
import io
import os
import random
import statistics
import sys
import time

import torch
from PIL import Image
from torch.utils.data import default_collate
from torchvision import datasets, transforms

args = sys.argv[1:]
threads = 1
if "--threads" in args:
    i = args.index("--threads")
    threads = int(args[i + 1])
    del args[i:i + 2]
here = os.path.dirname(os.path.abspath(__file__))
root = args[0] if args else os.path.join(here, "..", "..", "..", "shared", "data", "hymenoptera_data", "train")
if not os.path.isdir(root):
    root = "/work/shared/data/hymenoptera_data/train"
torch.set_num_threads(threads)
ds = datasets.ImageFolder(root)
paths = [p for p, _ in ds.samples]
n = len(paths)
print(f"{n} images, {threads} intra-op thread(s), load {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
total = 0.0


def stage(name, fn, count):
    global total
    for k in range(count):
        fn(k)
    s = []
    for _ in range(3):
        t0 = time.perf_counter()
        for k in range(count):
            fn(k)
        s.append(time.perf_counter() - t0)
    m = statistics.median(s)
    total += m
    print(f"{name:<34} {m * 1e3:9.1f} ms per pass  {m / n * 1e6:8.0f} us per image")


data = [None] * n
stage("read file bytes", lambda k: data.__setitem__(k, open(paths[k], "rb").read()), n)
imgs = [None] * n
stage("decode JPEG (PIL, convert RGB)", lambda k: imgs.__setitem__(k, Image.open(io.BytesIO(data[k])).convert("RGB")), n)
rrc, flip, tt = transforms.RandomResizedCrop(224), transforms.RandomHorizontalFlip(), transforms.ToTensor()
norm = transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])
cropped = [None] * n
stage("RandomResizedCrop(224)", lambda k: cropped.__setitem__(k, rrc(imgs[k])), n)
flipped = [None] * n
stage("RandomHorizontalFlip", lambda k: flipped.__setitem__(k, flip(cropped[k])), n)
tensors = [None] * n
stage("ToTensor", lambda k: tensors.__setitem__(k, tt(flipped[k])), n)
normed = [None] * n
stage("Normalize", lambda k: normed.__setitem__(k, norm(tensors[k])), n)
batches = [[(normed[i], 0) for i in range(b, min(b + 32, n))] for b in range(0, n, 32)]
stage("collate (default_collate of 32)", lambda b: default_collate(batches[b]), len(batches))
print(f"{'sum of the stages':<34} {total * 1e3:9.1f} ms per pass  ({n / total:.0f} images/s)")

full = datasets.ImageFolder(root, transforms.Compose([rrc, flip, tt, norm]))
dl = torch.utils.data.DataLoader(full, batch_size=32, shuffle=True, num_workers=0)
for _ in dl:
    pass
s = []
for _ in range(3):
    t0 = time.perf_counter()
    for _ in dl:
        pass
    s.append(time.perf_counter() - t0)
m = statistics.median(s)
print(f"{'whole pass, DataLoader 0 workers':<34} {m * 1e3:9.1f} ms per pass  ({n / m:.0f} images/s)")
