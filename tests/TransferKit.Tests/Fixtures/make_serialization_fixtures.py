#!/usr/bin/env python3
"""Reference fixtures for TransferKit's serialization tests, written by PyTorch itself.

Usage:
  make_serialization_fixtures.py make OUT_DIR [WEIGHTS.pth]
      Writes .pth files (zip and legacy formats), a safetensors file written from the format's
      spec, plain pickles of protocols 0-5, malicious pickles, and manifest.json recording every
      expected value (tensor bytes as hex, dtype, shape, strides, storage offset, sharing).
  make_serialization_fixtures.py dump FILE.pth OUT.json [full]
      torch.load(FILE, weights_only=True) and records its tensors (checks files TransferKit wrote).
      With "full", weights_only=False: PyTorch 1.13's restricted unpickler cannot read floats (BINFLOAT).
  make_serialization_fixtures.py dump_safetensors FILE OUT.json
      Parses a safetensors file from the spec (no safetensors package) and records its tensors.

The tests run this with /usr/bin/python3 (Debian's python3-torch) into a cache directory.
"""
import collections
import hashlib
import json
import os
import pickle
import struct
import subprocess
import sys

import torch

MAGIC_COMMAND = 'echo pwned > "${TK_PWNED_MARKER:-/tmp/tk_pwned_marker}"'


def record(t):
    """Everything a test needs to compare a tensor exactly."""
    requires_grad = bool(t.requires_grad)
    t = t.detach()
    flat = t.contiguous().reshape(-1)
    raw = flat.view(torch.uint8) if flat.numel() > 0 else torch.empty(0, dtype=torch.uint8)
    return {
        "dtype": str(t.dtype).replace("torch.", ""),
        "shape": list(t.shape),
        "stride": list(t.stride()),
        "offset": t.storage_offset(),
        "requires_grad": requires_grad,
        "hex": bytes(raw.numpy().tobytes()).hex(),
    }


def records(d):
    return {k: record(v) for k, v in d.items()}


def sharing(d):
    """Groups of keys whose tensors share one storage (by storage data pointer)."""
    groups = collections.OrderedDict()
    for k, v in d.items():
        groups.setdefault(v.storage().data_ptr(), []).append(k)
    return [g for g in groups.values() if len(g) > 1]


def all_dtypes():
    torch.manual_seed(0)
    sd = collections.OrderedDict()
    sd["f32"] = torch.tensor([[1.5, -2.25, float("inf")], [float("-inf"), -0.0, 3.4028234663852886e38]], dtype=torch.float32)
    sd["f32_nan"] = torch.tensor([float("nan"), 1e-45], dtype=torch.float32)
    sd["f64"] = torch.tensor([3.141592653589793, -1e-300, 2.0 ** 60], dtype=torch.float64)
    sd["f16"] = torch.tensor([1.0, -65504.0, 6e-8, 0.333], dtype=torch.float16)
    sd["bf16"] = torch.tensor([1.0, -3.0e38, 0.1], dtype=torch.bfloat16)
    sd["i64"] = torch.tensor([[2 ** 63 - 1, -2 ** 63], [0, -1]], dtype=torch.int64)
    sd["i32"] = torch.tensor([2 ** 31 - 1, -2 ** 31, 7], dtype=torch.int32)
    sd["i16"] = torch.tensor([32767, -32768], dtype=torch.int16)
    sd["i8"] = torch.tensor([127, -128, 0], dtype=torch.int8)
    sd["u8"] = torch.arange(0, 256, 37, dtype=torch.uint8)
    sd["bool"] = torch.tensor([True, False, True])
    sd["scalar"] = torch.tensor(2.5)
    sd["empty"] = torch.zeros(0, 3)
    sd["randn"] = torch.randn(3, 4, 5)
    sd["param"] = torch.nn.Parameter(torch.tensor([0.5, -0.5]))
    return sd


def shared_views():
    base = torch.arange(24, dtype=torch.float32)
    m = base.view(4, 6)
    sd = collections.OrderedDict()
    sd["base"] = m
    sd["row"] = m[1]
    sd["col"] = m[:, 2]
    sd["t"] = m.t()
    sd["slice"] = base[5:17:3]
    sd["other"] = torch.ones(2, dtype=torch.float64)
    sd["other_view"] = sd["other"][1:]
    return sd


