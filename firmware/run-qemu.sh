#!/usr/bin/env bash
# Builds the Cortex-M4F firmware (firmware/mnist-m4) for thumbv7em-none-eabihf, runs every
# binary under QEMU's MPS2-AN386 board, checks that their outputs equal the host's
# (firmware/mnist-m4/expected-*.txt, written and checked by `cargo test --test firmware` and,
# for the tinyml_* binaries, `cargo test -p nn-import --test firmware_tinyml`, and for
# mnist_cnn_int8, `cargo test -p nn-import --test ptq_mnist_cnn`),
# and prints flash, RAM and instructions per inference, for the fast (release, opt-level 3)
# and the small (opt-level "s") builds.
#
# Needs: rustup target add thumbv7em-none-eabihf; apt-get install qemu-system-arm.
set -euo pipefail
cd "$(dirname "$0")/mnist-m4"
qemu() {
  timeout 300 qemu-system-arm -machine mps2-an386 -cpu cortex-m4 -nographic \
    -semihosting-config enable=on,target=native -icount shift=0 -kernel "$1"
}
# Flash = .vector_table + .text + .rodata + .data (its initial values); static RAM =
# .data + .bss, read from the ELF's section headers.
sizes() {
  python3 - "$1" <<'PY'
import struct, sys
f = open(sys.argv[1], 'rb').read()
shoff, = struct.unpack_from('<I', f, 0x20)
shentsize, shnum, shstrndx = struct.unpack_from('<HHH', f, 0x2E)
secs = [struct.unpack_from('<IIIIII', f, shoff + i * shentsize) for i in range(shnum)]
strtab = secs[shstrndx][4]
name = lambda s: f[strtab + s[0]:f.index(b'\0', strtab + s[0])].decode()
size = {name(s): s[5] for s in secs}
flash = sum(size.get(n, 0) for n in ('.vector_table', '.text', '.rodata', '.data'))
print(f"flash_bytes={flash}")
PY
}
status=0
for profile in release small; do
  cargo build --quiet --profile "$profile" --bins
  dir=${CARGO_TARGET_DIR:-target}/thumbv7em-none-eabihf/$profile
  for bin in mnist mnist_q8 mnist_cnn mnist_cnn_q8 mnist_cnn_int8 sine recurrent tinyml_sine tinyml_speech tinyml_person_detect tinyml_float_chain tflite_kernels; do
    out=$(qemu "$dir/$bin") || { echo "$out"; echo "FAILED: $bin ($profile) exited with an error"; status=1; continue; }
    # Every line but the figures must be the host's.
    if diff <(grep -v '^result: ' <<<"$out") "expected-$bin.txt" >/dev/null; then same=yes; else same=no; status=1; fi
    echo "$bin ($profile): $(sizes "$dir/$bin") same_as_host=$same $(grep '^result:' <<<"$out" | sed 's/^result: //')"
  done
done
exit $status
