"""resnet18 evaluation-mode inference at batch 64, 224x224, no gradients, 2 intra-op threads:
median images/s, the PyTorch side of benchmarks/inference-compare.sh."""
import statistics
import sys
import time

import torch
import torchvision

reps = int(sys.argv[1]) if len(sys.argv) > 1 else 5
torch.set_num_threads(2)
torch.manual_seed(0)
model = torchvision.models.resnet18(num_classes=1000).eval()
x = torch.randn(64, 3, 224, 224)
times = []
with torch.no_grad():
    for k in range(reps + 1):
        start = time.perf_counter()
        model(x)
        if k > 0:
            times.append(time.perf_counter() - start)
median = statistics.median(times)
print(f"PyTorch resnet18 inference batch 64: {64 / median:.1f} img/s (median of {reps}, 2 threads; runs {', '.join(f'{64 / t:.1f}' for t in times)})")
