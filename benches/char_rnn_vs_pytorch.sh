#!/usr/bin/env bash
# char_rnn against PyTorch: the same model, data, validation split and wall-clock budget,
# one after the other on this machine (`examples/14_char_rnn.rs`, then
# `tools/char_rnn_pytorch.py` with PyTorch's default threads), and a table of both results.
#
#     benches/char_rnn_vs_pytorch.sh            # 540 s each, the example's default budget
#     benches/char_rnn_vs_pytorch.sh 60 3       # 60 s each, seed 3
#     PYTHON=/path/to/venv/bin/python benches/char_rnn_vs_pytorch.sh
#
# Arguments: the budget in seconds (default 540) and the seed (default 1). `PYTHON` is an
# interpreter with PyTorch (default `python3`). The example is built before anything is timed;
# each run's full output is kept in `target/char_rnn_vs_pytorch/`. Run it on an idle machine:
# both train for a fixed time, so anything else running lowers both figures unevenly.
set -euo pipefail

budget=${1:-540}
seed=${2:-1}
python=${PYTHON:-python3}
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/target/char_rnn_vs_pytorch"
mkdir -p "$out"
cd "$root"

if ! "$python" -c 'import torch' 2>/dev/null; then
    echo "error: \`$python\` cannot import torch; set PYTHON to an interpreter with PyTorch" >&2
    exit 1
fi
cargo build --release --example char_rnn --quiet

echo "char_rnn: $budget s, seed $seed" >&2
target/release/examples/char_rnn --seconds "$budget" --seed "$seed" 2>&1 | tee "$out/char_rnn.txt" >&2
echo "PyTorch: $budget s, seed $seed" >&2
"$python" tools/char_rnn_pytorch.py --seconds "$budget" --seed "$seed" 2>&1 | tee "$out/pytorch.txt" >&2

# `name=value` from a log's `result:` line, and the step count from its `N steps of` line.
field() { sed -n "s/^result:.* $2=\([^ ]*\).*/\1/p" "$1" | head -n 1; }
steps() { sed -n 's/^\([0-9]*\) steps of .*/\1/p' "$1" | head -n 1; }
threads=$("$python" -c 'import torch; print(torch.get_num_threads())')

echo
echo "| run (budget $budget s, seed $seed) | val bpc | steps | train seconds |"
echo "|---|---|---|---|"
for run in "char_rnn (2 threads):char_rnn" "PyTorch $("$python" -c 'import torch; print(torch.__version__)') ($threads threads):pytorch"; do
    name=${run%:*} log="$out/${run##*:}.txt"
    echo "| $name | $(field "$log" val_bpc) | $(steps "$log") | $(field "$log" train_seconds) |"
done
