"""Reference of the transformer fine-tuning recipe (TransformerRecipe) in PyTorch 1.13.

A small named model (embeddings, encoder.layer.0/1 with LayerNorms, classifier) is trained for 12
steps on gradients fed from this script, the Hugging Face Trainer way: AdamW over two kinds of
groups (weight decay on everything except biases and LayerNorm parameters), optionally with
layer-wise LR decay, gradients clipped to a global norm of 1, and HF's get_linear_schedule_with_warmup
(written out here as the LambdaLR it is: transformers is not installed). Writes <out>/recipe.json
with the initial parameters, the gradients, and per configuration the groups' learning rates and
the parameters after every step.
"""
import collections
import json
import math
import sys

import torch
from torch import nn

out = sys.argv[1]
torch.manual_seed(0)
STEPS = 12
OD = collections.OrderedDict


def block():
    return nn.Sequential(OD([("dense", nn.Linear(4, 4)), ("LayerNorm", nn.LayerNorm(4))]))


def make_model():
    return nn.Sequential(OD([
        ("embeddings", nn.Sequential(OD([("word", nn.Linear(3, 4)), ("LayerNorm", nn.LayerNorm(4))]))),
        ("encoder", nn.Sequential(OD([("layer", nn.Sequential(block(), block()))]))),
        ("classifier", nn.Linear(4, 2)),
    ]))


template = make_model()
initial = OD((n, torch.randn_like(p)) for n, p in template.named_parameters())
# Gradients large enough that clipping to norm 1 changes them.
grads = [OD((n, 3 * torch.randn_like(p)) for n, p in template.named_parameters()) for _ in range(STEPS)]


def linear_schedule_with_warmup(optimizer, warmup, total):
    # transformers.get_linear_schedule_with_warmup
    def lr_lambda(step):
        if step < warmup:
            return float(step) / float(max(1, warmup))
        return max(0.0, float(total - step) / float(max(1, total - warmup)))
    return torch.optim.lr_scheduler.LambdaLR(optimizer, lr_lambda)


def depth(name, layers=2):
    if name.startswith("embeddings."):
        return 0
    if name.startswith("encoder.layer."):
        return int(name.split(".")[2]) + 1
    return layers + 1


def run(lr, weight_decay, warmup, layer_decay):
    model = make_model()
    with torch.no_grad():
        for n, p in model.named_parameters():
            p.copy_(initial[n])
    no_decay = {n for n, p in model.named_parameters() if n.endswith("bias") or ".LayerNorm." in n}
    groups = OD()
    for n, p in model.named_parameters():
        d = depth(n) if layer_decay is not None else 3
        decay = n not in no_decay
        key = ("decay" if decay else "no_decay") + ("" if layer_decay is None else ".depth%d" % d)
        if key not in groups:
            scale = 1.0 if layer_decay is None else layer_decay ** (3 - d)
            groups[key] = {"params": [], "lr": lr * scale, "weight_decay": weight_decay if decay else 0.0, "name": key}
        groups[key]["params"].append(p)
    opt = torch.optim.AdamW(list(groups.values()), lr=lr, weight_decay=weight_decay)
    sched = linear_schedule_with_warmup(opt, warmup, STEPS)
    lrs = [[g["lr"] for g in opt.param_groups]]
    params = []
    for step in range(STEPS):
        for n, p in model.named_parameters():
            p.grad = grads[step][n].clone()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        lrs.append([g["lr"] for g in opt.param_groups])
        params.append({n: p.detach().flatten().tolist() for n, p in model.named_parameters()})
    return {"group_names": [g["name"] for g in opt.param_groups], "lrs": lrs, "params": params}


result = {
    "initial": {n: t.flatten().tolist() for n, t in initial.items()},
    "shapes": {n: list(t.shape) for n, t in initial.items()},
    "grads": [{n: g.flatten().tolist() for n, g in step.items()} for step in grads],
    "runs": {
        "plain": run(1e-2, 0.1, 3, None),
        "layer_decay": run(2e-2, 0.05, 3, 0.8),
    },
}
with open(f"{out}/recipe.json", "w") as f:
    json.dump(result, f)
