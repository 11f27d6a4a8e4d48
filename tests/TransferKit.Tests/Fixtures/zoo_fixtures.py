"""Reference data for TransferKit's model-zoo tests, computed with torchvision.

Run by the tests through PythonReference with /usr/bin/python3 (Debian's python3-torch and
python3-torchvision) as `zoo_fixtures.py OUT COMMAND ARGS...`; cached commands write into the
folder OUT, which the tests keep under <temp>/transferkit-fixtures/. Commands:

  structure NAME
      OUT/structure.json: state_dict entries (name, shape, dtype), named_modules (name, class) and
      the parameter count of torchvision.models.NAME(num_classes=1000).

  parity NAME NUM_CLASSES SIZE THREADS
      torch.manual_seed(0); model = torchvision.models.NAME(num_classes=NUM_CLASSES) (torchvision's
      own initialisation). Batch-norm running statistics are then set from one training-mode batch
      (momentum 1), so that evaluation-mode normalisation is not the identity. Everything runs with
      THREADS intra-op threads (the test process's count, so that sums run in the same order).
      Writes:
        OUT/model.pth          torch.save(model.state_dict()), zip format
        OUT/model_legacy.pth   the same, _use_new_zipfile_serialization=False (legacy format)
        OUT/model.safetensors  the same, written from the safetensors specification (no package);
                               not for VGG, whose 537 MB are already written twice
        OUT/reference.pth      a dict of tensors (zip format):
          input [2, 3, SIZE, SIZE], target [2] (int64, fixed class indices),
          eval.logits, eval.features (the head's input), eval.grad.first_conv, eval.grad.head:
              evaluation mode; gradients of cross_entropy(logits, target) with respect to the first
              convolution's weight and the head's weight;
          train.logits, train.grad.first_conv, train.grad.head: the same in training mode, after
              torch.manual_seed(TRAIN_SEED) right before the forward (dropout and stochastic depth
              draw their masks from that generator);
          train.buffer.<name>: every buffer after that training-mode forward (running statistics
              updated from the batch, num_batches_tracked incremented).
        OUT/reference.json     {"first_conv": key, "head": key, "train_seed": TRAIN_SEED}

  stochastic_depth SEED P MODE N
      OUT/mask.json: torch.manual_seed(SEED); torchvision.ops.stochastic_depth(ones(N, 2, 1, 1), P, MODE, True).

  roundtrip NAME NUM_CLASSES THREADS     (not cached: OUT holds files TransferKit wrote)
      Reads OUT/state.pth with torch.load and OUT/state.safetensors with a reader written from the
      safetensors specification, checks that both hold the same tensors in the same order, loads
      each into torchvision.models.NAME(num_classes=NUM_CLASSES) with load_state_dict(strict=True)
      and writes OUT/logits.pth: {"pth": logits, "safetensors": logits}, evaluation mode, for the
      input OUT/input.pth {"input": tensor}.
"""
import collections
import json
import os
import struct
import sys

import torch
import torch.nn.functional as F
import torchvision
from torchvision.ops import stochastic_depth

TRAIN_SEED = 20240
HEADS = {
    "resnet18": "fc", "resnet34": "fc", "resnet50": "fc",
    "vgg16": "classifier.6", "vgg16_bn": "classifier.6",
    "mobilenet_v2": "classifier.1", "mobilenet_v3_large": "classifier.3", "efficientnet_b0": "classifier.1",
}
DTYPES = {torch.float32: "float32", torch.int64: "int64"}
SAFETENSORS_CODES = {torch.float32: "F32", torch.float64: "F64", torch.float16: "F16", torch.bfloat16: "BF16",
                     torch.int64: "I64", torch.int32: "I32", torch.int16: "I16", torch.int8: "I8",
                     torch.uint8: "U8", torch.bool: "BOOL"}


def build(name, num_classes):
    return getattr(torchvision.models, name)(num_classes=num_classes)


def structure(out, name):
    model = build(name, 1000)
    doc = {
        "state_dict": [[k, list(v.shape), DTYPES[v.dtype]] for k, v in model.state_dict().items()],
        "modules": [[k, type(m).__name__] for k, m in model.named_modules()],
        "num_params": sum(p.numel() for p in model.parameters()),
    }
    with open(os.path.join(out, "structure.json"), "w") as f:
        json.dump(doc, f)


