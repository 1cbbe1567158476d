#!/usr/bin/env python3
"""The `char_rnn` example's model and training, in PyTorch, for the same wall-clock budget.

The baseline for `examples/14_char_rnn.rs`: with the default flags it trains the same model
the same way, so the two validation figures can be compared side by side on one machine.

* Data: `data/tinyshakespeare/input.txt` as bytes; the vocabulary is the sorted distinct
  bytes (65); the first 90% (`len * 9 // 10`) trains, the last 10% is held out.
* Model: one-hot characters -> `nn.LSTM(65, 256)` -> `nn.Linear(256, 65)` -> softmax.
  Initialisation as the example's: Xavier/Glorot uniform for `weight_ih`, `weight_hh` and
  the head's weight (fan-in the columns, fan-out the rows), every bias 0, then the LSTM's
  forget-gate input biases (`bias_ih` rows H..2H, PyTorch's gate order i, f, g, o) at 1.
* Training: each step draws 64 windows of 65 characters at uniformly random starts in
  `[0, len(train) - 66)`, each from a zero state; the loss is the cross-entropy of the 64
  next characters, mean over every window and step; backpropagation through the 64 steps;
  the LSTM's gradients and the head's are each clipped to global norm 5 (as the example
  clips them, separately); Adam (beta 0.9, 0.999, eps 1e-8 added to the square root);
  step size `lr * (0.05 + 0.95 * (1 + cos(pi * elapsed / budget)) / 2)` from the wall-clock
  time elapsed before each step, until the budget is spent. The clock starts after the
  model is built, as the example's does.
* Validation: the whole held-out text as one sequence, in chunks of 1,000 steps, each chunk
  starting from the previous chunk's final state; mean cross-entropy of each next character,
  in bits per character. Then a 400-character sample at temperature 0.8.
* Threads: PyTorch's default (`torch.get_num_threads()`) unless `--threads` is given.

Needs only PyTorch (CPU). From the repository's root:

    python3 tools/char_rnn_pytorch.py                  # 540 s, the example's default budget
    python3 tools/char_rnn_pytorch.py --seconds 60 --seed 3
    python3 tools/char_rnn_pytorch.py --hidden 384 --layers 2 --dropout 0.2 --seq 128

The flags are the example's, with the same names, defaults and meaning: `--hidden` (units
per layer), `--layers` (stacked LSTM layers), `--dropout P` (in training, on every LSTM
layer's output: between stacked layers, as `nn.LSTM(dropout=P)` does, and before the head),
`--seq` (window length, the steps of truncated BPTT), `--batch`, `--lr` (peak step size),
`--schedule cosine|linear|constant` (from `--lr` down to `--lr-floor` times it, default
0.05), `--warmup F` (a linear warm-up from 0 over the first fraction F of the budget), and
`--seconds` or `--minutes`. The example compiles in only some widths and window lengths;
this script takes any. `--threads` is this script's own. Both print a `settings:` line of
every setting as flags, in the same format.

Ends with `result: val_bpc=... train_seconds=... steps=...`.
"""

import argparse
import math
from decimal import Decimal
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data" / "tinyshakespeare" / "input.txt"


class CharRnn(torch.nn.Module):
    def __init__(self, vocab, hidden, layers, dropout):
        super().__init__()
        self.vocab = vocab
        self.lstm = torch.nn.LSTM(
            vocab, hidden, num_layers=layers, dropout=dropout if layers > 1 else 0.0
        )
        self.drop = torch.nn.Dropout(dropout)
        self.head = torch.nn.Linear(hidden, vocab)
        with torch.no_grad():
            for name, p in self.lstm.named_parameters():
                if name.startswith("weight"):
                    torch.nn.init.xavier_uniform_(p)
                else:
                    p.zero_()
            for k in range(layers):
                getattr(self.lstm, f"bias_ih_l{k}")[hidden : 2 * hidden].fill_(1.0)
            torch.nn.init.xavier_uniform_(self.head.weight)
            self.head.bias.zero_()

    def forward(self, idx, state=None):
        """`idx`: (steps, batch) character indices; returns (steps, batch, vocab) logits."""
        x = F.one_hot(idx, self.vocab).float()
        h, state = self.lstm(x, state)
        return self.head(self.drop(h)), state