def checkpoint():
    torch.manual_seed(1)
    sd = collections.OrderedDict(
        [("fc.weight", torch.randn(3, 2)), ("fc.bias", torch.randn(3)), ("bn.num_batches_tracked", torch.tensor(5))])
    return {
        "epoch": 7,
        "state_dict": sd,
        "optimizer": {
            "state": {0: {"momentum_buffer": torch.full((3, 2), 0.25)}},
            "param_groups": [{"lr": 0.1, "momentum": 0.9, "nesterov": False, "params": [0, 1]}],
        },
        "best_acc": 0.875,
        "name": "résumé ✓",
        "tags": ("a", "b", 3),
        "none": None,
        "blob": b"\x00\xffab",
        "empty_blob": b"",
        "big": 2 ** 70,
        "neg": -123456789012,
        "flag": True,
        "dtype": torch.float16,
        "device": torch.device("cpu"),
        "size": torch.Size([2, 3]),
        "set": {1, 2, 3},
        "empty_list": [],
        "nested": [[1, [2, [3]]]],
        "float_list": [0.5, -1.25, 1e100],
    }


def plain_object():
    """A value every pickle protocol can write without globals beyond the allowed builtins."""
    return {
        "int": 5, "neg": -70000, "big": -(2 ** 80), "float": 0.1, "inf": float("inf"),
        "str": "héllo\n\"quoted\" 'x' \\ ✓", "bytes": b"\x00\x01\xfe\xff", "empty_bytes": b"",
        "none": None, "true": True, "false": False,
        "list": [1, 2.5, "x", None], "tuple": (1, (2, 3), ()), "set": {4, 5}, "frozenset": frozenset({6}),
        "dict": {1: "one", (1, 2): "pair", "k": {"deep": [[[]]]}},
        "shared": None,
    }


def write_safetensors(path, tensors, metadata):
    """Writes a safetensors file from the format's specification (no safetensors package)."""
    codes = {torch.float32: "F32", torch.float64: "F64", torch.float16: "F16", torch.bfloat16: "BF16",
             torch.int64: "I64", torch.int32: "I32", torch.int16: "I16", torch.int8: "I8",
             torch.uint8: "U8", torch.bool: "BOOL"}
    header = {"__metadata__": metadata}
    data = b""
    for name, t in tensors.items():
        raw = bytes(t.contiguous().reshape(-1).view(torch.uint8).numpy().tobytes()) if t.numel() else b""
        header[name] = {"dtype": codes[t.dtype], "shape": list(t.shape), "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    text = json.dumps(header).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        f.write(data)


class Evil:
    """torch.load (pickle) of this object runs a shell command."""
    def __reduce__(self):
        return (os.system, (MAGIC_COMMAND,))


class EvilEval:
    def __reduce__(self):
        return (eval, ("__import__('os').system(%r)" % MAGIC_COMMAND,))


def verify_malicious(path, out_dir):
    """Proves a malicious fixture is real: PyTorch's own torch.load runs its command."""
    marker = os.path.join(out_dir, "verify_marker_" + os.path.basename(path))
    env = dict(os.environ, TK_PWNED_MARKER=marker)
    subprocess.run([sys.executable, "-c", "import sys, torch; torch.load(sys.argv[1])", path],
                   env=env, capture_output=True, timeout=120)
    ok = os.path.exists(marker)
    if ok:
        os.remove(marker)
    return ok


def make(out, weights):
    os.makedirs(out, exist_ok=True)
    manifest = {"torch_version": torch.__version__, "files": {}}

    def save(name, obj, legacy=False):
        path = os.path.join(out, name)
        torch.save(obj, path, _use_new_zipfile_serialization=not legacy)
        return path

    for fmt, legacy in (("zip", False), ("legacy", True)):
        sd = all_dtypes()
        save(f"all_dtypes_{fmt}.pth", sd, legacy)
        manifest["files"][f"all_dtypes_{fmt}.pth"] = {"tensors": records(sd), "keys": list(sd)}

        sv = shared_views()
        save(f"shared_views_{fmt}.pth", sv, legacy)
        manifest["files"][f"shared_views_{fmt}.pth"] = {"tensors": records(sv), "keys": list(sv), "sharing": sharing(sv)}

        ck = checkpoint()
        save(f"checkpoint_{fmt}.pth", ck, legacy)
        manifest["files"][f"checkpoint_{fmt}.pth"] = {
            "state_dict": records(ck["state_dict"]), "keys": list(ck["state_dict"]),
            "momentum_buffer": record(ck["optimizer"]["state"][0]["momentum_buffer"]),
            "top_keys": list(ck)}

        single = torch.arange(6, dtype=torch.int32).view(2, 3)
        save(f"single_tensor_{fmt}.pth", single, legacy)
        manifest["files"][f"single_tensor_{fmt}.pth"] = {"tensor": record(single)}

        # A state dict of a few hundred kilobytes for the corruption tests.
        torch.manual_seed(2)
        fuzz = collections.OrderedDict()
        for i in range(12):
            fuzz[f"layer{i}.weight"] = torch.randn(64, 64)
            fuzz[f"layer{i}.bias"] = torch.randn(64)
        fuzz["steps"] = torch.tensor(1000)
        fuzz["mask"] = torch.rand(100) > 0.5
        save(f"fuzz_base_{fmt}.pth", fuzz, legacy)
        manifest["files"][f"fuzz_base_{fmt}.pth"] = {"keys": list(fuzz)}

    # safetensors written from the spec; header order deliberately not alphabetical.
    torch.manual_seed(3)
    st = collections.OrderedDict()
    st["z.weight"] = torch.randn(4, 3)
    st["a.bias"] = torch.randn(4).to(torch.float16)
    st["m.bf16"] = torch.randn(2, 2).to(torch.bfloat16)
    st["ids"] = torch.tensor([[1, -2], [3, 2 ** 40]], dtype=torch.int64)
    st["mask"] = torch.tensor([True, False])
    st["bytes"] = torch.tensor([0, 255], dtype=torch.uint8)
    st["f64"] = torch.tensor([1.0 / 3.0], dtype=torch.float64)
    st["i32"] = torch.tensor([-5], dtype=torch.int32)
    st["empty"] = torch.zeros(2, 0)
    st["scalar"] = torch.tensor(9.5)
    meta = {"format": "pt", "source": "make_serialization_fixtures.py"}
    write_safetensors(os.path.join(out, "model.safetensors"), st, meta)
    manifest["files"]["model.safetensors"] = {"tensors": records(st), "keys": list(st), "metadata": meta}

    # Plain pickles of every protocol (for the unpickler itself).
    obj = plain_object()
    shared_list = [7, 8]
    obj["shared"] = [shared_list, shared_list]
    for protocol in range(0, 6):
        with open(os.path.join(out, f"plain_p{protocol}.pkl"), "wb") as f:
            pickle.dump(obj, f, protocol=protocol)

    # Malicious files: loading them with PyTorch runs a shell command.
    malicious = {}
    save("malicious_system_zip.pth", Evil())
    save("malicious_system_legacy.pth", Evil(), legacy=True)
    save("malicious_eval_zip.pth", EvilEval())
    save("malicious_nested_zip.pth", collections.OrderedDict([("w", torch.ones(2)), ("evil", Evil())]))
    for name in ("malicious_system_zip.pth", "malicious_system_legacy.pth", "malicious_eval_zip.pth", "malicious_nested_zip.pth"):
        malicious[name] = verify_malicious(os.path.join(out, name), out)
    manifest["malicious_verified"] = malicious

    if weights and os.path.exists(weights):
        sd = torch.load(weights, map_location="cpu")
        manifest["weights"] = {
            "path": weights,
            "keys": list(sd),
            "tensors": {k: {"dtype": str(v.dtype).replace("torch.", ""), "shape": list(v.shape),
                            "sha256": hashlib.sha256(v.contiguous().reshape(-1).view(torch.uint8).numpy().tobytes()).hexdigest(),
                            "first": [float(x) for x in v.reshape(-1)[:4].tolist()]}
                        for k, v in sd.items()}}

    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)


