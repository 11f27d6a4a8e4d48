"""Reference data for TransferKit's model-zoo tests, computed with torchvision.

Run by the tests with /usr/bin/python3 (Debian's python3-torch and python3-torchvision); the
tests cache the output under <temp>/transferkit-fixtures/. Commands:

  structure NAME OUT.json
      state_dict entries (name, shape, dtype), named_modules (name, class) and the parameter count
      of torchvision.models.NAME(num_classes=1000).

  parity NAME NUM_CLASSES SIZE THREADS OUTDIR
      torch.manual_seed(0); model = torchvision.models.NAME(num_classes=NUM_CLASSES). Batch-norm
      running statistics are then set from one training-mode batch (so that evaluation-mode
      normalisation is not the identity), and a fixed input [2, 3, SIZE, SIZE] is run in eval mode
      with THREADS intra-op threads (the test process's count, so that sums run in the same order).
      Writes OUTDIR/data.bin (raw little-endian tensors, back to back) and OUTDIR/index.json:
        {"state_dict": [entry...], "input": entry, "features": entry, "logits": entry}
      entry = {"name", "shape", "dtype" ("float32"|"int64"), "offset", "nbytes"}. Entries over
      SEEDED_BYTES are not written (offset -1): they still hold the seeded initial values, which the
      test regenerates with the same seed and checks against "sum" and "head" (first 8 values).
      "features" is the input of the classifier head (fc / classifier.N).

  stochastic_depth SEED P MODE N OUT.json
      torch.manual_seed(SEED); torchvision.ops.stochastic_depth(ones(N, 2, 1, 1), P, MODE, True).
"""
import json
import os
import sys

import torch
import torchvision
from torchvision.ops import stochastic_depth

SEEDED_BYTES = 48 * 1024 * 1024
HEADS = {
    "resnet18": "fc", "resnet34": "fc", "resnet50": "fc",
    "vgg16": "classifier.6", "vgg16_bn": "classifier.6",
    "mobilenet_v2": "classifier.1", "mobilenet_v3_large": "classifier.3", "efficientnet_b0": "classifier.1",
}
DTYPES = {torch.float32: "float32", torch.int64: "int64"}


def build(name, num_classes):
    return getattr(torchvision.models, name)(num_classes=num_classes)


def structure(name, out):
    model = build(name, 1000)
    doc = {
        "state_dict": [[k, list(v.shape), DTYPES[v.dtype]] for k, v in model.state_dict().items()],
        "modules": [[k, type(m).__name__] for k, m in model.named_modules()],
        "num_params": sum(p.numel() for p in model.parameters()),
    }
    with open(out, "w") as f:
        json.dump(doc, f)


def parity(name, num_classes, size, threads, outdir):
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = build(name, num_classes)
    norms = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    if norms:
        saved = [m.momentum for m in norms]
        for m in norms:
            m.momentum = 1.0
        model.train()
        with torch.no_grad():
            model(torch.randn(4, 3, size, size))
        for m, momentum in zip(norms, saved):
            m.momentum = momentum
    model.eval()
    x = torch.randn(2, 3, size, size)
    captured = {}
    head = model.get_submodule(HEADS[name])
    hook = head.register_forward_pre_hook(lambda module, args: captured.setdefault("features", args[0].detach().clone()))
    with torch.no_grad():
        logits = model(x)
    hook.remove()

    index = {"state_dict": []}
    with open(os.path.join(outdir, "data.bin"), "wb") as data:
        def entry(key, tensor, allow_seeded=False):
            t = tensor.detach().contiguous()
            raw = t.numpy().tobytes()
            e = {"name": key, "shape": list(t.shape), "dtype": DTYPES[t.dtype]}
            if allow_seeded and len(raw) > SEEDED_BYTES:
                e.update(offset=-1, nbytes=len(raw), sum=float(t.double().sum()), head=t.flatten()[:8].tolist())
            else:
                e.update(offset=data.tell(), nbytes=len(raw))
                data.write(raw)
            return e

        for key, value in model.state_dict().items():
            index["state_dict"].append(entry(key, value, allow_seeded=True))
        index["input"] = entry("input", x)
        index["features"] = entry("features", captured["features"])
        index["logits"] = entry("logits", logits)
    with open(os.path.join(outdir, "index.json"), "w") as f:
        json.dump(index, f)


def stochastic(seed, p, mode, n, out):
    torch.manual_seed(seed)
    y = stochastic_depth(torch.ones(n, 2, 1, 1), p, mode, True)
    with open(out, "w") as f:
        json.dump(y.flatten().tolist(), f)


if __name__ == "__main__":
    torch.set_num_threads(1)
    command, args = sys.argv[1], sys.argv[2:]
    if command == "structure":
        structure(args[0], args[1])
    elif command == "parity":
        parity(args[0], int(args[1]), int(args[2]), int(args[3]), args[4])
    elif command == "stochastic_depth":
        stochastic(int(args[0]), float(args[1]), args[2], int(args[3]), args[4])
    else:
        sys.exit(f"unknown command {command}")
