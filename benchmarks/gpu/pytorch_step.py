"""The GPU training step of TransferKit.GpuCheck's GpuStepBenchmarks, in PyTorch eager.

torchvision ResNet-18/50, batch 64 at 224x224, zero_grad, forward, cross-entropy, backward,
SGD(lr=0.01, momentum=0.9) step, then torch.cuda.synchronize(); configurations fp32, amp_fp16
(autocast float16 + GradScaler), bf16 (autocast bfloat16) and channels_last_bf16. cudnn.benchmark
on. Each case: `warmup` steps, then `iterations` steps timed one by one; the median is reported.
Writes OUT/pytorch.json. Runs on the GPU machine (benchmarks/gpu/device-check.sh).
"""
import argparse
import json
import statistics
import time

import torch
import torchvision


def step_fn(model, opt, scaler, x, y, config):
    opt.zero_grad(set_to_none=True)
    if config == "amp_fp16":
        with torch.autocast("cuda", dtype=torch.float16):
            loss = torch.nn.functional.cross_entropy(model(x), y)
        scaler.scale(loss).backward()
        scaler.step(opt)
        scaler.update()
    else:
        if config in ("bf16", "channels_last_bf16"):
            with torch.autocast("cuda", dtype=torch.bfloat16):
                loss = torch.nn.functional.cross_entropy(model(x), y)
        else:
            loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
    torch.cuda.synchronize()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=".")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--iterations", type=int, default=20)
    ap.add_argument("--models", default="resnet18,resnet50")
    ap.add_argument("--configs", default="fp32,amp_fp16,bf16,channels_last_bf16")
    a = ap.parse_args()
    torch.backends.cudnn.benchmark = True
    dev = torch.device("cuda")
    rows = []
    for name in a.models.split(","):
        for config in a.configs.split(","):
            torch.manual_seed(0)
            model = getattr(torchvision.models, name)(num_classes=1000).to(dev).train()
            x = torch.randn(a.batch, 3, 224, 224, device=dev)
            y = torch.randint(0, 1000, (a.batch,), device=dev)
            if config == "channels_last_bf16":
                model = model.to(memory_format=torch.channels_last)
                x = x.contiguous(memory_format=torch.channels_last)
            opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
            scaler = torch.cuda.amp.GradScaler() if config == "amp_fp16" else None
            for _ in range(a.warmup):
                step_fn(model, opt, scaler, x, y, config)
            times = []
            for _ in range(a.iterations):
                t0 = time.perf_counter()
                step_fn(model, opt, scaler, x, y, config)
                times.append((time.perf_counter() - t0) * 1e3)
            rows.append({"model": name, "config": config, "median_ms": statistics.median(times), "min_ms": min(times),
                         "iterations": len(times)})
            print(f"pytorch {name} {config}: median {statistics.median(times):.2f} ms", flush=True)
            del model, opt, x, y
            torch.cuda.empty_cache()
    with open(f"{a.out}/pytorch.json", "w") as f:
        json.dump({"framework": "PyTorch", "torch": torch.__version__, "device": torch.cuda.get_device_name(0),
                   "batch": a.batch, "rows": rows}, f, indent=2)


if __name__ == "__main__":
    main()
