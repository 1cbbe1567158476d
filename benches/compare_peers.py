#!/usr/bin/env python3
"""W1-W5 side by side: this project's criterion benchmarks and the peers' binaries, one run.

The peers (dfdx, candle, burn, plain nalgebra, PyTorch) live in the shared peers workspace
(`../shared/peers` beside this repository; `--peers-dir` to point elsewhere). Each peer is
built from there as its `run.sh` builds it (plain `cargo build --release`, no target-cpu
flags), into `target/peers/` here (PyTorch's `torch/bench.py` runs with this Python), and run
with one thread; then `cargo bench --bench mlp`, `--bench cnn` and `--bench lstm` run here;
the table gives every
figure and each peer's time divided by ours (above 1: we are faster).

    python3 benches/compare_peers.py                      # all peers
    python3 benches/compare_peers.py --peers candle dfdx  # a subset
"""

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# workload: (criterion bench, benchmark name, column title, unit)
WORKLOADS = {
    "W1": ("mlp", "W1 forward, batch 1 (FLOP/s)", "forward, batch 1", "time per sample"),
    "W2": ("mlp", "W2 forward, batch 64 (samples/s)", "forward, batch 64", "samples/s"),
    "W3": ("mlp", "W3 training step, batch 64 (steps/s)", "training step, batch 64", "steps/s"),
    "W4": ("cnn", "W4 forward, batch 1 (FLOP/s)", "CNN forward, batch 1", "time per sample"),
    "W5": ("lstm", "W5 forward, batch 1 (FLOP/s)", "LSTM forward, batch 1", "time per sequence"),
}
# Ours only (the peers implement W4 at batch 1): reported below the table.
OWN_ONLY = {
    "W4 batch 64": ("cnn", "W4 forward, batch 64 (FLOP/s)", 64),
    "W4 training step": ("cnn", "W4 training step, batch 64 (FLOP/s)", 1),
}
W4_FLOP = 2 * (784 * 8 * 9 + 196 * 16 * 72 + 784 * 10)
ALL_PEERS = ["nalgebra-static", "nalgebra-dyn", "dfdx", "candle", "burn", "burn-flex", "torch"]


def package(peer):
    return f"{peer}-peer" if peer in ("dfdx", "candle", "burn", "burn-flex") else peer


def build_peer(peers_dir, peer):
    """The command that runs `peer`'s benchmark (PyTorch's is a script: one thread)."""
    if peer == "torch":
        return [sys.executable, str(peers_dir / "torch" / "bench.py"), "1"]
    target = ROOT / "target" / "peers" / peer
    env = dict(os.environ, CARGO_TARGET_DIR=str(target), RUSTFLAGS="")
    subprocess.run(
        ["cargo", "build", "--release", "--locked", "-q", "-p", package(peer), "--bin", f"bench-{peer}"],
        cwd=peers_dir, env=env, check=True)
    return [str(target / "release" / f"bench-{peer}")]


def run_peer(command, workload):
    env = dict(os.environ, RAYON_NUM_THREADS="1", MATMUL_NUM_THREADS="1", OMP_NUM_THREADS="1",
               PEERS_BUILD="default", PEERS_THREADS="1")
    out = subprocess.run(command + [workload], env=env, check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        if line.startswith("{"):
            rec = json.loads(line)
            return rec.get("median_ns"), rec.get("unsupported")
    return None, "no output"


def median_ns(bench, name):
    base = ROOT / "target" / "criterion" / bench
    est = base / name.replace("/", "_") / "new" / "estimates.json"
    if not est.exists():  # criterion replaces some characters in directory names
        key = name.split(" (")[0]
        matches = [p for p in base.glob("*/new/estimates.json") if p.parent.parent.name.startswith(key)]
        est = matches[0] if matches else est
    return json.loads(est.read_text())["median"]["point_estimate"]


def run_ours():
    for bench in sorted({b for b, *_ in WORKLOADS.values()}):
        subprocess.run(["cargo", "bench", "--bench", bench, "--", "--noplot"], cwd=ROOT, check=True)
    found = {w: median_ns(bench, name) for w, (bench, name, _, _) in WORKLOADS.items()}
    own = {k: (median_ns(bench, name), n) for k, (bench, name, n) in OWN_ONLY.items()}
    return found, own


def fmt(w, ns):
    if ns is None:
        return "n/a"
    if w in ("W1", "W4", "W5"):
        return f"{ns / 1000:.2f} µs"
    per_s = (64 if w == "W2" else 1) * 1e9 / ns
    return f"{per_s / 1000:.1f} k/s"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--peers-dir", type=Path, default=ROOT.parent / "shared" / "peers")
    ap.add_argument("--peers", nargs="*", default=ALL_PEERS)
    args = ap.parse_args()
    if not (args.peers_dir / "Cargo.toml").exists():
        sys.exit(f"error: no peers workspace at {args.peers_dir}: expected the shared peers folder (use --peers-dir)")

    binaries = {}
    for p in args.peers:
        print(f"== building {p}", flush=True)
        binaries[p] = build_peer(args.peers_dir, p)
    print("== this project: cargo bench --bench mlp, --bench cnn, --bench lstm", flush=True)
    ours, own = run_ours()
    rows = {}
    for p, b in binaries.items():
        print(f"== running {p}", flush=True)
        rows[p] = {w: run_peer(b, w) for w in WORKLOADS}

    print()
    print("| | " + " | ".join(f"{w} {WORKLOADS[w][2]} ({WORKLOADS[w][3]})" for w in WORKLOADS) + " |")
    print("|---|" + "---|" * len(WORKLOADS))
    print("| **nn (this project)** | " + " | ".join(f"**{fmt(w, ours[w])}**" for w in WORKLOADS) + " |")
    for p, res in rows.items():
        cells = []
        for w in WORKLOADS:
            ns, why = res[w]
            cells.append(f"{fmt(w, ns)} (×{ns / ours[w]:.2f})" if ns else f"n/a ({why})")
        print(f"| {p} | " + " | ".join(cells) + " |")
    print("\n×N: the peer's time per unit of work divided by ours (above 1: this project is faster).")
    print(f"W4 batch 1: {W4_FLOP / ours['W4']:.1f} GFLOP/s")
    for k, (ns, n) in own.items():
        flop = W4_FLOP * n * (3 if "training" in k else 1) * (64 if "training" in k else 1)
        rate = f"{n * 1e9 / ns / 1000:.1f}k samples/s" if n > 1 else f"{1e9 / ns:.0f} steps/s"
        print(f"{k}: {ns / 1e6:.2f} ms, {rate}, {flop / ns:.1f} GFLOP/s")


if __name__ == "__main__":
    main()
