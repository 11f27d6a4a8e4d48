"""Reference training runs for TransferKit's training-parity tests.

  training_reference.py OUT NAME SIZE THREADS

NAME is small_cnn (defined below exactly as src/TransferKit/Models/SmallCnn.cs: same layers, same
state-dict keys) or resnet18 (torchvision). With THREADS intra-op threads (the test process's
count, so that sums run in the same order):

  torch.manual_seed(0); model = NAME(num_classes=NUM_CLASSES)
  OUT/init.pth     its state dict (zip format): the C# model loads it, so both start equal
  OUT/batches.pth  {"inputs": [STEPS, BATCH, 3, SIZE, SIZE], "targets": [STEPS, BATCH] int64}:
                   STEPS batches drawn after torch.manual_seed(1); each input is noise plus a
                   per-class pattern, so that there is something to learn
  training         model.train(); SGD(lr=0.01, momentum=0.9); torch.manual_seed(TRAIN_SEED) once
                   before the first step (dropout draws its masks from that generator); each step:
                   zero_grad, forward, cross_entropy, backward, step
  OUT/result.pth   {"losses": [STEPS] float32, the loss computed at each step,
                    "final.<key>": the state dict after the last step}
  OUT/result.json  {"train_seed": TRAIN_SEED, "lr": LR, "momentum": MOMENTUM}
"""
import json
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

STEPS = 20
BATCH = 8
NUM_CLASSES = 10
LR = 0.01
MOMENTUM = 0.9
TRAIN_SEED = 4321


class SmallCnn(nn.Module):
    """TransferKit's small_cnn: two conv/ReLU/max-pool stages, adaptive average pooling to 4x4,
    then Linear(512, 64), ReLU, Dropout(0.25), Linear(64, classes) (the head, classifier.3)."""

    def __init__(self, num_classes, width=16, dropout=0.25):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(width, 2 * width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.avgpool = nn.AdaptiveAvgPool2d(4)
        self.classifier = nn.Sequential(
            nn.Linear(2 * width * 16, 64), nn.ReLU(), nn.Dropout(dropout), nn.Linear(64, num_classes))

    def forward(self, x):
        x = self.avgpool(self.features(x))
        return self.classifier(torch.flatten(x, 1))


def build(name):
    if name == "small_cnn":
        return SmallCnn(NUM_CLASSES)
    return getattr(torchvision.models, name)(num_classes=NUM_CLASSES)


def main(out, name, size, threads):
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = build(name)
    torch.save(model.state_dict(), os.path.join(out, "init.pth"))

    torch.manual_seed(1)
    patterns = torch.randn(NUM_CLASSES, 3, size, size)
    targets = torch.randint(NUM_CLASSES, (STEPS, BATCH))
    inputs = torch.randn(STEPS, BATCH, 3, size, size) + patterns[targets]
    torch.save({"inputs": inputs, "targets": targets}, os.path.join(out, "batches.pth"))

    model.train()
    optimizer = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    losses = []
    torch.manual_seed(TRAIN_SEED)
    for step in range(STEPS):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(inputs[step]), targets[step])
        loss.backward()
        optimizer.step()
        losses.append(loss.detach().clone())

    result = {"losses": torch.stack(losses)}
    for key, value in model.state_dict().items():
        result["final." + key] = value
    torch.save(result, os.path.join(out, "result.pth"))
    with open(os.path.join(out, "result.json"), "w") as f:
        json.dump({"train_seed": TRAIN_SEED, "lr": LR, "momentum": MOMENTUM}, f)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
