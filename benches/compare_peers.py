#!/usr/bin/env python3
"""W1-W5 side by side: this project's criterion benchmarks and the peers' binaries, one run.

The peers (dfdx, candle, burn, plain nalgebra, PyTorch) live in the shared peers workspace
(`../shared/peers` beside this repository; `--peers-dir` to point elsewhere). Each peer is
built from there as its `run.sh` builds it (plain `cargo build --release`, no target-cpu
flags), into `target/peers/` here (PyTorch's `torch/bench.py` runs with this Python), and run
with one thread; then `cargo bench --bench mlp`, `--bench cnn` and `--bench lstm` run here;
the table gives every
figure and each peer's time divided by ours (above 1: we are faster).

Above the table: the host's CPU model and SIMD flags (from /proc/cpuinfo), the load average,
and the peak the peers' `peak` binary measures. Every workload runs twice, ours and the
peers' in turn (pass 1: ours, then every peer; pass 2: the same), so a host effect shows in
both rows alike: each cell gives the faster pass and the spread between the two passes, the
ratio compares the faster passes. Below it: the W3 products (`cargo bench --bench
gemm_shapes`) under each pinned kernel and under the tuner, shape by shape.

    python3 benches/compare_peers.py                      # all peers
    python3 benches/compare_peers.py --peers candle dfdx  # a subset
    python3 benches/compare_peers.py --passes 1           # one pass (no spread)
"""

import argparse
import json
import os
import re
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


def run_ours(extra=()):
    for bench in sorted({b for b, *_ in WORKLOADS.values()} | set(extra)):
        subprocess.run(["cargo", "bench", "--bench", bench, "--", "--noplot"], cwd=ROOT, check=True)
    found = {w: median_ns(bench, name) for w, (bench, name, _, _) in WORKLOADS.items()}
    own = {k: (median_ns(bench, name), n) for k, (bench, name, n) in OWN_ONLY.items()}
    return found, own


def host():
    """CPU model, its SIMD flags, core count and load average, from /proc."""
    model, flags = "unknown", []
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, val = line.partition(":")
            if key.strip() == "model name" and model == "unknown":
                model = val.strip()
            if key.strip() == "flags" and not flags:
                flags = [f for f in val.split() if re.match(r"^(sse4_2|avx|avx2|fma|avx512\w*|amx\w*)$", f)]
    except OSError:
        pass
    load = " ".join(f"{v:.2f}" for v in os.getloadavg())
    return model, flags, os.cpu_count(), load