def evaluate(model, val):
    """Mean cross-entropy (nats) of each next character of `val`, run as one sequence."""
    model.eval()
    total, count, state = 0.0, 0, None
    with torch.no_grad():
        inputs = val[:-1]
        for k in range(0, len(inputs), 1000):
            chunk = inputs[k : k + 1000]
            target = val[k + 1 : k + 1 + len(chunk)]
            logits, state = model(chunk.unsqueeze(1), state)
            nll = F.cross_entropy(logits.squeeze(1), target, reduction="none")
            total += nll.double().sum().item()
            count += len(chunk)
    model.train()
    return total / count


def sample(model, vocab, first, length, gen):
    model.eval()
    out = [first]
    with torch.no_grad():
        idx, state = torch.tensor([[first]]), None
        for _ in range(length):
            logits, state = model(idx, state)
            p = torch.softmax(logits[-1, 0] / 0.8, dim=0)
            c = int(torch.multinomial(p, 1, generator=gen))
            out.append(c)
            idx = torch.tensor([[c]])
    model.train()
    return bytes(vocab[c] for c in out).decode("latin-1")


def positive(kind):
    def parse(s):
        v = kind(s)
        if not v > 0:
            raise argparse.ArgumentTypeError(f"expected a number > 0, found {s}")
        return v

    return parse


def in_range(lo, hi, hi_open):
    close = ")" if hi_open else "]"

    def parse(s):
        try:
            v = float(s)
        except ValueError:
            v = math.nan
        if not (lo <= v < hi or (not hi_open and v == hi)):
            raise argparse.ArgumentTypeError(f"expected a number in [{lo:g}, {hi:g}{close}, found {s}")
        return v

    return parse


def flag_number(v):
    """`v` as Rust's `{}` prints an `f64`: no exponent, no trailing `.0`."""
    s = format(Decimal(repr(float(v))), "f")
    return s.rstrip("0").rstrip(".") if "." in s else s


