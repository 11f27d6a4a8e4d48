"""Reference data for TransferKit's wav2vec2 tests, computed with torchaudio 0.13 (Debian's python3-torchaudio).

`transformers` is not available here: the encoder is torchaudio's `wav2vec2_model` (fairseq's and Hugging Face's
arithmetic, its own module names), its weights renamed to Hugging Face's `Wav2Vec2ForSequenceClassification` keys
(the inverse of torchaudio's utils/import_huggingface.py mapping), and the sequence-classification head written
from Hugging Face's modeling_wav2vec2 (projector → mean over unpadded frames → classifier; no dropout).
Run as `wav2vec2_reference.py OUT THREADS` with THREADS intra-op threads (the test process's count).

For each VARIANT in VARIANTS (small random models, torch.manual_seed):
  base    feat_extract_norm "group" (GroupNorm on the first conv), post-LN layers, even positional kernel
  stable  feat_extract_norm "layer" (LayerNorm after every conv, conv biases), pre-LN layers
          (do_stable_layer_norm), odd positional kernel
writes OUT/VARIANT/
  config.json                         Hugging Face's config (id2label of 3 classes)
  pytorch_model.bin                   torch.save of the HF-named float32 state dict, weight norm as weight_g / weight_v
  parametrized/model.safetensors      the same with PyTorch 2's names parametrizations.weight.original0 / original1,
  parametrized/config.json            plus wav2vec2.masked_spec_embed (which the model accepts and drops)
  reference.pth                       input_values [3, 400] (zero-padded), lengths [3], attention_mask [3, 400],
                                      labels [3]; for PREFIX in "f32." (float32) and "f64." (the same weights and
                                      inputs in float64), in evaluation mode: PREFIX last_hidden_state [3, T, H],
                                      PREFIX frame_lengths, PREFIX logits, PREFIX loss (cross-entropy), and
                                      PREFIX grad.<HF key> for every parameter (of that loss, backward).
and OUT/blocks.pth, the functions below the model on their own (float64, so exact to rounding):
  gn.x [2, 6, 5], gn.weight, gn.bias, gn.out (F.group_norm, 3 groups, eps 1e-5), gn.upstream, gn.grad.x/weight/bias;
  conv.x [2, 4, 11], conv.weight [6, 2, 3], conv.bias, conv.out (F.conv1d stride 2, padding 1, dilation 2, groups 2),
  conv.upstream, conv.grad.x/weight/bias; wn.v [6, 2, 3], wn.g [1, 1, 3], wn.out (torch._weight_norm over dim 2),
  wn.upstream, wn.grad.v/g.
The references are computed with oneDNN off (see variant()); the script fails if float32 and float64 disagree.
"""
import json
import os
import sys

import torch
import torch.nn.functional as F
from torch import nn
from torchaudio.models import wav2vec2_model

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from zoo_fixtures import write_safetensors  # noqa: E402

VARIANTS = {
    "base": dict(norm="group", stable=False, conv_bias=False, pos_kernel=8, pos_groups=4, seed=0),
    "stable": dict(norm="layer", stable=True, conv_bias=True, pos_kernel=5, pos_groups=2, seed=1),
}
CONV = [(16, 10, 5), (16, 3, 2), (16, 2, 2)]
HIDDEN, HEADS, FF, LAYERS, PROJ, LABELS = 32, 4, 37, 2, 12, 3


