#!/usr/bin/env python3
"""One training epoch of five MNIST networks with this library's `Fit` and with PyTorch,
side by side in one run, seconds per epoch and their ratio.

    python3 benches/train_vs_pytorch.py                   # both tables, every network
    python3 benches/train_vs_pytorch.py --nets mlp,cnn    # some networks
    /work/venv-ptconv/bin/python benches/train_vs_pytorch.py   # with PyTorch

PyTorch is optional (`pip install torch` into a venv and run the script with its python);
without it the PyTorch columns say "-". Table 1: the whole machine each (PyTorch's default
threads, `Fit`'s default of one thread per core). Table 2: one thread each. Table 3: on one
thread, `Fit`'s epoch throughput against the bare training step's (`Trainer::step`, the
step `Fit` runs and the criterion benchmarks time) on one fixed batch of 64.

    python3 benches/train_vs_pytorch.py --tables 3        # only table 3 (no PyTorch needed)

Table 3's epoch is `Fit`'s own figure for it (`EpochStats::seconds`): shuffling, gathering
each batch's samples from the data set into the batch (memory reads from all over the 188
MB of images, which the fixed batch of the bare step never makes), the steps, and the
loss and accuracy bookkeeping; no validation pass (none is given) and not the buffers `Fit`
sets up once before its first epoch. Each network runs `--rounds` rounds (default 3) of one
epoch from the same fresh network followed by the bare step for a third of that epoch's time,
and the best round of each counts, so a load that comes and goes hits both alike. The first
round's epoch also picks the matrix kernels per shape (once per process, as in a program's
first epoch), so the best epoch is normally a later round's. The last column compares the
two by the thread's CPU time (Linux), which leaves out the time spent waiting for a core:
on a machine loaded by other programs it is the steadier of the two ratios.

Every run: the MNIST training images in `data/mnist` (60,000; 55,000 for the examples'
networks, as they hold 5,000 out), standardized with MNIST's mean and deviation, a fresh
shuffle, batch 64, Adam 1e-3, softmax cross-entropy. The Rust side is
`benches/train_epoch.rs`, built once in release (`cargo bench --bench train_epoch`).
"""

import argparse
import gzip
import json
import os
import re
import struct
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NETS = ["mlp", "cnn", "mnist_mlp", "mnist_cnn", "lstm"]
DESCRIPTION = {
    "mlp": "MLP 784-128-64-10",
    "cnn": "CNN conv8-pool-conv16-pool-dense10",
    "mnist_mlp": "mnist_mlp 784-512-256-10, dropout",
    "mnist_cnn": "mnist_cnn conv16-conv32-dense128, dropout",
    "lstm": "LSTM(28 -> 64) row by row + dense10",
}
SAMPLES = {"mnist_mlp": 55000, "mnist_cnn": 55000}


def build():
    """Builds `benches/train_epoch.rs` in release; returns the binary's path."""
    out = subprocess.run(["cargo", "bench", "--bench", "train_epoch", "--no-run",
                          "--message-format=json"], cwd=ROOT, check=True, capture_output=True,
                         text=True).stdout
    for line in out.splitlines():
        msg = json.loads(line)
        if msg.get("reason") == "compiler-artifact" and msg.get("executable") \
                and msg["target"]["name"] == "train_epoch":
            return msg["executable"]
    sys.exit("cargo built no train_epoch binary")


BINARY = None


def rust(net, threads, samples, step=False, rounds=3):
    cmd = [BINARY, "--net", net, "--threads", str(threads)]
    if samples:
        cmd += ["--samples", str(samples)]
    if step:
        cmd += ["--step", "--rounds", str(rounds)]
    out = subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, text=True).stdout
    return {k: float(v) for k, v in re.findall(r"(\w+)=([0-9.]+)", out)}


def load_mnist():
    def read(name):
        with gzip.open(os.path.join(ROOT, "data", "mnist", name)) as f:
            return f.read()
    images = read("train-images-idx3-ubyte.gz")
    labels = read("train-labels-idx1-ubyte.gz")
    n = struct.unpack(">I", images[4:8])[0]
    return images[16:16 + n * 784], labels[8:8 + n], n


def torch_models(nn):
    class Lstm(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(28, 64, batch_first=True)
            self.out = nn.Linear(64, 10)

        def forward(self, x):
            _, (h, _) = self.lstm(x.view(-1, 28, 28))
            return self.out(h[-1])

    return {
        "mlp": lambda: nn.Sequential(
            nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(),
            nn.Linear(64, 10)),
        "cnn": lambda: nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(16 * 7 * 7, 10)),
        "mnist_mlp": lambda: nn.Sequential(
            nn.Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Dropout(0.2),
            nn.Linear(512, 256), nn.ReLU(), nn.Dropout(0.2), nn.Linear(256, 10)),
        "mnist_cnn": lambda: nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(32 * 7 * 7, 128), nn.ReLU(), nn.Dropout(0.3),
            nn.Linear(128, 10)),
        "lstm": Lstm,
    }