def lr_at(a, progress):
    """The step size after `progress` (0 to 1) of the budget, as the example computes it."""
    if progress < a.warmup:
        return a.lr * progress / a.warmup
    q = (progress - a.warmup) / (1.0 - a.warmup)
    f = a.lr_floor
    if a.schedule == "constant":
        return a.lr
    if a.schedule == "linear":
        return f * a.lr + (1.0 - f) * a.lr * (1.0 - q)
    return f * a.lr + (1.0 - f) * a.lr * 0.5 * (1.0 + math.cos(math.pi * q))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    budget = ap.add_mutually_exclusive_group()
    budget.add_argument("--seconds", type=positive(float), default=540.0, help="training budget")
    budget.add_argument("--minutes", type=positive(float), help="training budget, instead of --seconds")
    ap.add_argument("--seed", type=int, default=1, help="seed of the weights, windows, dropout")
    ap.add_argument("--lr", type=positive(float), default=5e-3, help="Adam's peak step size")
    ap.add_argument("--hidden", type=positive(int), default=256, help="units per LSTM layer")
    ap.add_argument(
        "--seq", type=positive(int), default=64,
        help="window length, the steps of truncated BPTT",
    )
    ap.add_argument("--batch", type=positive(int), default=64, help="windows per step")
    ap.add_argument("--layers", type=positive(int), default=1, help="stacked LSTM layers")
    ap.add_argument(
        "--dropout", type=in_range(0.0, 1.0, True), default=0.0,
        help="on every LSTM layer's output in training",
    )
    ap.add_argument("--schedule", choices=["cosine", "linear", "constant"], default="cosine")
    ap.add_argument(
        "--lr-floor", type=in_range(0.0, 1.0, False), default=0.05,
        help="the schedule's final step size, a fraction of --lr",
    )
    ap.add_argument(
        "--warmup", type=in_range(0.0, 1.0, True), default=0.0,
        help="linear warm-up over this fraction of the budget",
    )
    ap.add_argument("--threads", type=positive(int), help="default: PyTorch's default")
    a = ap.parse_args()
    if a.minutes is not None:
        a.seconds = a.minutes * 60.0
    if a.threads:
        torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)

    try:
        raw = DATA.read_bytes()
    except OSError as e:
        sys.exit(f"error: cannot read {DATA}: {e}")
    vocab = sorted(set(raw))
    if len(vocab) != 65:
        sys.exit(f"error: {DATA} has {len(vocab)} distinct characters, expected 65")
    index = {c: k for k, c in enumerate(vocab)}
    text = torch.tensor([index[c] for c in raw], dtype=torch.long)
    split = len(text) * 9 // 10
    train, val = text[:split], text[split:]
    print(f"{len(text)} characters: {len(train)} for training, {len(val)} held out")
    print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} threads")
    n = flag_number
    print(
        f"settings: --hidden {a.hidden} --layers {a.layers} --dropout {n(a.dropout)} "
        f"--seq {a.seq} --batch {a.batch} --lr {n(a.lr)} --schedule {a.schedule} "
        f"--lr-floor {n(a.lr_floor)} --warmup {n(a.warmup)} --seconds {n(a.seconds)} "
        f"--seed {a.seed}"
    )

    model = CharRnn(len(vocab), a.hidden, a.layers, a.dropout)
    opt_lstm = torch.optim.Adam(model.lstm.parameters(), lr=a.lr, betas=(0.9, 0.999), eps=1e-8)
    opt_head = torch.optim.Adam(model.head.parameters(), lr=a.lr, betas=(0.9, 0.999), eps=1e-8)
    offsets = torch.arange(a.seq + 1)
    budget = a.seconds
    start = time.perf_counter()
    steps, running = 0, math.nan
    while True:
        elapsed = time.perf_counter() - start
        if elapsed >= budget:
            break
        lr_now = lr_at(a, elapsed / budget)
        for opt in (opt_lstm, opt_head):
            for g in opt.param_groups:
                g["lr"] = lr_now
        starts = torch.randint(0, len(train) - a.seq - 1, (a.batch,))
        windows = train[starts.unsqueeze(0) + offsets.unsqueeze(1)]  # (seq + 1, batch)
        logits, _ = model(windows[:-1])
        loss = F.cross_entropy(logits.reshape(-1, len(vocab)), windows[1:].reshape(-1))
        opt_lstm.zero_grad(set_to_none=True)
        opt_head.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.lstm.parameters(), 5.0)
        torch.nn.utils.clip_grad_norm_(model.head.parameters(), 5.0)
        opt_lstm.step()
        opt_head.step()
        value = loss.item()
        running = value if math.isnan(running) else 0.98 * running + 0.02 * value
        steps += 1
        if steps % 200 == 0:
            print(
                f"step {steps:>5} ({elapsed:>5.0f} s): train loss "
                f"{running / math.log(2):.3f} bits/char",
                file=sys.stderr,
            )
    train_seconds = time.perf_counter() - start
    val_bpc = evaluate(model, val) / math.log(2)
    print(f"{steps} steps of {a.batch} windows x {a.seq} characters in {train_seconds:.0f} s")
    print(f"validation: {val_bpc:.3f} bits/char")
    gen = torch.Generator().manual_seed(a.seed)
    print(f"sample:\n{sample(model, vocab, int(text[0]), 400, gen)}\n")
    print(f"result: val_bpc={val_bpc:.3f} train_seconds={train_seconds:.0f} steps={steps}")


if __name__ == "__main__":
    main()