def dump(path, out, full=False):
    obj = torch.load(path, weights_only=not full)
    result = {"type": type(obj).__name__}
    if isinstance(obj, dict):
        tensors = collections.OrderedDict((k, v) for k, v in obj.items() if isinstance(v, torch.Tensor))
        result["keys"] = list(obj)
        result["tensors"] = records(tensors)
        result["sharing"] = sharing(tensors)
        result["scalars"] = {k: v for k, v in obj.items() if isinstance(v, (int, float, str, bool, type(None)))}
    with open(out, "w") as f:
        json.dump(result, f)


def dump_safetensors(path, out):
    dtypes = {"F32": torch.float32, "F64": torch.float64, "F16": torch.float16, "BF16": torch.bfloat16,
              "I64": torch.int64, "I32": torch.int32, "I16": torch.int16, "I8": torch.int8,
              "U8": torch.uint8, "BOOL": torch.bool}
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n].decode("utf-8"), object_pairs_hook=collections.OrderedDict)
    assert (8 + n) % 8 == 0, "data not 8-byte aligned"
    body = data[8 + n:]
    meta = header.pop("__metadata__", None)
    tensors = collections.OrderedDict()
    end = 0
    for name, info in header.items():
        b, e = info["data_offsets"]
        assert b == end, "gap or overlap"
        end = e
        raw = bytearray(body[b:e])
        t = torch.frombuffer(raw, dtype=dtypes[info["dtype"]]) if raw else torch.empty(0, dtype=dtypes[info["dtype"]])
        tensors[name] = t.reshape(info["shape"])
    assert end == len(body), "data not fully covered"
    with open(out, "w") as f:
        json.dump({"keys": list(tensors), "tensors": records(tensors), "metadata": meta}, f)


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "make":
        make(sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else None)
    elif mode == "dump":
        dump(sys.argv[2], sys.argv[3], len(sys.argv) > 4 and sys.argv[4] == "full")
    elif mode == "dump_safetensors":
        dump_safetensors(sys.argv[2], sys.argv[3])
    else:
        sys.exit("unknown mode " + mode)
