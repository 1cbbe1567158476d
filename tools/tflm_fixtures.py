#!/usr/bin/env python3
"""Runs TensorFlow Lite for Microcontrollers' own interpreter (the `tflite-micro` package)
on the three models of models/tinyml/, on the small operator models of models/ops/
(written by `cargo run -p nn-import --example op_models`) and on the project's own
post-training int8 MNIST CNN, models/mnist_cnn_int8.tflite (written by `cargo run --release
-p nn-import --example ptq_mnist_cnn`), and writes the bit-exactness fixtures of
nn-import/tests/bitexact.rs and nn-import/tests/ptq_mnist_cnn.rs:
tests/fixtures/tflm/{sine,speech,person_detect,mnist_cnn_int8}.json and
tests/fixtures/tflm/ops/*.json. The committed fixtures were made with tflite-micro
0.dev20261023182759 (recorded in each file's "made_by").

Each fixture holds, for one model:

- "sha256": the checksum of the model file it was made from;
- "samples": [{"name", "input", "output"}]: the shipped sample inputs
  (models/tinyml/samples.json) with TFLM's int8 outputs; for `sine`, whose input is a
  single int8, also every one of the 256 possible inputs; for `mnist_cnn_int8`, the first
  20 images of the MNIST test set (data/mnist, the firmware's test-digits.bin), each
  standardized as the firmware does, `(p/255 - MEAN) * (1/STD)` in float32, and quantized
  with the model's input parameters as TFLite's QUANTIZE does, `round(x/scale) + zero_point`
  (ties away from zero), clamped to int8;
- "random": [{"seed", "input_fnv1a64", "output"}]: seeded random inputs, stored by seed
  rather than by value (person_detect's input has 9,216 values). The input of seed `s` is
  the generator below, which nn-import/tests/support/tflm.rs implements identically:

      state = s; for each input value: state += 0x9E3779B97F4A7C15 (mod 2^64),
      z = splitmix64 finalizer of state, value = (z >> 56) reinterpreted as int8

  "input_fnv1a64" is the FNV-1a 64-bit hash of the input bytes, so a generator that drifts
  is reported as such rather than as a kernel mismatch.

A model with a FLOAT32 input (models/ops_float_io/, fixtures in tests/fixtures/tflm/ops_float_io/)
takes the same int8 values divided by 16 (exact in float32); a FLOAT32 output is recorded as
"output_f32_bits", each value's IEEE-754 bits as an unsigned integer, so the comparison is
bit for bit.

Usage (TFLM from the package registry, in a venv):

    python3 -m venv /tmp/venv-tflm && /tmp/venv-tflm/bin/pip install tflite-micro numpy
    /tmp/venv-tflm/bin/python tools/tflm_fixtures.py            # 100 random cases per model
    /tmp/venv-tflm/bin/python tools/tflm_fixtures.py --cases 200
    /tmp/venv-tflm/bin/python tools/tflm_fixtures.py --only mixed_io   # one model

models/tinyml/samples.json was made once from MicroFlow's sample files
(samples/features/{speech,person_detect}.rs of microflow-rs) with
`tools/tflm_fixtures.py --import-samples DIR`.
"""
import argparse
import gzip
import hashlib
import json
import pathlib
import re
import sys

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent
MODELS = ROOT / "models" / "tinyml"
OUT = ROOT / "tests" / "fixtures" / "tflm"
NAMES = ["sine", "speech", "person_detect"]
MASK = (1 << 64) - 1
# The project's own int8 model and the MNIST test set its samples come from.
PTQ_MODEL = ROOT / "models" / "mnist_cnn_int8.tflite"
MNIST = ROOT / "data" / "mnist"
MNIST_DIGITS = 20
# nn_core::data::{MEAN, STD}
MNIST_MEAN, MNIST_STD = np.float32(0.1307), np.float32(0.3081)


def random_input(seed, n):
    state = seed & MASK
    out = np.empty(n, dtype=np.int8)
    for i in range(n):
        state = (state + 0x9E3779B97F4A7C15) & MASK
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        z = z ^ (z >> 31)
        b = z >> 56
        out[i] = b - 256 if b >= 128 else b
    return out


def fnv1a64(values):
    h = 0xCBF29CE484222325
    for b in values.astype(np.int8).view(np.uint8).tolist():
        h = ((h ^ b) * 0x100000001B3) & MASK
    return "%016x" % h


