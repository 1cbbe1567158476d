#!/bin/sh
# Training speed of a debug build against a release build, side by side: builds
# `examples/debug_speed.rs` (one epoch of a 784-128-10 MLP with Fit and Adam) in three
# profiles, each in its own target directory, then runs the three binaries in turn, ROUNDS
# times, and prints each one's median seconds and its ratio to release.
#
#   release     cargo build --release
#   dev         the dev profile with nothing optimized
#   deps        the dev profile with `[profile.dev.package."*"] opt-level = 3` (every
#               dependency, nn-core included, optimized; the example's own crate not)
#   o1          the same with the example's own crate at `opt-level = 1`: the network's
#               code and nn-core's generic layers are compiled in the crate that uses them
#
# Usage: sh benches/debug_build_speed.sh [ROUNDS]   (default 3)
set -eu
cd "$(dirname "$0")/.."
rounds=${1:-3}
base=${CARGO_TARGET_DIR:-target}/debug-speed
# nn-core is a workspace member here, so `"*"` does not reach it: it is named too, as a
# user's crates.io dependency would be reached by `"*"`.
deps='--config profile.dev.package."*".opt-level=3 --config profile.dev.package.nn-core.opt-level=3'
none='--config profile.dev.package."*".opt-level=0 --config profile.dev.package.nn-core.opt-level=0'
# Each variant's binary is copied out, as deps and o1 share a target directory (the
# dependencies are the same; only the example's crate differs).
mkdir -p "$base/bin"
build() {
    name=$1
    dir=$2
    shift 2
    cargo build -q --example debug_speed --target-dir "$base/$dir" "$@"
    profile=debug
    case " $* " in *" --release "*) profile=release ;; esac
    cp "$base/$dir/$profile/examples/debug_speed" "$base/bin/$name"
}
build release release --release
# shellcheck disable=SC2086
build dev dev $none
# shellcheck disable=SC2086
build deps deps $deps
# shellcheck disable=SC2086
build o1 deps $deps --config profile.dev.opt-level=1
runs=$(mktemp)
for r in $(seq "$rounds"); do
    for name in release dev deps o1; do
        s=$("$base/bin/$name" 2>/dev/null | sed -n 's/^result: train_seconds=\([0-9.]*\).*/\1/p')
        echo "$name $s" >>"$runs"
    done
done
median() { awk -v k="$1" '$1 == k { print $2 }' "$runs" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
rel=$(median release)
for k in release dev deps o1; do
    m=$(median "$k")
    awk -v k="$k" -v m="$m" -v r="$rel" 'BEGIN { printf "%-8s median %.3f s  x%.1f of release\n", k, m, m / r }'
done
rm -f "$runs"
