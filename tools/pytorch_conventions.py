#!/usr/bin/env python3
"""Writes tests/fixtures/pytorch_conventions.json, the reference values of
tests/pytorch_conventions.rs, from PyTorch's and gymnasium's own code:

- "activations": ReLU's and leaky ReLU's values and autograd derivatives at points that
  include the kink z = 0;
- "log_softmax": torch.log_softmax (float64) on columns of logits up to +-1000;
- "mse": torch.nn.MSELoss() (mean over every element) and MSELoss(reduction='sum') on a batch,
  with their autograd gradients;
- "problem": a test problem L(x) = 1/2 x'Ax - b'x + 1/40 sum x^4 on 6 parameters, which the
  Rust test evaluates itself;
- "optimizers": trajectories on that problem (parameters after each step, the gradient at
  the current parameters from autograd) of torch.optim.RMSprop (default, momentum, centered,
  both, weight decay), SGD with momentum and with Nesterov momentum, Adam and Rprop;
- "lbfgs": torch.optim.LBFGS(line_search_fn=None) trajectories on that problem (every point
  the closure is evaluated at, in order), with the default max_iter = 20 per step() call;
- "cartpole": gymnasium's CartPole-v1 (its unwrapped environment, float64 state) from
  reset(seed) under the policy "push right when theta + 0.5 theta_dot > 0", every state of
  the episode until termination or 500 steps.

Everything is float64. json writes each float's shortest repr, which parses back to the
same double.

Needs: pip install torch gymnasium numpy. CI needs none of it: the fixture is committed.

    python3 tools/pytorch_conventions.py
"""
import json
import math
import pathlib

import gymnasium
import numpy as np
import torch

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "fixtures" / "pytorch_conventions.json"

torch.set_default_dtype(torch.float64)


def floats(t):
    return [float(v) for v in t.detach().reshape(-1)]


def activations():
    z = torch.tensor([-2.0, -1e-300, -0.0, 0.0, 1e-300, 3.0])
    out = {"z": floats(z)}
    for name, fn in [
        ("relu", torch.nn.functional.relu),
        ("leaky_relu_0.01", lambda v: torch.nn.functional.leaky_relu(v, 0.01)),
        ("leaky_relu_0.2", lambda v: torch.nn.functional.leaky_relu(v, 0.2)),
    ]:
        zz = z.clone().requires_grad_(True)
        y = fn(zz)
        y.sum().backward()
        out[name] = {"value": floats(y), "derivative": floats(zz.grad)}
    return out


def log_softmax():
    columns = [
        [1000.0, -1000.0, 0.0, 999.5],
        [-1000.0, -1000.0, -1000.0, -999.0],
        [1000.0, 1000.0, 1000.0, 1000.0],
        [-1000.0, 1000.0, -999.0, 1000.0],
        [0.1, -2.3, 4.5, 7.0],
        [0.0, 0.0, 0.0, 0.0],
    ]
    return {
        "logits": columns,
        "log_softmax": [floats(torch.log_softmax(torch.tensor(c), dim=0)) for c in columns],
    }


def mse():
    g = torch.Generator().manual_seed(0)
    f = torch.randn(3, 4, generator=g)  # 3 samples, 4 outputs
    y = torch.randn(3, 4, generator=g)
    out = {"outputs": [floats(r) for r in f], "targets": [floats(r) for r in y]}
    for reduction in ["mean", "sum"]:
        ff = f.clone().requires_grad_(True)
        loss = torch.nn.MSELoss(reduction=reduction)(ff, y)
        loss.backward()
        out[reduction] = {"loss": loss.item(), "grad": [floats(r) for r in ff.grad]}
    return out


# The test problem: A symmetric positive definite and ill-conditioned, plus a quartic term.
DIAG = [4.0, 1.0, 3.0, 0.8, 2.0, 6.0]
A = torch.tensor(
    [[DIAG[i] if i == j else 0.3 / (1.0 + abs(i - j)) for j in range(6)] for i in range(6)]
)
B = torch.tensor([1.0, -2.0, 0.5, 3.0, -1.0, 0.25])
X0 = [0.5, -0.25, 1.0, 2.0, -1.5, 0.75]


def loss_fn(x):
    return 0.5 * x @ (A @ x) - B @ x + 0.025 * (x**4).sum()


