#!/usr/bin/python3
"""PyTorch side of the end-to-end workload comparison (TransferKit side: `TransferKit.Benchmarks workloads`).

    /usr/bin/python3 benchmarks/pytorch/workloads_bench.py [--only GROUP,...] [--json PATH] [--data DIR] [--weights PATH] [--audio DIR]

Groups, in run order: mlp, trainer, resnet_b4, resnet_b32, resnet_b32_fast (channels_last + bf16 autocast), frozen, state_dict, data, feature_cache, bert_b32, audio_b32. The
figure names, warm-up and repetition counts and the JSON layout are the same as TransferKit's
console mode, so benchmarks/summarize_workloads.py can pair them. The work measured is that of
/work/shared/bench/pytorch_baseline.py (same models, optimizers, batch sizes and transforms); the
code is this script's own. 2 intra-op threads. OMP_WAIT_POLICY is whatever the caller exported
(benchmarks/workloads-compare.sh exports the same value for both sides).
"""

import argparse
import json
import os
import statistics
import sys
import time
from datetime import datetime, timezone

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
from torchvision import datasets, transforms

GROUPS = ["mlp", "trainer", "resnet_b4", "resnet_b32", "resnet_b32_fast", "frozen", "state_dict", "data", "feature_cache", "bert_b32", "audio_b32"]
HERE = os.path.dirname(os.path.abspath(__file__))
MEAN, STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]


def shared(*parts):
    d = HERE
    while True:
        c = os.path.join(d, "shared", *parts)
        if os.path.exists(c):
            return c
        if os.path.dirname(d) == d:
            raise FileNotFoundError("shared/" + "/".join(parts))
        d = os.path.dirname(d)


def loadavg():
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def timed(fn, warmup, reps):
    """fn() warmup times untimed, then reps times timed; seconds per repetition."""
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


RESULTS = {}


def add(name, values, unit):
    RESULTS[name] = {"unit": unit, "median": statistics.median(values), "min": min(values), "max": max(values), "values": values}
    print(f"{name:<34} {statistics.median(values):12.3f} {unit:<6} (min {min(values):.3f}, max {max(values):.3f}, n {len(values)}) load {loadavg()}", flush=True)


def train_step(model, opt, crit, x, y, bf16=False):
    def step():
        opt.zero_grad()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            loss = crit(model(x), y)
        loss.backward()
        opt.step()
    return step


def resnet_train(batch, warmup, reps, fast=False):
    """The ResNet-18 step; with fast, PyTorch's fastest CPU recipe: model and input in channels_last,
    forward and loss under torch.autocast("cpu", dtype=torch.bfloat16)."""
    torch.manual_seed(0)
    model = torchvision.models.resnet18(weights=None, num_classes=1000)
    model.train()
    x = torch.randn(batch, 3, 224, 224)
    y = torch.randint(0, 1000, (batch,))
    if fast:
        model = model.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    opt = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)
    return [t * 1e3 for t in timed(train_step(model, opt, nn.CrossEntropyLoss(), x, y, bf16=fast), warmup, reps)]


def resnet_frozen(batch, backbone_eval):
    """pytorch_baseline.py's frozen step: requires_grad False on the backbone, new fc Linear(512, 2),
    model.train() (BatchNorm uses batch statistics); with backbone_eval the backbone runs in eval mode
    (running statistics), which is what TransferKit does by default."""
    torch.manual_seed(0)
    model = torchvision.models.resnet18(weights=None, num_classes=1000)
    for p in model.parameters():
        p.requires_grad = False
    model.fc = nn.Linear(512, 2)
    model.train()
    if backbone_eval:
        model.eval()
        model.fc.train()
    x = torch.randn(batch, 3, 224, 224)
    y = torch.randint(0, 2, (batch,))
    opt = torch.optim.SGD(model.fc.parameters(), lr=1e-3, momentum=0.9)
    return [t * 1e3 for t in timed(train_step(model, opt, nn.CrossEntropyLoss(), x, y), 1, 5)]


