"""Reference outputs of torchvision 0.14's tensor transforms (TransferKit's Data/Transforms parity tests).

Usage: transforms_reference.py <out> <hymenoptera_data folder>

Decodes a few real JPEGs with torchvision.io.read_image (uint8 [C, H, W]) so the C# tests need no
decoder, and writes raw little-endian tensors plus <out>/manifest.json:
  inputs: name -> {file, dtype, shape}
  cases:  name -> {op, input, params, file, dtype, shape}
The C# test runs the same op with the same params and compares. Float inputs are uint8 / 255, which
is what convert_image_dtype (and TransferKit's ConvertImageDtype) computes.
"""
import json
import os
import sys

import torch
import torchvision
import torchvision.transforms as T
import torchvision.transforms.functional as F
from torchvision.io import read_image

out, data = sys.argv[1], sys.argv[2]
torch.set_num_threads(1)

IMAGES = {
    "ant_375x500": "val/ants/10308379_1b6c72e180.jpg",
    "ant_500x333": "val/ants/161076144_124db762d6.jpg",
    "ant_333x499": "val/ants/2238242353_52c82441df.jpg",
    "ant_462x400": "val/ants/147542264_79506478c2.jpg",
    "ant_534x800": "val/ants/800px-Meat_eater_ant_qeen_excavating_hole.jpg",
}
DTYPES = {torch.uint8: "uint8", torch.float32: "float32"}
manifest = {"torch": torch.__version__, "torchvision": torchvision.__version__, "inputs": {}, "cases": {}}


def save(name, t):
    t = t.contiguous()
    path = f"{name}.bin"
    with open(os.path.join(out, path), "wb") as f:
        f.write(t.numpy().tobytes())
    return {"file": path, "dtype": DTYPES[t.dtype], "shape": list(t.shape)}


inputs = {}
for name, rel in IMAGES.items():
    img = read_image(os.path.join(data, rel))
    assert img.dtype == torch.uint8 and img.shape[0] == 3, (rel, img.shape)
    inputs[name] = img
    manifest["inputs"][name] = save("in_" + name, img)
# A small float crop for the pixel-exact and costly ops, to keep the fixture small.
small = inputs["ant_375x500"][:, 100:260, 150:350].contiguous()
inputs["small_u8"] = small
manifest["inputs"]["small_u8"] = save("in_small_u8", small)
inputs["small_f32"] = F.convert_image_dtype(small, torch.float32)
manifest["inputs"]["small_f32"] = save("in_small_f32", inputs["small_f32"])


def case(name, op, input_name, result, **params):
    info = save("out_" + name, result)
    info.update({"op": op, "input": input_name, "params": params})
    manifest["cases"][name] = info


IMAGENET_MEAN, IMAGENET_STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
eval_pipeline = T.Compose([
    T.Resize(256, antialias=True),
    T.CenterCrop(224),
    T.ConvertImageDtype(torch.float32),
    T.Normalize(IMAGENET_MEAN, IMAGENET_STD),
])

for name in IMAGES:
    img = inputs[name]
    case(f"eval_pipeline_{name}", "eval_pipeline", name, eval_pipeline(img), mean=IMAGENET_MEAN, std=IMAGENET_STD)
    case(f"resize256_{name}", "resize_short", name, F.resize(img, [256], antialias=True), size=256, antialias=True)

img = inputs["ant_375x500"]
case("resize_exact_up_down", "resize", "ant_375x500", F.resize(img, [180, 700], antialias=True), height=180, width=700, antialias=True)
case("resize_no_antialias", "resize", "ant_375x500", F.resize(img, [128, 160], antialias=False), height=128, width=160, antialias=False)
case("resize_nearest", "resize", "ant_375x500",
     F.resize(img, [100, 333], interpolation=T.InterpolationMode.NEAREST), height=100, width=333, antialias=False, nearest=True)
case("resize_max_size", "resize_short", "ant_375x500", F.resize(img, [200], max_size=250, antialias=True), size=200, max_size=250, antialias=True)
case("resize_float", "resize", "small_f32", F.resize(inputs["small_f32"], [97, 301], antialias=True), height=97, width=301, antialias=True)
# Bicubic (EfficientNet's weights): torchvision resizes uint8 in float32 with antialias, clamps to 0..255, rounds.
BICUBIC = T.InterpolationMode.BICUBIC
case("resize_bicubic_down", "resize", "ant_375x500", F.resize(img, [180, 240], interpolation=BICUBIC, antialias=True),
     height=180, width=240, antialias=True, interpolation="bicubic")
