"""Reference outputs of torchvision 0.14's VisionTransformer for TransferKit's ViT parity tests.

Usage: vit_reference.py <out> [tiny|b16]

tiny (default): a seeded VisionTransformer of VitConfig.Tiny's shape (32 px images, 8 px patches,
64 wide, 2 layers, 4 heads, MLP 128, 5 classes) with every parameter perturbed randomly (so that
no gradient is trivially zero), written as
  tiny_tv.pth        torchvision's state dict
  tiny_hf.pth        the same weights in Hugging Face ViTForImageClassification keys (mapping below)
  tiny_hf_model.pth  the same in Hugging Face ViTModel keys (no prefix, a pooler, no classifier)
  tiny_ref.pth       input x [3, 3, 32, 32], target, logits, the [CLS] features, loss, the gradient
                     of the cross-entropy loss w.r.t. x ("grad_input") and every parameter
                     ("grad.<name>"); the position embeddings interpolated to 48 px by torchvision's
                     interpolate_embeddings ("pos_48") and the logits of the 48 px model on x48.
b16: torchvision's vit_b_16 (random, seeded; 1000 classes) as b16_tv.pth, and b16_ref.pth with
  one input image, its logits, and the gradients of the loss w.r.t. the input and conv_proj.weight.
"""
import sys

import torch
import torch.nn.functional as F
from torchvision.models.vision_transformer import VisionTransformer, interpolate_embeddings, vit_b_16

out = sys.argv[1]
which = sys.argv[2] if len(sys.argv) > 2 else "tiny"
torch.manual_seed(0)


def to_hf(sd, layers, prefix="vit.", classifier=True, pooler_dim=None):
    """torchvision keys -> Hugging Face ViT keys (written independently of TransferKit's VitKeys)."""
    hf = {
        prefix + "embeddings.cls_token": sd["class_token"],
        prefix + "embeddings.position_embeddings": sd["encoder.pos_embedding"],
        prefix + "embeddings.patch_embeddings.projection.weight": sd["conv_proj.weight"],
        prefix + "embeddings.patch_embeddings.projection.bias": sd["conv_proj.bias"],
        prefix + "layernorm.weight": sd["encoder.ln.weight"],
        prefix + "layernorm.bias": sd["encoder.ln.bias"],
    }
    for i in range(layers):
        tv = "encoder.layers.encoder_layer_%d." % i
        h = prefix + "encoder.layer.%d." % i
        for kind in ("weight", "bias"):
            q, k, v = sd[tv + "self_attention.in_proj_" + kind].chunk(3)
            hf[h + "attention.attention.query." + kind] = q.clone()
            hf[h + "attention.attention.key." + kind] = k.clone()
            hf[h + "attention.attention.value." + kind] = v.clone()
            hf[h + "attention.output.dense." + kind] = sd[tv + "self_attention.out_proj." + kind]
            hf[h + "layernorm_before." + kind] = sd[tv + "ln_1." + kind]
            hf[h + "layernorm_after." + kind] = sd[tv + "ln_2." + kind]
            hf[h + "intermediate.dense." + kind] = sd[tv + "mlp.0." + kind]
            hf[h + "output.dense." + kind] = sd[tv + "mlp.3." + kind]
    if classifier:
        hf["classifier.weight"] = sd["heads.head.weight"]
        hf["classifier.bias"] = sd["heads.head.bias"]
    if pooler_dim is not None:
        hf[prefix + "pooler.dense.weight"] = torch.randn(pooler_dim, pooler_dim)
        hf[prefix + "pooler.dense.bias"] = torch.randn(pooler_dim)
    return hf


def reference(model, x, target):
    model.train()  # dropout is 0; train mode keeps nn.MultiheadAttention on its differentiable path
    x = x.clone().requires_grad_()
    feats = model.encoder(torch.cat([model.class_token.expand(x.shape[0], -1, -1), model._process_input(x)], dim=1))[:, 0]
    logits = model.heads(feats)
    loss = F.cross_entropy(logits, target)
    model.zero_grad()
    loss.backward()
    return feats, logits, loss, x.grad


if which == "tiny":
    model = VisionTransformer(image_size=32, patch_size=8, num_layers=2, num_heads=4, hidden_dim=64, mlp_dim=128, num_classes=5)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.05 * torch.randn_like(p))
    sd = {k: v.detach().clone() for k, v in model.state_dict().items()}
    torch.save(sd, f"{out}/tiny_tv.pth")
    torch.save(to_hf(sd, 2), f"{out}/tiny_hf.pth")
    torch.save(to_hf(sd, 2, prefix="", classifier=False, pooler_dim=64), f"{out}/tiny_hf_model.pth")

    x = torch.randn(3, 3, 32, 32)
    target = torch.tensor([0, 3, 4])
    feats, logits, loss, grad_x = reference(model, x, target)
    ref = {"x": x, "target": target, "features": feats.detach(), "logits": logits.detach(), "loss": loss.detach(), "grad_input": grad_x}
    for name, p in model.named_parameters():
        ref["grad." + name] = p.grad.clone()

    sd48 = interpolate_embeddings(48, 8, dict(sd))
    ref["pos_48"] = sd48["encoder.pos_embedding"]
    model48 = VisionTransformer(image_size=48, patch_size=8, num_layers=2, num_heads=4, hidden_dim=64, mlp_dim=128, num_classes=5)
    model48.load_state_dict(sd48)
    model48.eval()
    x48 = torch.randn(2, 3, 48, 48)
    with torch.no_grad():
        ref["x48"] = x48
        ref["logits_48"] = model48(x48)
    torch.save(ref, f"{out}/tiny_ref.pth")
else:
    model = vit_b_16()
    with torch.no_grad():
        model.heads.head.weight.normal_(0, 0.02)  # torchvision zeroes the head: make the logits informative
    torch.save(model.state_dict(), f"{out}/b16_tv.pth")
    x = torch.randn(1, 3, 224, 224)
    target = torch.tensor([7])
    feats, logits, loss, grad_x = reference(model, x, target)
    torch.save({"x": x, "target": target, "logits": logits.detach(), "grad_input": grad_x,
                "grad.conv_proj.weight": model.conv_proj.weight.grad.clone(),
                "grad.encoder.layers.encoder_layer_0.self_attention.in_proj_weight":
                    model.encoder.layers.encoder_layer_0.self_attention.in_proj_weight.grad.clone()},
               f"{out}/b16_ref.pth")