def mlp_setup():
    """The MLP, its SGD optimizer and 50 random batches of 100 (the same on both sides of the comparison)."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 100), nn.ReLU(), nn.Linear(100, 10))
    opt = torch.optim.SGD(model.parameters(), lr=1e-2)
    xs = torch.randn(50, 100, 784)
    ys = torch.randint(0, 10, (50, 100))
    return model, opt, [xs[i] for i in range(50)], [ys[i] for i in range(50)]


def mlp_steps(steps):
    model, opt, xb, yb = mlp_setup()
    state = {"next": 0}

    def run():
        for _ in range(steps):
            k = state["next"] % 50
            state["next"] += 1
            loss = F.cross_entropy(model(xb[k]), yb[k])
            loss.backward()
            opt.step()
            opt.zero_grad()
    return run


def mlp_tutorial_epoch(steps):
    """The MLP steps as the PyTorch tutorials' training loop writes them: the loss read and the
    correct predictions counted every batch (what TransferKit's Trainer reports)."""
    model, opt, xb, yb = mlp_setup()
    state = {"next": 0}

    def run():
        model.train()
        running_loss, correct, seen = 0.0, 0, 0
        for _ in range(steps):
            k = state["next"] % 50
            state["next"] += 1
            opt.zero_grad()
            out = model(xb[k])
            loss = F.cross_entropy(out, yb[k])
            loss.backward()
            opt.step()
            running_loss += loss.item() * yb[k].size(0)
            correct += (out.argmax(1) == yb[k]).sum().item()
            seen += yb[k].size(0)
        return running_loss / seen, correct / seen
    return run


def per_step(workload):
    probe = workload(50)
    probe()
    t0, runs = time.perf_counter(), 0
    while time.perf_counter() - t0 < 0.5:
        probe()
        runs += 1
    steps = max(50, int(0.5 * runs * 50 / (time.perf_counter() - t0)))
    return [t * 1e6 / steps for t in timed(workload(steps), 1, 7)]


def mlp():
    return per_step(mlp_steps)


def state_dict(path):
    target = torchvision.models.resnet18(weights=None, num_classes=5)

    def load():
        target.load_state_dict(torch.load(path, map_location="cpu"))  # the loaded dict is freed as the statement ends
    add("state_dict_load", [t * 1e3 for t in timed(load, 2, 15)], "ms")
    read, apply = [], []
    for k in range(17):
        t0 = time.perf_counter()
        sd = torch.load(path, map_location="cpu")
        t1 = time.perf_counter()
        target.load_state_dict(sd)
        t2 = time.perf_counter()
        del sd
        if k >= 2:
            read.append((t1 - t0) * 1e3)
            apply.append((t2 - t1) * 1e3)
    add("state_dict_read", read, "ms")
    add("state_dict_apply", apply, "ms")
    # PyTorch's one-call idiom again, timed anew, as the counterpart of TransferKit's
    # TorchSerializer.LoadStateDictInto (PyTorch 1.13 has no call that reads into the model).
    add("state_dict_load_into", [t * 1e3 for t in timed(load, 2, 15)], "ms")


def data_pipeline(root):
    tf = transforms.Compose([
        transforms.RandomResizedCrop(224),
        transforms.RandomHorizontalFlip(),
        transforms.ToTensor(),
        transforms.Normalize(MEAN, STD),
    ])
    ds = datasets.ImageFolder(root, tf)
    n = len(ds)
    for nw in (0, 2):
        dl = torch.utils.data.DataLoader(ds, batch_size=32, shuffle=True, num_workers=nw)
        count = [0]

        def one_pass():
            count[0] = sum(xb.shape[0] for xb, _ in dl)
        passes = timed(one_pass, 1, 3)  # worker start-up is inside each pass, as in TransferKit
        assert count[0] == n, (count[0], n)
        add(f"data_w{nw}_images_per_s", [n / s for s in passes], "img/s")


def feature_cache(root, weights):
    """For scale only: the tutorial's fixed-feature-extractor loop, which recomputes the frozen
    backbone every epoch (model.train(), evaluation transform, batch 32, 2 workers)."""
    tf = transforms.Compose([transforms.Resize(256), transforms.CenterCrop(224), transforms.ToTensor(), transforms.Normalize(MEAN, STD)])
    ds = datasets.ImageFolder(root, tf)
    torch.manual_seed(0)
    model = torchvision.models.resnet18(weights=None, num_classes=5)
    model.load_state_dict(torch.load(weights, map_location="cpu"))
    for p in model.parameters():
        p.requires_grad = False
    model.fc = nn.Linear(512, len(ds.classes))
    opt = torch.optim.SGD(model.fc.parameters(), lr=1e-3, momentum=0.9)
    crit = nn.CrossEntropyLoss()
    dl = torch.utils.data.DataLoader(ds, batch_size=32, shuffle=True, num_workers=2)
    with torch.no_grad():  # untimed warm-up batch, as on TransferKit's side
        model(torch.randn(32, 3, 224, 224))
    t0 = time.perf_counter()
    model.train()
    for xb, yb in dl:
        opt.zero_grad()
        loss = crit(model(xb), yb)
        loss.backward()
        opt.step()
    epochs = [time.perf_counter() - t0]
    add("featcache_recompute_epoch_s", epochs, "s")


def audio_clips(root, count=32):
    """The clips of the audio workload: every (files // count)-th .wav of root in ordinal name order
    (TransferKit's AudioWorkloads.Clips picks the same files)."""
    files = sorted(f for f in os.listdir(root) if f.lower().endswith(".wav"))
    if len(files) < count:
        raise ValueError(f"{root} holds {len(files)} .wav files; the audio workload needs {count}")
    return [os.path.join(root, files[k * (len(files) // count)]) for k in range(count)]


def audio_batch(root):
    """Audio loading + features for a batch of 32 clips (8 kHz spoken digits): torchaudio.load,
    torchaudio.functional.resample to 16 kHz, pad/truncate to one second, MelSpectrogram (64 mels,
    n_fft 400, hop 160) and AmplitudeToDB (power, top_db 80) on the stacked [32, 1, 16000] batch
    (per-clip dB floors, as TransferKit's AudioDataLoader computes them). ms per batch. A second figure
    resamples with transforms.Resample, which builds its kernel once instead of per call."""
    import torchaudio
    files = audio_clips(root)
    mel = torchaudio.transforms.MelSpectrogram(sample_rate=16000, n_fft=400, hop_length=160, n_mels=64)
    db = torchaudio.transforms.AmplitudeToDB(stype="power", top_db=80)
    cached = torchaudio.transforms.Resample(8000, 16000)

    def batch(resample):
        clips = []
        for f in files:
            w, sr = torchaudio.load(f)
            w = resample(w.mean(0) if w.shape[0] > 1 else w[0], sr)
            w = w[:16000]
            clips.append(F.pad(w, (0, 16000 - w.shape[-1])) if w.shape[-1] < 16000 else w)
        x = torch.stack(clips).unsqueeze(1)
        return db(mel(x))

    functional = lambda w, sr: torchaudio.functional.resample(w, sr, 16000)
    shape = tuple(batch(functional).shape)
    assert shape == (32, 1, 64, 101), shape
    add("audio_b32_ms", [t * 1e3 for t in timed(lambda: batch(functional), 3, 15)], "ms")
    add("audio_b32_cached_resample_ms", [t * 1e3 for t in timed(lambda: batch(lambda w, sr: cached(w)), 3, 15)], "ms")


def minilm_train(batch, tokens):
    """BertWorkloads.MiniLmTrainStep: all-MiniLM-L6-v2's architecture (random weights) as a 2-class classifier
    with mean pooling, training mode, AdamW(5e-5, weight decay 0.01), fixed right-padded token ids. The model
    is the reference BERT of the parity tests (Hugging Face's modules and operations; transformers is not
    installed here)."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "TransferKit.Tests", "Fixtures"))
    import bert_reference
    torch.manual_seed(0)
    config = dict(bert_reference.CONFIG, vocab_size=30522, hidden_size=384, num_hidden_layers=6, num_attention_heads=12,
                  intermediate_size=1536, max_position_embeddings=512)
    model = bert_reference.BertForSequenceClassification(config, 2)
    model.mean_pooling = True
    model.train()
    ids = torch.zeros(batch, tokens, dtype=torch.long)
    mask = torch.zeros(batch, tokens, dtype=torch.long)
    for n in range(batch):
        length = max(2, tokens - 2 * (n % 16))
        for t in range(length):
            ids[n, t] = 101 if t == 0 else 102 if t == length - 1 else 1000 + (n * 131 + t * 17) % 29000
            mask[n, t] = 1
    types = torch.zeros(batch, tokens, dtype=torch.long)
    labels = torch.arange(batch) % 2
    opt = torch.optim.AdamW(model.parameters(), lr=5e-5, weight_decay=0.01)

    def step():
        opt.zero_grad()
        logits, _ = model(ids, mask, types)
        F.cross_entropy(logits, labels).backward()
        opt.step()
    return [t * 1e3 for t in timed(step, 1, 5)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", default=",".join(GROUPS))
    ap.add_argument("--json")
    ap.add_argument("--data")
    ap.add_argument("--weights")
    ap.add_argument("--audio", help="folder of 8 kHz WAV clips (default shared/data/spoken-digits)")
    a = ap.parse_args()
    only = a.only.split(",")
    unknown = [g for g in only if g not in GROUPS]
    if unknown:
        sys.exit(f"unknown workload group(s) {unknown}; known: {GROUPS}")
    data = a.data or shared("data", "hymenoptera_data")
    weights = a.weights or shared("weights", "resnet18_flowers5.pth")

    torch.set_num_threads(2)
    env = {
        "side": "pytorch",
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "intra_op_threads": torch.get_num_threads(),
        "OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY"),
        "loadavg_start": loadavg(),
        "utc_start": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ"),
    }
    print(f"PyTorch workloads, {torch.get_num_threads()} intra-op threads, OMP_WAIT_POLICY={env['OMP_WAIT_POLICY'] or '(unset)'}, load {loadavg()}", flush=True)
    for g in GROUPS:
        if g not in only:
            continue
        if g == "mlp":
            add("mlp_step", mlp(), "us")
        elif g == "trainer":
            add("mlp_trainer_step", per_step(mlp_tutorial_epoch), "us")
        elif g == "resnet_b4":
            add("resnet18_train_b4", resnet_train(4, 3, 10), "ms")
        elif g == "resnet_b32":
            add("resnet18_train_b32", resnet_train(32, 1, 5), "ms")
        elif g == "resnet_b32_fast":
            add("resnet18_train_b32_fast", resnet_train(32, 1, 5, fast=True), "ms")
        elif g == "frozen":
            add("resnet18_frozen_b32_bneval", resnet_frozen(32, backbone_eval=True), "ms")
            add("resnet18_frozen_b32_bntrain", resnet_frozen(32, backbone_eval=False), "ms")
        elif g == "state_dict":
            state_dict(weights)
        elif g == "data":
            data_pipeline(os.path.join(data, "train"))
        elif g == "feature_cache":
            feature_cache(os.path.join(data, "train"), weights)
        elif g == "bert_b32":
            add("minilm_train_b32_t64", minilm_train(32, 64), "ms")
        elif g == "audio_b32":
            audio_batch(a.audio or shared("data", "spoken-digits"))
    env["loadavg_end"] = loadavg()
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"env": env, "results": RESULTS}, f, indent=2)


if __name__ == "__main__":
    main()