case("resize_bicubic_up_down", "resize", "ant_375x500", F.resize(img, [180, 700], interpolation=BICUBIC, antialias=True),
     height=180, width=700, antialias=True, interpolation="bicubic")
case("resize_bicubic_no_antialias", "resize", "ant_375x500", F.resize(img, [128, 160], interpolation=BICUBIC, antialias=False),
     height=128, width=160, antialias=False, interpolation="bicubic")
case("resize_bicubic_float", "resize", "small_f32", F.resize(inputs["small_f32"], [97, 301], interpolation=BICUBIC, antialias=True),
     height=97, width=301, antialias=True, interpolation="bicubic")
eval_bicubic = T.Compose([
    T.Resize(256, interpolation=BICUBIC, antialias=True),
    T.CenterCrop(224),
    T.ConvertImageDtype(torch.float32),
    T.Normalize(IMAGENET_MEAN, IMAGENET_STD),
])
case("eval_pipeline_bicubic", "eval_pipeline_bicubic", "ant_534x800", eval_bicubic(inputs["ant_534x800"]), mean=IMAGENET_MEAN, std=IMAGENET_STD)
case("resized_crop", "resized_crop", "ant_375x500",
     F.resized_crop(img, 30, 41, 201, 250, [224, 224], antialias=True), top=30, left=41, crop_height=201, crop_width=250, height=224, width=224)

small, small_f = inputs["small_u8"], inputs["small_f32"]
for h, w in [(224, 224), (99, 150), (101, 120), (160, 200), (255, 123), (300, 301)]:
    case(f"center_crop_{h}x{w}", "center_crop", "small_u8", F.center_crop(small, [h, w]), height=h, width=w)
case("crop_outside", "crop", "small_u8", F.crop(small, -10, 20, 100, 250), top=-10, left=20, height=100, width=250)
case("hflip", "hflip", "small_u8", F.hflip(small))
case("vflip", "vflip", "small_u8", F.vflip(small))
case("convert_u8_to_f32", "convert", "small_u8", F.convert_image_dtype(small, torch.float32), dtype="float32")
case("convert_f32_to_u8", "convert", "small_f32", F.convert_image_dtype(small_f * 0.999 + 0.0005, torch.uint8), dtype="uint8", pre_affine=[0.999, 0.0005])
case("normalize", "normalize", "small_f32", F.normalize(small_f, IMAGENET_MEAN, IMAGENET_STD), mean=IMAGENET_MEAN, std=IMAGENET_STD)
case("grayscale_u8", "grayscale", "small_u8", F.rgb_to_grayscale(small))
case("grayscale_f32", "grayscale", "small_f32", F.rgb_to_grayscale(small_f))

# RandomRotation always passes a fill (default 0 per channel); F.rotate's default is no fill.
for name, inp, angle, mode, fill in [
    ("rotate_u8_bilinear_fill0", "small_u8", 30.0, "bilinear", [0.0, 0.0, 0.0]),
    ("rotate_u8_nearest_fill_rgb", "small_u8", -17.5, "nearest", [10.0, 20.0, 200.0]),
    ("rotate_u8_bilinear_fill_gray", "small_u8", 123.4, "bilinear", [128.0]),
    ("rotate_f32_bilinear_nofill", "small_f32", 45.0, "bilinear", None),
    ("rotate_f32_nearest_nofill", "small_f32", 90.0, "nearest", None),
    ("rotate_f32_bilinear_fill", "small_f32", -7.25, "bilinear", [0.5, 0.25, 1.0]),
]:
    interp = T.InterpolationMode.BILINEAR if mode == "bilinear" else T.InterpolationMode.NEAREST
    case(name, "rotate", inp, F.rotate(inputs[inp], angle, interpolation=interp, fill=fill), angle=angle, mode=mode, fill=fill)

for name, fn in [("brightness", F.adjust_brightness), ("contrast", F.adjust_contrast), ("saturation", F.adjust_saturation)]:
    for inp, factor in [("small_u8", 1.3), ("small_u8", 0.45), ("small_f32", 1.7), ("small_f32", 0.6)]:
        case(f"{name}_{inp}_{factor}", name, inp, fn(inputs[inp], factor), factor=factor)

with open(os.path.join(out, "manifest.json"), "w") as f:
    json.dump(manifest, f, indent=1)