def hf_config(v):
    return {
        "model_type": "wav2vec2", "architectures": ["Wav2Vec2ForSequenceClassification"],
        "conv_dim": [c for c, _, _ in CONV], "conv_kernel": [k for _, k, _ in CONV], "conv_stride": [s for _, _, s in CONV],
        "conv_bias": v["conv_bias"], "feat_extract_norm": v["norm"], "feat_extract_activation": "gelu",
        "hidden_size": HIDDEN, "num_hidden_layers": LAYERS, "num_attention_heads": HEADS, "intermediate_size": FF,
        "hidden_act": "gelu", "hidden_dropout": 0.1, "activation_dropout": 0.0, "attention_dropout": 0.1,
        "feat_proj_dropout": 0.0, "final_dropout": 0.1, "layerdrop": 0.05, "layer_norm_eps": 1e-5,
        "initializer_range": 0.02, "num_conv_pos_embeddings": v["pos_kernel"],
        "num_conv_pos_embedding_groups": v["pos_groups"], "do_stable_layer_norm": v["stable"],
        "classifier_proj_size": PROJ, "mask_time_prob": 0.05, "use_weighted_layer_sum": False,
        "id2label": {"0": "yes", "1": "no", "2": "maybe"}, "label2id": {"yes": 0, "no": 1, "maybe": 2},
    }


def hf_key(key):
    """torchaudio's name of an encoder parameter → Hugging Face's (Wav2Vec2ForSequenceClassification)."""
    key = key.replace("encoder.feature_projection.", "feature_projection.")
    key = key.replace("encoder.transformer.", "encoder.")
    return "wav2vec2." + key


class Classifier(nn.Module):
    """Hugging Face's Wav2Vec2ForSequenceClassification head over torchaudio's encoder."""

    def __init__(self, v):
        super().__init__()
        self.wav2vec2 = wav2vec2_model(
            extractor_mode="group_norm" if v["norm"] == "group" else "layer_norm", extractor_conv_layer_config=CONV,
            extractor_conv_bias=v["conv_bias"], encoder_embed_dim=HIDDEN, encoder_projection_dropout=0.0,
            encoder_pos_conv_kernel=v["pos_kernel"], encoder_pos_conv_groups=v["pos_groups"],
            encoder_num_layers=LAYERS, encoder_num_heads=HEADS, encoder_attention_dropout=0.1,
            encoder_ff_interm_features=FF, encoder_ff_interm_dropout=0.0, encoder_dropout=0.1,
            encoder_layer_norm_first=v["stable"], encoder_layer_drop=0.05, aux_num_out=None)
        self.projector = nn.Linear(HIDDEN, PROJ)
        self.classifier = nn.Linear(PROJ, LABELS)

    def forward(self, values, lengths):
        hidden, frames = self.wav2vec2(values, lengths)
        projected = self.projector(hidden)
        mask = torch.arange(hidden.shape[1]).expand(hidden.shape[0], -1) < frames[:, None]
        projected = projected.masked_fill(~mask[..., None], 0.0)
        pooled = projected.sum(dim=1) / mask.sum(dim=1).view(-1, 1)
        return self.classifier(pooled), hidden, frames


def hf_state(model):
    state = {}
    for key, t in model.state_dict().items():
        state[hf_key(key[len("wav2vec2."):]) if key.startswith("wav2vec2.") else key] = t.detach().clone().contiguous()
    return state