def trajectory(make, steps):
    x = torch.tensor(X0, requires_grad=True)
    opt = make([x])
    points = []
    for _ in range(steps):
        opt.zero_grad()
        loss_fn(x).backward()
        opt.step()
        points.append(floats(x))
    return points


def optimizers():
    O = torch.optim
    cases = {
        "rmsprop": (lambda p: O.RMSprop(p), {"lr": 0.01, "alpha": 0.99, "eps": 1e-8}),
        "rmsprop_momentum": (
            lambda p: O.RMSprop(p, lr=0.005, momentum=0.9),
            {"lr": 0.005, "momentum": 0.9},
        ),
        "rmsprop_centered": (
            lambda p: O.RMSprop(p, lr=0.01, centered=True),
            {"lr": 0.01, "centered": True},
        ),
        "rmsprop_centered_momentum": (
            lambda p: O.RMSprop(p, lr=0.003, alpha=0.9, eps=1e-6, momentum=0.5, centered=True),
            {"lr": 0.003, "alpha": 0.9, "eps": 1e-6, "momentum": 0.5, "centered": True},
        ),
        "sgd_momentum": (
            lambda p: O.SGD(p, lr=0.05, momentum=0.9),
            {"lr": 0.05, "momentum": 0.9},
        ),
        "sgd_nesterov": (
            lambda p: O.SGD(p, lr=0.05, momentum=0.9, nesterov=True),
            {"lr": 0.05, "momentum": 0.9},
        ),
        "adam": (lambda p: O.Adam(p, lr=0.01), {"lr": 0.01}),
        "rmsprop_weight_decay": (
            lambda p: O.RMSprop(p, lr=0.01, weight_decay=0.1),
            {"lr": 0.01, "weight_decay": 0.1},
        ),
        "rprop": (lambda p: O.Rprop(p), {"lr": 0.01, "etas": [0.5, 1.2]}),
    }
    return {
        name: {"settings": settings, "steps": trajectory(make, 60)}
        for name, (make, settings) in cases.items()
    }


def lbfgs():
    cases = {
        "defaults": {"lr": 1.0, "history_size": 100, "calls": 12},
        "lr_0.5_history_3": {"lr": 0.5, "history_size": 3, "calls": 6},
    }
    out = {}
    for name, case in cases.items():
        x = torch.tensor(X0, requires_grad=True)
        opt = torch.optim.LBFGS(
            [x], lr=case["lr"], history_size=case["history_size"], line_search_fn=None
        )
        points = []

        def closure():
            opt.zero_grad()
            loss = loss_fn(x)
            loss.backward()
            p = floats(x)
            # step() re-evaluates the point it stopped at; keep each point once.
            if not points or points[-1]["x"] != p:
                points.append({"x": p, "loss": loss.item()})
            return loss

        for _ in range(case["calls"]):
            opt.step(closure)
        out[name] = {
            "lr": case["lr"],
            "history_size": case["history_size"],
            "max_iter": opt.defaults["max_iter"],
            "tolerance_grad": opt.defaults["tolerance_grad"],
            "tolerance_change": opt.defaults["tolerance_change"],
            "points": points,
        }
    return out


def cartpole():
    env = gymnasium.make("CartPole-v1").unwrapped
    episodes = []
    for seed in range(4):
        env.reset(seed=seed)
        start = [float(v) for v in env.state]
        states, terminated = [], False
        for _ in range(500):
            x, x_dot, theta, theta_dot = env.state
            action = 1 if theta + 0.5 * theta_dot > 0 else 0
            _, _, terminated, _, _ = env.step(action)
            states.append([float(v) for v in env.state])
            if terminated:
                break
        episodes.append(
            {"seed": seed, "start": start, "states": states, "terminated": terminated}
        )
    return {
        "gymnasium": gymnasium.__version__,
        "policy": "action 1 (push right) when theta + 0.5 theta_dot > 0, else 0",
        "episodes": episodes,
    }


def main():
    fixture = {
        "torch": torch.__version__,
        "activations": activations(),
        "log_softmax": log_softmax(),
        "mse": mse(),
        "problem": {"a": [floats(r) for r in A], "b": floats(B), "x0": X0},
        "optimizers": optimizers(),
        "lbfgs": lbfgs(),
        "cartpole": cartpole(),
    }
    OUT.write_text(json.dumps(fixture) + "\n")
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