def import_samples(directory):
    """MicroFlow's `pub const NAME: Buffer..<i8, ...> = matrix![...]` literals -> JSON."""
    d = pathlib.Path(directory)
    samples = {}
    for model, path in [("speech", d / "speech.rs"), ("person_detect", d / "person_detect.rs")]:
        text = path.read_text()
        parts = re.split(r"pub const (\w+):[^=]*=", text)
        cases = []
        for name, body in zip(parts[1::2], parts[2::2]):
            body = body[body.index("matrix![") + len("matrix![") :]
            values = [int(v) for v in re.findall(r"-?\d+", body)]
            cases.append({"name": name.lower(), "input": values})
        samples[model] = cases
    (MODELS / "samples.json").write_text(json.dumps(samples, separators=(",", ":")) + "\n")
    print("wrote", MODELS / "samples.json")


def mnist_digits(count, detail):
    """The first `count` MNIST test images as the int8 input of a model whose input has the
    quantization `detail` (TFLM's input details): [{"name", "input"}]."""
    images = gzip.decompress((MNIST / "t10k-images-idx3-ubyte.gz").read_bytes())
    labels = gzip.decompress((MNIST / "t10k-labels-idx1-ubyte.gz").read_bytes())
    pixels = np.frombuffer(images[16 : 16 + count * 784], dtype=np.uint8).reshape(count, 784)
    scale = np.float32(detail["quantization_parameters"]["scales"][0])
    zero_point = int(detail["quantization_parameters"]["zero_points"][0])
    cases = []
    for i, p in enumerate(pixels):
        # float32 throughout, as mnist_m4::pixel and nn_core's quantize_f32 compute it
        x = (p.astype(np.float32) / np.float32(255) - MNIST_MEAN) * (np.float32(1) / MNIST_STD)
        r = x / scale
        r = r.astype(np.float64)  # exact: |r| + 0.5 does not round
        q = np.sign(r) * np.floor(np.abs(r) + 0.5) + zero_point
        q = np.clip(q, -128, 127).astype(np.int8)
        cases.append({"name": f"test{i}_label{labels[8 + i]}", "input": [int(v) for v in q]})
    return cases


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=100)
    ap.add_argument("--import-samples", metavar="DIR")
    ap.add_argument("--only", metavar="NAME", help="write the fixture of this model only")
    args = ap.parse_args()
    if args.import_samples:
        import_samples(args.import_samples)
        return
    from tflite_micro.python.tflite_micro import runtime

    samples = json.loads((MODELS / "samples.json").read_text())
    OUT.mkdir(parents=True, exist_ok=True)
    jobs = [(name, MODELS / f"{name}.tflite", OUT) for name in NAMES]
    jobs += [(p.stem, p, OUT / "ops") for p in sorted((ROOT / "models" / "ops").glob("*.tflite"))]
    jobs += [
        (p.stem, p, OUT / "ops_float_io")
        for p in sorted((ROOT / "models" / "ops_float_io").glob("*.tflite"))
    ]
    jobs.append((PTQ_MODEL.stem, PTQ_MODEL, OUT))
    if args.only:
        jobs = [j for j in jobs if j[0] == args.only]
    for name, path, out_dir in jobs:
        it = runtime.Interpreter.from_file(str(path))
        detail = it.get_input_details(0)
        shape = [int(v) for v in detail["shape"]]
        n = int(np.prod(shape))
        float_in = detail["dtype"] == np.float32
        float_out = it.get_output_details(0)["dtype"] == np.float32
        if path == PTQ_MODEL:
            samples[name] = mnist_digits(MNIST_DIGITS, detail)

        def run(values):
            it.reset()
            x = np.asarray(values, dtype=np.int8).reshape(shape)
            it.set_input(x.astype(np.float32) / 16 if float_in else x, 0)
            it.invoke()
            y = it.get_output(0).flatten()
            if float_out:
                return [int(v) for v in y.astype(np.float32).view(np.uint32)]
            return [int(v) for v in y]

        key = "output_f32_bits" if float_out else "output"

        fixture = {
            "model": name,
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            "made_by": "tools/tflm_fixtures.py with tflite-micro "
            + __import__("importlib.metadata").metadata.version("tflite-micro"),
            "samples": [],
            "random": [],
        }
        for case in samples.get(name, []):
            assert len(case["input"]) == n, (name, case["name"], len(case["input"]))
            fixture["samples"].append(
                {"name": case["name"], "input": case["input"], key: run(case["input"])}
            )
        if n == 1:
            for v in range(-128, 128):
                fixture["samples"].append({"name": f"x={v}", "input": [v], key: run([v])})
        for seed in range(args.cases):
            x = random_input(seed, n)
            fixture["random"].append({"seed": seed, "input_fnv1a64": fnv1a64(x), key: run(x)})
        text = json.dumps(fixture, separators=(",", ":"))
        # one case per line: readable diffs
        text = text.replace("},{", "},\n{")
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / f"{name}.json").write_text(text + "\n")
        print(name, len(fixture["samples"]), "samples,", len(fixture["random"]), "random cases")


if __name__ == "__main__":
    sys.exit(main())
