#!/bin/sh
# Build times of `network!` declarations, as a user meets them:
#
#   resnet18 debug     `cargo build --example resnet18_stack` after touching it: a flat
#                      ResNet-18 (52 nodes) at 3x224x224, dev profile (dependencies
#                      optimized, as this workspace and the README set them)
#   resnet18 release   the same with `--release`
#   width change       `cargo build --example mnist_mlp` after changing one layer width
#                      (fc2: 256 -> 257) in examples/03_mnist_mlp.rs, which is then restored
#
# Dependencies are built first, untimed; each figure is the median of ROUNDS rebuilds of the
# example's own crate (wall-clock seconds). The load average is printed beside each figure:
# on a shared machine the builds compete for the cores.
#
# Usage: sh benches/build_times.sh [ROUNDS]   (default 3)
set -eu
cd "$(dirname "$0")/.."
rounds=${1:-3}
mlp=examples/03_mnist_mlp.rs
backup=$(mktemp)
cp "$mlp" "$backup"
trap 'cp "$backup" "$mlp"; rm -f "$backup"' EXIT INT TERM

# Seconds of one command, as a decimal.
seconds() {
    start=$(date +%s.%N)
    "$@" >/dev/null 2>&1
    end=$(date +%s.%N)
    echo "$end - $start" | bc
}

median() {
    sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

load() {
    cut -d' ' -f1-3 /proc/loadavg
}

measure() {
    name=$1
    prepare=$2
    shift 2
    "$@" >/dev/null 2>&1 # dependencies, untimed
    times=""
    i=0
    while [ "$i" -lt "$rounds" ]; do
        $prepare "$i"
        times="$times $(seconds "$@")"
        i=$((i + 1))
    done
    m=$(echo "$times" | tr ' ' '\n' | grep . | median)
    echo "$name: ${m} s (median of $rounds: $times; load $(load))"
}

touch_resnet() {
    touch examples/support/resnet18_flat.rs
}

# Alternates the width between 257 and 256 so every round changes it.
change_width() {
    if [ $(($1 % 2)) -eq 0 ]; then
        sed -i 's/fc2: dense(256, relu/fc2: dense(257, relu/' "$mlp"
    else
        sed -i 's/fc2: dense(257, relu/fc2: dense(256, relu/' "$mlp"
    fi
}

echo "rustc: $(rustc --version); cores: $(nproc)"
measure "resnet18 debug" touch_resnet cargo build --example resnet18_stack
measure "resnet18 release" touch_resnet cargo build --release --example resnet18_stack
measure "width change (mnist_mlp, debug)" change_width cargo build --example mnist_mlp
