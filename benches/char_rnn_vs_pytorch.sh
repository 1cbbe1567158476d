#!/usr/bin/env bash
# char_rnn against PyTorch: the same model, data, validation split and wall-clock budget,
# one after the other on this machine (`examples/14_char_rnn.rs`, then
# `tools/char_rnn_pytorch.py` with PyTorch's default threads), and a table of both results.
#
#     benches/char_rnn_vs_pytorch.sh            # 540 s each, the example's default budget
#     benches/char_rnn_vs_pytorch.sh 60 3       # 60 s each, seed 3
#     benches/char_rnn_vs_pytorch.sh 540 1 --hidden 384 --layers 2 --dropout 0.2
#     PYTHON=/path/to/venv/bin/python benches/char_rnn_vs_pytorch.sh
#     PYTORCH_THREADS="1" benches/char_rnn_vs_pytorch.sh 60   # also PyTorch on 1 thread
#
# Arguments: the budget in seconds (default 540) and the seed (default 1), each optional
# (a leading `--flag` starts the rest); every further argument is a flag given to both
# models alike (`--hidden`, `--layers`, `--dropout`, `--seq`, `--batch`, `--lr`,
# `--schedule`, `--lr-floor`, `--warmup`: the example's flags, which the script shares;
# `--seconds` and `--seed` are the positional ones). Both runs' `settings:` lines are printed
# under the table, to show that they trained the same way. `PYTHON` is an
# interpreter with PyTorch (default `python3`); `PYTORCH_THREADS`, a list of thread counts,
# adds a PyTorch run for each (the comparison itself is with PyTorch's default threads). The
# example is built before anything is timed; each run's full output is kept in
# `target/char_rnn_vs_pytorch/`. Run it on an idle machine: both train for a fixed time, so
# anything else running lowers both figures unevenly (the table gives the load average
# before each run).
set -euo pipefail

budget=540
seed=1
if [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; then
    budget=$1
    shift
fi
if [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; then
    seed=$1
    shift
fi
flags=("$@")
for f in "${flags[@]}"; do
    case $f in
    --seconds | --seconds=* | --minutes | --minutes=* | --seed | --seed=* | --threads | --threads=*)
        echo "error: \`$f\` is set by the script (budget and seed are its first two arguments; PYTORCH_THREADS adds thread counts)" >&2
        exit 2
        ;;
    esac
done
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
# Both parse the flags before anything is timed: a value one of them refuses stops here.
target/release/examples/char_rnn "${flags[@]}" --help >/dev/null
"$python" tools/char_rnn_pytorch.py "${flags[@]}" --help >/dev/null

# `name=value` from a log's `result:` line, and the step count from its `N steps of` line.
field() { sed -n "s/^result:.* $2=\([^ ]*\).*/\1/p" "$1" | head -n 1; }
steps() { sed -n 's/^\([0-9]*\) steps of .*/\1/p' "$1" | head -n 1; }
# The 1-minute load average before each run, to show whether the machine was idle.
load() { cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo "?"; }
rows=()
settings=()
# Runs one training (`$1` its name in the table, `$2` its log, then the command) and adds its row.
run() {
    local name=$1 log="$out/$2.txt" before
    shift 2
    before=$(load)
    echo "$name: $budget s, seed $seed" >&2
    "$@" "${flags[@]}" --seconds "$budget" --seed "$seed" 2>&1 | tee "$log" >&2
    rows+=("| $name | $(field "$log" val_bpc) | $(steps "$log") | $(field "$log" train_seconds) | $before |")
    settings+=("$name: $(sed -n 's/^settings: //p' "$log" | head -n 1)")
}

torch_version=$("$python" -c 'import torch; print(torch.__version__)')
threads=$("$python" -c 'import torch; print(torch.get_num_threads())')
run "char_rnn (2 threads)" char_rnn target/release/examples/char_rnn
run "PyTorch $torch_version ($threads threads, its default)" pytorch \
    "$python" tools/char_rnn_pytorch.py
for n in ${PYTORCH_THREADS:-}; do
    unit=threads
    [ "$n" = 1 ] && unit=thread
    run "PyTorch $torch_version ($n $unit)" "pytorch_threads_$n" \
        "$python" tools/char_rnn_pytorch.py --threads "$n"
done

echo
echo "| run (budget $budget s, seed $seed) | val bpc | steps | train seconds | load before |"
echo "|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
echo
printf '%s\n' "${settings[@]}"
