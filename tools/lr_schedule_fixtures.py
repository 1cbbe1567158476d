#!/usr/bin/env python3
"""Writes tests/fixtures/lr_schedules.json, the reference values of tests/lr_schedules.rs,
from PyTorch's own schedulers (torch.optim.lr_scheduler), stepped once per step on an SGD
optimizer with lr = eta0:

- "step": StepLR(step_size=3, gamma=0.5); "exponential": ExponentialLR(gamma=0.9);
- "cosine": CosineAnnealingLR(T_max=12, eta_min=0.001), the first 13 rates (up to T_max;
  this library stays at eta_min after it, PyTorch's closed form rises again);
- "warmup": LinearLR(start_factor=0.1, end_factor=1.0, total_iters=6);
- "plateau": ReduceLROnPlateau(mode="min", factor=0.5, patience=2, threshold=0.1,
  threshold_mode="rel") fed the losses in "plateau_losses", the rate after each.

Every list holds the rate used by steps t = 0, 1, 2, ... (optimizer.param_groups[0]["lr"]
before each step). json writes each float's shortest repr, which parses back to the same
double.

Needs: pip install torch. CI needs none of it: the fixture is committed.

    python3 tools/lr_schedule_fixtures.py
"""
import json
import pathlib

import torch

ETA0 = 0.03
STEPS = 20


def rates(make):
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=ETA0)
    sched = make(opt)
    out = []
    for _ in range(STEPS):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return out


S = torch.optim.lr_scheduler
fixture = {
    "torch": torch.__version__,
    "eta0": ETA0,
    "step": rates(lambda o: S.StepLR(o, step_size=3, gamma=0.5)),
    "exponential": rates(lambda o: S.ExponentialLR(o, gamma=0.9)),
    "cosine": rates(lambda o: S.CosineAnnealingLR(o, T_max=12, eta_min=0.001))[:13],
    "warmup": rates(lambda o: S.LinearLR(o, start_factor=0.1, end_factor=1.0, total_iters=6)),
}

losses = [1.0, 0.95, 0.92, 0.91, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.3, 0.29, 0.28, 0.27]
p = torch.nn.Parameter(torch.zeros(1))
opt = torch.optim.SGD([p], lr=ETA0)
sched = S.ReduceLROnPlateau(opt, mode="min", factor=0.5, patience=2, threshold=0.1, threshold_mode="rel")
after = []
for loss in losses:
    sched.step(loss)
    after.append(opt.param_groups[0]["lr"])
fixture["plateau_losses"] = losses
fixture["plateau"] = after

path = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "lr_schedules.json"
path.write_text(json.dumps(fixture, indent=1) + "\n")
print(f"wrote {path}")