def write_safetensors(path, tensors):
    """Writes a safetensors file from the specification: u64 header length, JSON header padded
    with spaces to 8 bytes, then the tensors' bytes, row-major, in header order."""
    header = {"__metadata__": {"format": "pt"}}
    chunks, offset = [], 0
    for name, t in tensors.items():
        raw = t.contiguous().reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b""
        header[name] = {"dtype": SAFETENSORS_CODES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    text = json.dumps(header).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for raw in chunks:
            f.write(raw)


def read_safetensors(path):
    """Reads a safetensors file from the specification; returns an OrderedDict in header order."""
    dtypes = {code: dtype for dtype, code in SAFETENSORS_CODES.items()}
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n].decode("utf-8"), object_pairs_hook=collections.OrderedDict)
    header.pop("__metadata__", None)
    body = data[8 + n:]
    tensors = collections.OrderedDict()
    end = 0
    for name, info in header.items():
        begin, stop = info["data_offsets"]
        assert begin == end, f"{name}: gap or overlap in the data"
        end = stop
        raw = bytearray(body[begin:stop])
        dtype = dtypes[info["dtype"]]
        t = torch.frombuffer(raw, dtype=dtype) if raw else torch.empty(0, dtype=dtype)
        tensors[name] = t.reshape(info["shape"])
    assert end == len(body), "data not fully covered by the header"
    return tensors


def first_conv(model):
    return next(name for name, m in model.named_modules() if isinstance(m, torch.nn.Conv2d))


def parity(out, name, num_classes, size, threads):
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

    state = model.state_dict()
    torch.save(state, os.path.join(out, "model.pth"))
    torch.save(state, os.path.join(out, "model_legacy.pth"), _use_new_zipfile_serialization=False)
    if not name.startswith("vgg"):
        write_safetensors(os.path.join(out, "model.safetensors"), state)
    del state

    conv = model.get_submodule(first_conv(model))
    head = model.get_submodule(HEADS[name])
    x = torch.randn(2, 3, size, size)
    target = torch.tensor([3, num_classes - 1], dtype=torch.int64)
    ref = {"input": x, "target": target}

    def run(mode):
        model.zero_grad(set_to_none=True)
        logits = model(x)
        F.cross_entropy(logits, target).backward()
        ref[mode + ".logits"] = logits.detach().clone()
        ref[mode + ".grad.first_conv"] = conv.weight.grad.clone()
        ref[mode + ".grad.head"] = head.weight.grad.clone()

    captured = {}

    def capture(module, args):
        captured["features"] = args[0].detach().clone()  # returns None: the head's input is left as it is

    hook = head.register_forward_pre_hook(capture)
    run("eval")
    hook.remove()
    ref["eval.features"] = captured["features"]

    model.train()
    torch.manual_seed(TRAIN_SEED)
    run("train")
    for key, value in model.named_buffers():
        ref["train.buffer." + key] = value.clone()

    torch.save(ref, os.path.join(out, "reference.pth"))
    with open(os.path.join(out, "reference.json"), "w") as f:
        json.dump({"first_conv": first_conv(model) + ".weight", "head": HEADS[name] + ".weight", "train_seed": TRAIN_SEED}, f)


def roundtrip(folder, name, num_classes, threads):
    torch.set_num_threads(threads)
    from_pth = torch.load(os.path.join(folder, "state.pth"))
    from_safetensors = read_safetensors(os.path.join(folder, "state.safetensors"))
    assert list(from_pth) == list(from_safetensors), "the two files hold different keys or orders"
    for key, value in from_pth.items():
        other = from_safetensors[key]
        assert value.dtype == other.dtype and torch.equal(value, other), f"{key} differs between the two files"
    x = torch.load(os.path.join(folder, "input.pth"))["input"]
    logits = {}
    for label, state in (("pth", from_pth), ("safetensors", from_safetensors)):
        model = build(name, num_classes)
        model.load_state_dict(state, strict=True)
        model.eval()
        with torch.no_grad():
            logits[label] = model(x)
    torch.save(logits, os.path.join(folder, "logits.pth"))


def stochastic(out, seed, p, mode, n):
    torch.manual_seed(seed)
    y = stochastic_depth(torch.ones(n, 2, 1, 1), p, mode, True)
    with open(os.path.join(out, "mask.json"), "w") as f:
        json.dump(y.flatten().tolist(), f)


if __name__ == "__main__":
    torch.set_num_threads(1)
    out, command, args = sys.argv[1], sys.argv[2], sys.argv[3:]
    if command == "structure":
        structure(out, args[0])
    elif command == "parity":
        parity(out, args[0], int(args[1]), int(args[2]), int(args[3]))
    elif command == "roundtrip":
        roundtrip(out, args[0], int(args[1]), int(args[2]))
    elif command == "stochastic_depth":
        stochastic(out, int(args[0]), float(args[1]), args[2], int(args[3]))
    else:
        sys.exit(f"unknown command {command}")
