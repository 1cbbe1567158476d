#!/usr/bin/env python3
"""Writes the fixtures of tests/torchvision.rs: torchvision's own models, loaded from the
weights files the Rust test drew from a seed, and their logits.

First let the test write the files (to target/torchvision/):

    cargo test --test torchvision -- --ignored write_weight_files
    python3 tools/torchvision_logits.py [DIR]

For each network this loads DIR/NAME.safetensors into torchvision's model (AlexNet, VGG-11,
ResNet-18, ResNeXt-50 32x4d, and the narrowed variants the tests run, built from
torchvision's classes), in eval mode, and writes tests/fixtures/torchvision/NAME.json: the
FNV-1a checksum of the file it read and the float64 logits of the inputs drawn by the
generator below for seeds 1 and 2. It also writes tests/fixtures/torchvision/counts.json
(each full network's parameter and state_dict value counts) and saves the narrowed
ResNet-18's state_dict as torchvision holds it (num_batches_tracked included) to
tests/fixtures/torchvision/resnet18_narrow.safetensors, which the test embeds with
#[weights].

Needs (CPU wheels): pip install torch torchvision safetensors
"""
import json
import pathlib
import sys

import torch
import torchvision
from safetensors.torch import load_file, save_file
from torch import nn
from torchvision.models.resnet import BasicBlock

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "fixtures" / "torchvision"
SEEDS = [1, 2]
MASK = (1 << 64) - 1


def inputs(seed, n):
    """n values in [-1, 1): k / 2^23 - 1 from the top 24 bits of a 64-bit LCG."""
    s, out = seed, []
    for _ in range(n):
        s = (s * 6364136223846793005 + 1442695040888963407) & MASK
        out.append((s >> 40) / float(1 << 23) - 1.0)
    return out


def fnv1a(data):
    h = 0xCBF29CE484222325
    for b in data:
        h = ((h ^ b) * 0x100000001B3) & MASK
    return h


def narrow_classifier(model, indices, width, classes):
    """Replaces the classifier's Linear layers at `indices` by narrower ones."""
    for k, i in enumerate(indices):
        old = model.classifier[i]
        fan_in = old.in_features if k == 0 else width
        out = classes if k == len(indices) - 1 else width
        model.classifier[i] = nn.Linear(fan_in, out)
    return model


def resnet18_narrow():
    """torchvision's ResNet-18 with every width divided by 16, rebuilt with its own
    _make_layer and BasicBlock so the module names are torchvision's."""
    m = torchvision.models.resnet18(num_classes=10)
    w = 4
    m.inplanes = w
    m.conv1 = nn.Conv2d(3, w, kernel_size=7, stride=2, padding=3, bias=False)
    m.bn1 = nn.BatchNorm2d(w)
    m.layer1 = m._make_layer(BasicBlock, w, 2)
    m.layer2 = m._make_layer(BasicBlock, 2 * w, 2, stride=2)
    m.layer3 = m._make_layer(BasicBlock, 4 * w, 2, stride=2)
    m.layer4 = m._make_layer(BasicBlock, 8 * w, 2, stride=2)
    m.fc = nn.Linear(8 * w, 10)
    return m


# name: (model, input shape)
MODELS = {
    "resnet18": (lambda: torchvision.models.resnet18(), (3, 224, 224)),
    "resnext50_32x4d": (lambda: torchvision.models.resnext50_32x4d(), (3, 64, 64)),
    "alexnet_narrow": (
        lambda: narrow_classifier(torchvision.models.alexnet(num_classes=10), [1, 4, 6], 256, 10),
        (3, 112, 112),
    ),
    "vgg11_narrow": (
        lambda: narrow_classifier(torchvision.models.vgg11(num_classes=10), [0, 3, 6], 256, 10),
        (3, 64, 64),
    ),
    "resnet18_narrow": (resnet18_narrow, (3, 64, 64)),
}


def load(model, path):
    """Loads our file; it may lack only batch norm's num_batches_tracked counters."""
    state = load_file(str(path))
    missing, unexpected = model.load_state_dict(state, strict=False)
    assert not unexpected, unexpected
    assert all(k.endswith("num_batches_tracked") for k in missing), missing
    return model


def main():
    src = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "target" / "torchvision"
    OUT.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(1)
    for name, (make, shape) in MODELS.items():
        path = src / f"{name}.safetensors"
        model = load(make(), path).eval()
        n = shape[0] * shape[1] * shape[2]
        # Our inputs are (C, H, W) flattened row-major, as torch holds an image.
        x = torch.tensor([inputs(s, n) for s in SEEDS], dtype=torch.float32).reshape(len(SEEDS), *shape)
        with torch.no_grad():
            logits = model.double()(x.double())
        fixture = {"fnv1a": format(fnv1a(path.read_bytes()), "016x"), "logits": logits.tolist()}
        (OUT / f"{name}.json").write_text(json.dumps(fixture) + "\n")
        print(name, "max |logit|", float(logits.abs().max()))
        if name == "resnet18_narrow":
            state = {k: v.float() if v.is_floating_point() else v for k, v in model.state_dict().items()}
            save_file(state, str(OUT / "resnet18_narrow.safetensors"))
    counts = {}
    for name, make in [
        ("alexnet", torchvision.models.alexnet),
        ("vgg11", torchvision.models.vgg11),
        ("resnet18", torchvision.models.resnet18),
        ("resnext50_32x4d", torchvision.models.resnext50_32x4d),
    ]:
        m = make()
        counts[name] = {
            "parameters": sum(p.numel() for p in m.parameters()),
            # What nn-core counts: parameters and batch norm's running statistics.
            "state_dict_values": sum(
                v.numel() for k, v in m.state_dict().items() if not k.endswith("num_batches_tracked")
            ),
        }
    (OUT / "counts.json").write_text(json.dumps(counts, indent=1) + "\n")
    print(counts)


if __name__ == "__main__":
    main()