def torch_epoch(torch, models, data, net, threads, samples):
    """Seconds for one epoch; `threads` 0 keeps PyTorch's default."""
    default = torch.get_num_threads()
    if threads:
        torch.set_num_threads(threads)
    try:
        x, y = data
        n = min(SAMPLES.get(net, x.shape[0]), samples or x.shape[0])
        x, y = x[:n], y[:n]
        torch.manual_seed(0)
        model = models[net]()
        model.train()
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        loss_fn = torch.nn.CrossEntropyLoss()
        start = time.perf_counter()
        order = torch.randperm(n)
        for i in range(0, n, 64):
            idx = order[i:i + 64]
            opt.zero_grad()
            loss = loss_fn(model(x[idx]), y[idx])
            loss.backward()
            opt.step()
        return time.perf_counter() - start
    finally:
        torch.set_num_threads(default)


def fmt(v, digits=2):
    return "-" if v is None else f"{v:.{digits}f}"


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--nets", default=",".join(NETS), help="comma-separated subset of " + ", ".join(NETS))
    p.add_argument("--tables", default="1,2,3", help="which tables (1 whole machine, 2 one thread, 3 Fit vs step)")
    p.add_argument("--samples", type=int, default=0,
                   help="train on the first N images only (0: the whole epoch); on a busy machine")
    p.add_argument("--rounds", type=int, default=3,
                   help="table 3: rounds of one epoch and the bare step, the best of each counts")
    a = p.parse_args()
    if a.rounds < 1:
        sys.exit(f"--rounds: expected a whole number of at least 1, found {a.rounds}")
    if a.samples < 0:
        sys.exit(f"--samples: expected a whole number of at least 0, found {a.samples}")
    nets = [n for n in a.nets.split(",") if n]
    for n in nets:
        if n not in NETS:
            sys.exit(f"--nets: expected some of {', '.join(NETS)}, found `{n}`")
    tables = set(a.tables.split(","))

    try:
        import torch
        pixels, labels, n = load_mnist()
        x = torch.frombuffer(bytearray(pixels), dtype=torch.uint8).float().div_(255.0)
        x = ((x - 0.1307) / 0.3081).view(n, 1, 28, 28)
        y = torch.frombuffer(bytearray(labels), dtype=torch.uint8).long()
        data, models = (x, y), torch_models(torch.nn)
        version = f"PyTorch {torch.__version__}, default {torch.get_num_threads()} threads"
    except ImportError:
        torch = None
        version = "PyTorch not installed: its columns are skipped"

    global BINARY
    BINARY = build()
    cores = os.cpu_count()
    print(f"# {cores} cores, load average {os.getloadavg()[0]:.2f} at the start; {version}")

    def side_by_side(title, threads):
        print(f"\n## {title}\n")
        print("| network | samples | `Fit` seconds | PyTorch seconds | PyTorch / `Fit` |")
        print("|---|---|---|---|---|")
        for net in nets:
            r = rust(net, threads, a.samples)
            t = torch_epoch(torch, models, data, net, threads, a.samples) if torch else None
            ratio = None if t is None else t / r["fit_seconds"]
            print(f"| {DESCRIPTION[net]} | {int(r['samples'])} | {fmt(r['fit_seconds'])} | {fmt(t)} | "
                  f"{fmt(ratio)}{'' if ratio is None else 'x'} |", flush=True)
        print(f"\n# load average {os.getloadavg()[0]:.2f} after this table")

    if "1" in tables:
        side_by_side(f"Whole machine: `Fit` on {cores} threads, PyTorch's default threads", 0)
    if "2" in tables:
        side_by_side("One thread each", 1)
    if "3" in tables:
        print("\n## One thread: `Fit`'s epoch against the bare training step (samples/s)\n")
        print(f"Best of {a.rounds} rounds each. The epoch: shuffling, gathering each batch from the data "
              "set, the steps, the loss and accuracy sums; no validation pass. The step: "
              "`Trainer::step` on one fixed batch of 64.\n")
        print("| network | `Fit` epoch | bare step (batch 64) | epoch / step | epoch / step (CPU time) |")
        print("|---|---|---|---|---|")
        for net in nets:
            r = rust(net, 1, a.samples, step=True, rounds=a.rounds)
            ratio = r["fit_samples_per_s"] / r["step_samples_per_s"]
            cpu = (r["fit_cpu_samples_per_s"] / r["step_cpu_samples_per_s"]
                   if r.get("step_cpu_samples_per_s") else None)
            print(f"| {DESCRIPTION[net]} | {r['fit_samples_per_s']:.0f} | {r['step_samples_per_s']:.0f} | "
                  f"{100 * ratio:.0f}% | {'-' if cpu is None else f'{100 * cpu:.0f}%'} |", flush=True)
        print(f"\n# load average {os.getloadavg()[0]:.2f} after this table")
    print(f"\n# load average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
