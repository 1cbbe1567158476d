#!/usr/bin/env python3
"""Trains a small MLP and a small CNN on MNIST with PyTorch (CPU) and writes the fixtures of
tests/pytorch.rs:

- tests/fixtures/pytorch_mlp.safetensors: the MLP's state_dict (fc1.weight of shape
  (out, in), ...), as torch.save would hold it, written with the safetensors package;
- tests/fixtures/pytorch_mlp_logits.json: its logits on the first 100 test images;
- tests/fixtures/pytorch_cnn.safetensors: the CNN's state_dict (conv1.weight of shape
  (F, C, kh, kw), ..., fc.weight of shape (10, 784));
- tests/fixtures/pytorch_cnn_logits.json: its logits on the first 100 test images.

The images are standardized as nn_core's data reader does ((p / 255 - 0.1307) / 0.3081),
and the logits are computed in float64 from the float32 weights, so the fixture holds the
exact value the Rust f32 network approximates.

Needs: pip install torch safetensors numpy. CI needs none of it: the fixtures are committed.
PyTorch's CPU sums depend on its thread count, so the trained weights do too: the committed
CNN fixture is rewritten byte for byte with OMP_NUM_THREADS=1.

    python3 tools/pytorch_fixtures.py          # both
    python3 tools/pytorch_fixtures.py cnn      # only the CNN (or: mlp)
"""
import gzip
import json
import pathlib
import sys

import numpy as np
import torch
from safetensors.torch import save_file

ROOT = pathlib.Path(__file__).resolve().parent.parent
MNIST = ROOT / "data" / "mnist"
OUT = ROOT / "tests" / "fixtures"


def images(name):
    raw = gzip.open(MNIST / name).read()
    n = int.from_bytes(raw[4:8], "big")
    pixels = np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(n, 784)
    # The same f32 operations as nn_core::data: p / 255, then (x - MEAN) * (1 / STD).
    x = pixels.astype(np.float32) / np.float32(255.0)
    return (x - np.float32(0.1307)) * (np.float32(1.0) / np.float32(0.3081))


def labels(name):
    raw = gzip.open(MNIST / name).read()
    return np.frombuffer(raw, dtype=np.uint8, offset=8).astype(np.int64)


class Mlp(torch.nn.Module):
    """784-64-32-10, ReLU: the network `tests/pytorch.rs` declares with `network!`."""

    def __init__(self):
        super().__init__()
        self.fc1 = torch.nn.Linear(784, 64)
        self.fc2 = torch.nn.Linear(64, 32)
        self.fc3 = torch.nn.Linear(32, 10)

    def forward(self, x):
        return self.fc3(torch.relu(self.fc2(torch.relu(self.fc1(x)))))


class Cnn(torch.nn.Module):
    """1x28x28 -> conv3x3(8, pad 1), ReLU, maxpool 2 -> conv3x3(16, pad 1), ReLU, maxpool 2
    -> flatten (C, H, W order) -> linear(10): the network `tests/pytorch.rs` declares."""

    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(1, 8, 3, padding=1)
        self.conv2 = torch.nn.Conv2d(8, 16, 3, padding=1)
        self.fc = torch.nn.Linear(16 * 7 * 7, 10)

    def forward(self, x):
        x = x.reshape(-1, 1, 28, 28)
        x = torch.max_pool2d(torch.relu(self.conv1(x)), 2)
        x = torch.max_pool2d(torch.relu(self.conv2(x)), 2)
        return self.fc(x.flatten(1))


def fixtures(name, make, epochs, data):
    """Trains `make()` with Adam for `epochs`, writes its state_dict and its f64 logits."""
    x_train, y_train, x_test, y_test = data
    torch.manual_seed(0)
    net = make()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    for epoch in range(epochs):
        order = torch.randperm(len(x_train))
        for i in range(0, len(order), 128):
            idx = order[i : i + 128]
            loss = torch.nn.functional.cross_entropy(net(x_train[idx]), y_train[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        with torch.no_grad():
            acc = (net(x_test).argmax(1) == y_test).float().mean().item()
        print(f"epoch {epoch + 1}: test accuracy {acc:.4f}")

    state = {k: v.detach().contiguous() for k, v in net.state_dict().items()}
    save_file(state, OUT / f"pytorch_{name}.safetensors")
    with torch.no_grad():
        net64 = make().double()
        net64.load_state_dict({k: v.double() for k, v in state.items()})
        logits = net64(x_test[:100].double()).numpy()
    fixture = {
        "images": "the first 100 MNIST test images, standardized",
        "labels": y_test[:100].tolist(),
        "logits": [[float(v) for v in row] for row in logits],
    }
    (OUT / f"pytorch_{name}_logits.json").write_text(json.dumps(fixture) + "\n")
    print(f"result: {name} test_accuracy={acc:.4f} fixtures={OUT}")


def main():
    which = sys.argv[1:] or ["mlp", "cnn"]
    data = (
        torch.from_numpy(images("train-images-idx3-ubyte.gz")),
        torch.from_numpy(labels("train-labels-idx1-ubyte.gz")),
        torch.from_numpy(images("t10k-images-idx3-ubyte.gz")),
        torch.from_numpy(labels("t10k-labels-idx1-ubyte.gz")),
    )
    if "mlp" in which:
        fixtures("mlp", Mlp, 3, data)
    if "cnn" in which:
        fixtures("cnn", Cnn, 1, data)


if __name__ == "__main__":
    main()
