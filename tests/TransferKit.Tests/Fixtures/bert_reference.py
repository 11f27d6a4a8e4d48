"""Reference data for TransferKit's transformer tests, computed with PyTorch 1.13.

`transformers` is not available here: BertModel below is written from Hugging Face's modeling_bert
(same module names, so the same state-dict keys, and the same operations in the same order).
Run as `bert_reference.py OUT COMMAND THREADS`, with THREADS intra-op threads (the test process's
count, so that sums run in the same order). Commands:

  blocks
      OUT/reference.pth, a dict of tensors (float32 unless said):
        emb.weight [11, 6], emb.ids [3, 5] int64 (including the padding id 2), emb.out,
        emb.grad (d sum(out * emb.upstream) / d weight; the padding row stays 0), emb.upstream;
        attn.q/k/v [2, 3, 5, 4], attn.mask [2, 5] (0/1), attn.out (HF's additive mask
        (1 - mask) * finfo.min, unsqueezed to [2, 1, 1, 5]), attn.upstream, attn.grad.q/k/v;
        ln.x [2, 5, 8], ln.weight, ln.bias, ln.out (eps 1e-12), ln.grad.x/weight/bias, ln.upstream;
        gelu.x, gelu.out, gelu.grad (exact erf GELU);
        pool.h [2, 5, 8], pool.mask, pool.out (masked mean), pool.grad, pool.upstream.

  bert
      A small random BERT (CONFIG below, torch.manual_seed(0), HF's initialisation) with a
      2-class sequence-classification head. Writes
        OUT/config.json                 the Hugging Face config
        OUT/pytorch_model.bin           torch.save(BertForSequenceClassification.state_dict())
        OUT/model.safetensors           the same, from the safetensors specification
        OUT/legacy/pytorch_model.bin    the same with old names (LayerNorm.gamma/beta) and the
                                        embeddings.position_ids buffer old checkpoints carry
        OUT/reference.pth               input_ids, attention_mask (with padding), token_type_ids,
                                        labels; evaluation mode: last_hidden_state, pooler_output,
                                        logits (pooler head), loss (cross-entropy), grad.<key> for
                                        every parameter; mean.logits and mean.grad.<key>: the same
                                        weights with mean pooling over the mask instead of the pooler.
"""
import json
import math
import os
import sys

import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from zoo_fixtures import write_safetensors  # noqa: E402

CONFIG = {"vocab_size": 99, "hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4,
          "intermediate_size": 37, "hidden_act": "gelu", "hidden_dropout_prob": 0.1,
          "attention_probs_dropout_prob": 0.1, "max_position_embeddings": 40, "type_vocab_size": 2,
          "layer_norm_eps": 1e-12, "pad_token_id": 0, "initializer_range": 0.02,
          "model_type": "bert", "architectures": ["BertForSequenceClassification"]}