def randomise(model):
    """Non-trivial values everywhere (norm weights and biases are 1 and 0 after construction)."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "norm" in name:
                p.copy_((1.0 if name.endswith("weight") else 0.0) + 0.1 * torch.randn_like(p))
            elif name.endswith("bias"):
                p.copy_(0.1 * torch.randn_like(p))


def run(model, values, lengths, labels, prefix, r):
    model.zero_grad()
    logits, hidden, frames = model(values, lengths)
    loss = F.cross_entropy(logits, labels)
    loss.backward()
    r[prefix + "last_hidden_state"] = hidden.detach().float() if prefix == "f32." else hidden.detach()
    r[prefix + "frame_lengths"] = frames.detach()
    r[prefix + "logits"] = logits.detach()
    r[prefix + "loss"] = loss.detach()
    for key, p in hf_state_params(model):
        r[prefix + "grad." + key] = p.grad.clone() if p.grad is not None else torch.zeros_like(p)


def hf_state_params(model):
    for key, p in model.named_parameters():
        yield (hf_key(key[len("wav2vec2."):]) if key.startswith("wav2vec2.") else key), p


def variant(out, name, v):
    torch.manual_seed(v["seed"])
    model = Classifier(v)
    randomise(model)
    model.eval()
    folder = os.path.join(out, name)
    os.makedirs(os.path.join(folder, "parametrized"))
    config = hf_config(v)
    for sub in ("", "parametrized"):
        with open(os.path.join(folder, sub, "config.json"), "w") as f:
            json.dump(config, f, indent=2)
    state = hf_state(model)
    torch.save(state, os.path.join(folder, "pytorch_model.bin"))
    parametrized = {}
    for key, t in state.items():
        key = key.replace("conv.weight_g", "conv.parametrizations.weight.original0")
        parametrized[key.replace("conv.weight_v", "conv.parametrizations.weight.original1")] = t
    parametrized["wav2vec2.masked_spec_embed"] = torch.rand(HIDDEN)
    write_safetensors(os.path.join(folder, "parametrized", "model.safetensors"), parametrized)

    lengths = torch.tensor([400, 317, 250])
    values = torch.randn(3, 400)
    values[torch.arange(400).expand(3, -1) >= lengths[:, None]] = 0.0
    attention_mask = (torch.arange(400).expand(3, -1) < lengths[:, None]).long()
    labels = torch.tensor([2, 0, 1])
    r = {"input_values": values, "lengths": lengths, "attention_mask": attention_mask, "labels": labels}
    # Debian's PyTorch 1.13 computes wrong float32 gradients (up to 1e30, varying run to run) in oneDNN's (mkldnn's)
    # GELU backward when the input is contiguous and its gradient arrives transposed, as after torchaudio's last
    # feature-encoder layer; the native kernels agree with the float64 run (checked below).
    with torch.backends.mkldnn.flags(enabled=False):
        run(model, values, lengths, labels, "f32.", r)
        model.double()
        run(model, values.double(), lengths, labels, "f64.", r)
    for key in [k for k in r if k.startswith("f32.")]:
        diff = (r[key].double() - r["f64." + key[4:]].double()).abs().max().item()
        assert diff < 1e-4, f"{name}: float32 and float64 references differ in {key[4:]} by {diff}"
    torch.save(r, os.path.join(folder, "reference.pth"))


def blocks(out):
    torch.manual_seed(7)
    r = {}

    def record(prefix, output, inputs, names):
        up = torch.randn_like(output)
        grads = torch.autograd.grad((output * up).sum(), inputs)
        r[prefix + "out"], r[prefix + "upstream"] = output.detach(), up
        for name, t, g in zip(names, inputs, grads):
            r[prefix + name] = t.detach()
            r[prefix + "grad." + name] = g

    x = torch.randn(2, 6, 5, dtype=torch.float64, requires_grad=True)
    w = (1 + 0.1 * torch.randn(6, dtype=torch.float64)).requires_grad_()
    b = (0.1 * torch.randn(6, dtype=torch.float64)).requires_grad_()
    record("gn.", F.group_norm(x, 3, w, b, eps=1e-5), [x, w, b], ["x", "weight", "bias"])
    x = torch.randn(2, 4, 11, dtype=torch.float64, requires_grad=True)
    w = torch.randn(6, 2, 3, dtype=torch.float64, requires_grad=True)
    b = torch.randn(6, dtype=torch.float64, requires_grad=True)
    record("conv.", F.conv1d(x, w, b, stride=2, padding=1, dilation=2, groups=2), [x, w, b], ["x", "weight", "bias"])
    v = torch.randn(6, 2, 3, dtype=torch.float64, requires_grad=True)
    g = torch.rand(1, 1, 3, dtype=torch.float64).add(0.5).requires_grad_()
    record("wn.", torch._weight_norm(v, g, 2), [v, g], ["v", "g"])
    torch.save(r, os.path.join(out, "blocks.pth"))


if __name__ == "__main__":
    out, threads = sys.argv[1], int(sys.argv[2])
    torch.set_num_threads(threads)
    for name, v in VARIANTS.items():
        variant(out, name, v)
    blocks(out)