def peak(peers_dir):
    """The peers' `peak` measurement (one JSON line), built as their run.sh builds it."""
    target = ROOT / "target" / "peers" / "peak"
    env = dict(os.environ, CARGO_TARGET_DIR=str(target), RUSTFLAGS="")
    subprocess.run(["cargo", "build", "--release", "--locked", "-q", "-p", "peak"], cwd=peers_dir, env=env, check=True)
    out = subprocess.run([str(target / "release" / "peak")], check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def gemm_shapes():
    """Per W3 product shape: each pinned kernel's median time and the tuner's."""
    base = ROOT / "target" / "criterion" / "gemm"
    shapes = {}
    for est in base.glob("*/*/new/estimates.json"):
        shape, label = est.parent.parent.parent.name, est.parent.parent.name
        shapes.setdefault(shape, {})[label] = json.loads(est.read_text())["median"]["point_estimate"]
    return shapes


def spread(values):
    """The faster pass and the spread of the passes, in percent of the faster."""
    vals = [v for v in values if v is not None]
    if not vals:
        return None, None
    lo = min(vals)
    return lo, 100 * (max(vals) - lo) / lo


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
    ap.add_argument("--passes", type=int, default=2, help="passes over every workload (default 2)")
    args = ap.parse_args()
    if not (args.peers_dir / "Cargo.toml").exists():
        sys.exit(f"error: no peers workspace at {args.peers_dir}: expected the shared peers folder (use --peers-dir)")
    if args.passes < 1:
        sys.exit(f"error: --passes expects at least 1, found {args.passes}")

    binaries = {}
    for p in args.peers:
        print(f"== building {p}", flush=True)
        binaries[p] = build_peer(args.peers_dir, p)
    print("== peak (../shared/peers/peak)", flush=True)
    pk = peak(args.peers_dir)
    load_before = host()[3]
    ours_passes, own_passes, peer_passes = [], [], {p: [] for p in binaries}
    for i in range(args.passes):
        print(f"== pass {i + 1}: this project: cargo bench --bench mlp, --bench cnn, --bench lstm", flush=True)
        found, own = run_ours(extra=("gemm_shapes",) if i == args.passes - 1 else ())
        ours_passes.append(found)
        own_passes.append(own)
        for p, b in binaries.items():
            print(f"== pass {i + 1}: running {p}", flush=True)
            peer_passes[p].append({w: run_peer(b, w) for w in WORKLOADS})

    model, flags, cpus, load_after = host()
    print()
    print(f"host: {model}, {cpus} logical CPUs; flags: {' '.join(flags)}")
    print(f"peak (../shared/peers/peak): clock {pk.get('clock_ghz')} GHz, FMA GFLOP/s on one core: "
          f"AVX2 {pk.get('avx2_fma_gflops_1core')}, AVX-512 {pk.get('avx512_fma_gflops_1core')}; "
          f"L1 read {pk.get('l1_read_gbs_32k')} GB/s, L2 read {pk.get('l2_read_gbs_448k')} GB/s")
    print(f"load average (1, 5, 15 min): {load_before} before, {load_after} after; {args.passes} passes")
    print(f"command: python3 benches/compare_peers.py {' '.join(sys.argv[1:])}")
    print()
    ours = {}
    ours_cell = {}
    for w in WORKLOADS:
        lo, sp = spread([p[w] for p in ours_passes])
        ours[w] = lo
        ours_cell[w] = f"**{fmt(w, lo)}**" + (f" ±{sp:.0f}%" if args.passes > 1 else "")
    print("| | " + " | ".join(f"{w} {WORKLOADS[w][2]} ({WORKLOADS[w][3]})" for w in WORKLOADS) + " |")
    print("|---|" + "---|" * len(WORKLOADS))
    print("| **nn (this project)** | " + " | ".join(ours_cell[w] for w in WORKLOADS) + " |")
    best = {w: (None, None) for w in WORKLOADS}
    for p, passes in peer_passes.items():
        cells = []
        for w in WORKLOADS:
            ns, sp = spread([r[w][0] for r in passes])
            why = passes[0][w][1]
            if ns:
                cells.append(f"{fmt(w, ns)}" + (f" ±{sp:.0f}%" if args.passes > 1 else "") + f" (×{ns / ours[w]:.2f})")
                if best[w][1] is None or ns < best[w][1]:
                    best[w] = (p, ns)
            else:
                cells.append(f"n/a ({why})")
        print(f"| {p} | " + " | ".join(cells) + " |")
    print("| best peer / ours | " + " | ".join(
        f"{best[w][0]} ×{best[w][1] / ours[w]:.2f}" if best[w][1] else "n/a" for w in WORKLOADS) + " |")
    print("\n×N: the peer's time per unit of work divided by ours (above 1: this project is faster);"
          " ±: spread between the passes, in percent of the faster, which the cell shows.")
    print(f"W4 batch 1: {W4_FLOP / ours['W4']:.1f} GFLOP/s")
    for k in OWN_ONLY:
        ns, _ = spread([o[k][0] for o in own_passes])
        n = own_passes[0][k][1]
        flop = W4_FLOP * n * (3 if "training" in k else 1) * (64 if "training" in k else 1)
        rate = f"{n * 1e9 / ns / 1000:.1f}k samples/s" if n > 1 else f"{1e9 / ns:.0f} steps/s"
        print(f"{k}: {ns / 1e6:.2f} ms, {rate}, {flop / ns:.1f} GFLOP/s")

    shapes = gemm_shapes()
    if shapes:
        kernels = [k for k in ("avx512", "avx2", "matrixmultiply") if any(k in v for v in shapes.values())]
        print("\nW3's products (`cargo bench --bench gemm_shapes`, last pass): median µs per product"
              " (n/a: the kernel cannot run a transposed `A`)")
        print("| m x k x n | " + " | ".join(kernels) + " | tuned | tuned / fastest of ours and matrixmultiply |")
        print("|---|" + "---|" * (len(kernels) + 2))
        for shape in sorted(shapes, key=lambda s: [int(x) for x in s.split("_")[0].split("x")], reverse=True):
            t = shapes[shape]
            fastest = min(v for k, v in t.items() if k != "tuned")
            cells = [f"{t[k] / 1000:.2f}" if k in t else "n/a" for k in kernels]
            tuned = t.get("tuned")
            ratio = f"{tuned / fastest:.2f}" if tuned else "n/a"
            print(f"| {shape.replace('_', ' ')} | " + " | ".join(cells) + f" | {tuned / 1000:.2f} | {ratio} |")


if __name__ == "__main__":
    main()