class BertEmbeddings(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.word_embeddings = nn.Embedding(c["vocab_size"], c["hidden_size"], padding_idx=c["pad_token_id"])
        self.position_embeddings = nn.Embedding(c["max_position_embeddings"], c["hidden_size"])
        self.token_type_embeddings = nn.Embedding(c["type_vocab_size"], c["hidden_size"])
        self.LayerNorm = nn.LayerNorm(c["hidden_size"], eps=c["layer_norm_eps"])
        self.dropout = nn.Dropout(c["hidden_dropout_prob"])

    def forward(self, input_ids, token_type_ids):
        positions = torch.arange(input_ids.shape[1]).unsqueeze(0)
        embeddings = self.word_embeddings(input_ids) + self.token_type_embeddings(token_type_ids)
        embeddings += self.position_embeddings(positions)
        return self.dropout(self.LayerNorm(embeddings))


class BertSelfAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.heads = c["num_attention_heads"]
        self.head_size = c["hidden_size"] // self.heads
        self.query = nn.Linear(c["hidden_size"], c["hidden_size"])
        self.key = nn.Linear(c["hidden_size"], c["hidden_size"])
        self.value = nn.Linear(c["hidden_size"], c["hidden_size"])
        self.dropout = nn.Dropout(c["attention_probs_dropout_prob"])

    def split(self, x):
        return x.view(x.shape[0], x.shape[1], self.heads, self.head_size).permute(0, 2, 1, 3)

    def forward(self, hidden, mask):
        q, k, v = self.split(self.query(hidden)), self.split(self.key(hidden)), self.split(self.value(hidden))
        return attention(q, k, v, mask, self.dropout).permute(0, 2, 1, 3).contiguous().view(hidden.shape)


def attention(q, k, v, mask, dropout=None):
    scores = torch.matmul(q, k.transpose(-1, -2))
    scores = scores / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores + mask
    probs = F.softmax(scores, dim=-1)
    if dropout is not None:
        probs = dropout(probs)
    return torch.matmul(probs, v)


def extended_mask(mask, dtype=torch.float32):
    return (1.0 - mask[:, None, None, :].to(dtype)) * torch.finfo(dtype).min


class ResidualOutput(nn.Module):
    def __init__(self, c, inner):
        super().__init__()
        self.dense = nn.Linear(inner, c["hidden_size"])
        self.LayerNorm = nn.LayerNorm(c["hidden_size"], eps=c["layer_norm_eps"])
        self.dropout = nn.Dropout(c["hidden_dropout_prob"])

    def forward(self, x, residual):
        return self.LayerNorm(self.dropout(self.dense(x)) + residual)


class BertAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.self = BertSelfAttention(c)
        self.output = ResidualOutput(c, c["hidden_size"])

    def forward(self, hidden, mask):
        return self.output(self.self(hidden, mask), hidden)


class BertIntermediate(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c["hidden_size"], c["intermediate_size"])

    def forward(self, x):
        return F.gelu(self.dense(x))


class BertLayer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.attention = BertAttention(c)
        self.intermediate = BertIntermediate(c)
        self.output = ResidualOutput(c, c["intermediate_size"])

    def forward(self, hidden, mask):
        attended = self.attention(hidden, mask)
        return self.output(self.intermediate(attended), attended)


class BertEncoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.layer = nn.ModuleList([BertLayer(c) for _ in range(c["num_hidden_layers"])])


class BertPooler(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c["hidden_size"], c["hidden_size"])

    def forward(self, hidden):
        return torch.tanh(self.dense(hidden[:, 0]))


class BertModel(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embeddings = BertEmbeddings(c)
        self.encoder = BertEncoder(c)
        self.pooler = BertPooler(c)

    def forward(self, input_ids, attention_mask, token_type_ids):
        mask = extended_mask(attention_mask)
        hidden = self.embeddings(input_ids, token_type_ids)
        for layer in self.encoder.layer:
            hidden = layer(hidden, mask)
        return hidden, self.pooler(hidden)


class BertForSequenceClassification(nn.Module):
    def __init__(self, c, num_labels):
        super().__init__()
        self.bert = BertModel(c)
        self.dropout = nn.Dropout(c["hidden_dropout_prob"])
        self.classifier = nn.Linear(c["hidden_size"], num_labels)
        self.mean_pooling = False

    def forward(self, input_ids, attention_mask, token_type_ids):
        hidden, pooled = self.bert(input_ids, attention_mask, token_type_ids)
        if self.mean_pooling:
            m = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * m).sum(1) / torch.clamp(m.sum(1), min=1e-9)
        return self.classifier(self.dropout(pooled)), hidden


def init_weights(model, std):
    """Hugging Face's _init_weights."""
    for m in model.modules():
        if isinstance(m, nn.Linear):
            m.weight.data.normal_(mean=0.0, std=std)
            m.bias.data.zero_()
        elif isinstance(m, nn.Embedding):
            m.weight.data.normal_(mean=0.0, std=std)
            if m.padding_idx is not None:
                m.weight.data[m.padding_idx].zero_()
        elif isinstance(m, nn.LayerNorm):
            m.bias.data.zero_()
            m.weight.data.fill_(1.0)


def grads_of(output, inputs, upstream):
    return torch.autograd.grad((output * upstream).sum(), inputs)


def blocks(out):
    torch.manual_seed(1)
    r = {}
    weight = torch.randn(11, 6, requires_grad=True)
    ids = torch.tensor([[1, 2, 3, 2, 10], [0, 0, 5, 7, 2], [9, 8, 7, 6, 5]])
    y = F.embedding(ids, weight, padding_idx=2)
    up = torch.randn_like(y)
    (g,) = grads_of(y, [weight], up)
    r.update({"emb.weight": weight.detach(), "emb.ids": ids, "emb.out": y.detach(), "emb.grad": g, "emb.upstream": up})

    q, k, v = (torch.randn(2, 3, 5, 4, requires_grad=True) for _ in range(3))
    mask = torch.tensor([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]])
    y = attention(q, k, v, extended_mask(mask))
    up = torch.randn_like(y)
    gq, gk, gv = grads_of(y, [q, k, v], up)
    r.update({"attn.q": q.detach(), "attn.k": k.detach(), "attn.v": v.detach(), "attn.mask": mask,
              "attn.out": y.detach(), "attn.upstream": up, "attn.grad.q": gq, "attn.grad.k": gk, "attn.grad.v": gv})

    x = torch.randn(2, 5, 8, requires_grad=True)
    w = (1 + 0.1 * torch.randn(8)).requires_grad_()
    b = (0.1 * torch.randn(8)).requires_grad_()
    y = F.layer_norm(x, (8,), w, b, eps=1e-12)
    up = torch.randn_like(y)
    gx, gw, gb = grads_of(y, [x, w, b], up)
    r.update({"ln.x": x.detach(), "ln.weight": w.detach(), "ln.bias": b.detach(), "ln.out": y.detach(),
              "ln.upstream": up, "ln.grad.x": gx, "ln.grad.weight": gw, "ln.grad.bias": gb})

    x = (3 * torch.randn(4, 7)).requires_grad_()
    y = F.gelu(x)
    up = torch.randn_like(y)
    (gx,) = grads_of(y, [x], up)
    r.update({"gelu.x": x.detach(), "gelu.out": y.detach(), "gelu.upstream": up, "gelu.grad": gx})

    h = torch.randn(2, 5, 8, requires_grad=True)
    m = torch.tensor([[1, 1, 0, 0, 0], [1, 1, 1, 1, 1]])
    mf = m.unsqueeze(-1).float()
    y = (h * mf).sum(1) / torch.clamp(mf.sum(1), min=1e-9)
    up = torch.randn_like(y)
    (gh,) = grads_of(y, [h], up)
    r.update({"pool.h": h.detach(), "pool.mask": m, "pool.out": y.detach(), "pool.upstream": up, "pool.grad": gh})
    torch.save(r, os.path.join(out, "reference.pth"))


