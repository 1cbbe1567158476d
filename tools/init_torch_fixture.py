#!/usr/bin/env python3
"""Writes tests/fixtures/init_torch.json, the PyTorch side of tests/init_torch.rs: for the
layers of that test as PyTorch builds them (nn.Conv2d(4, 32, 3), nn.Linear(2048, 512),
nn.Linear(512, 10)), their fan-in and, over 20 seeds' default initializations
(reset_parameters), the largest |value| and the variance of the weights and of the biases.

Needs: pip install torch. CI needs none of it: the fixture is committed.

    python3 tools/init_torch_fixture.py
"""
import json
import pathlib

import torch

layers = {
    "conv": (36, lambda: torch.nn.Conv2d(4, 32, 3)),
    "fc": (2048, lambda: torch.nn.Linear(2048, 512)),
    "out": (512, lambda: torch.nn.Linear(512, 10)),
}
fixture = {"torch": torch.__version__}
for name, (fan_in, make) in layers.items():
    w, b = [], []
    for seed in range(20):
        torch.manual_seed(seed)
        layer = make().double()
        w.append(layer.weight.detach().flatten())
        b.append(layer.bias.detach().flatten())
    w, b = torch.cat(w), torch.cat(b)
    fixture[name] = {
        "fan_in": fan_in,
        "weight_max_abs": w.abs().max().item(),
        "weight_var": w.var().item(),
        "bias_max_abs": b.abs().max().item(),
        "bias_var": b.var().item(),
    }
path = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "init_torch.json"
path.write_text(json.dumps(fixture, indent=1) + "\n")
print(f"wrote {path}")