def bert(out):
    torch.manual_seed(0)
    model = BertForSequenceClassification(CONFIG, 2)
    init_weights(model, CONFIG["initializer_range"])
    model.eval()
    state = model.state_dict()
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(CONFIG, f, indent=2)
    torch.save(state, os.path.join(out, "pytorch_model.bin"))
    write_safetensors(os.path.join(out, "model.safetensors"), state)
    legacy = {}
    for key, t in state.items():
        legacy[key.replace("LayerNorm.weight", "LayerNorm.gamma").replace("LayerNorm.bias", "LayerNorm.beta")] = t
        if key == "bert.embeddings.position_embeddings.weight":
            legacy["bert.embeddings.position_ids"] = torch.arange(CONFIG["max_position_embeddings"]).unsqueeze(0)
    os.makedirs(os.path.join(out, "legacy"))
    torch.save(legacy, os.path.join(out, "legacy", "pytorch_model.bin"))

    input_ids = torch.tensor([[2, 45, 17, 88, 3, 9, 98, 1], [2, 60, 33, 3, 0, 0, 0, 0], [2, 5, 3, 7, 11, 0, 0, 0]])
    attention_mask = (input_ids != 0).long()
    token_type_ids = torch.tensor([[0, 0, 0, 0, 0, 1, 1, 1], [0] * 8, [0, 0, 0, 1, 1, 0, 0, 0]])
    labels = torch.tensor([1, 0, 1])
    r = {"input_ids": input_ids, "attention_mask": attention_mask, "token_type_ids": token_type_ids, "labels": labels}
    for prefix, mean in (("", False), ("mean.", True)):
        model.mean_pooling = mean
        model.zero_grad()
        logits, hidden = model(input_ids, attention_mask, token_type_ids)
        loss = F.cross_entropy(logits, labels)
        loss.backward()
        r[prefix + "logits"] = logits.detach()
        r[prefix + "loss"] = loss.detach()
        for name, p in model.named_parameters():
            r[prefix + "grad." + name] = p.grad.clone() if p.grad is not None else torch.zeros_like(p)
        if not mean:
            with torch.no_grad():
                h, pooled = model.bert(input_ids, attention_mask, token_type_ids)
            r["last_hidden_state"], r["pooler_output"] = h, pooled
    torch.save(r, os.path.join(out, "reference.pth"))


if __name__ == "__main__":
    out, command, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
    torch.set_num_threads(threads)
    if command == "blocks":
        blocks(out)
    elif command == "bert":
        bert(out)
    else:
        sys.exit(f"unknown command {command}")
