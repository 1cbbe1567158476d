#!/bin/sh
# Regenerates nn-import/src/schema_generated.rs from TFLite's published schema
# (nn-import/schema/schema.fbs, Apache-2.0, from tensorflow/tflite-micro's
# tensorflow/compiler/mlir/lite/schema/schema.fbs at commit e142972d4f43, 2026-07-01).
#
# planus (cargo install planus-cli --version 1.3.0) does not parse the three `(deprecated)`
# attributes the schema puts on an enum value, a union variant and a table; they change no
# encoding, so they are stripped on the way in (the committed schema is the original).
set -eu
cd "$(dirname "$0")/../nn-import"
tmp=$(mktemp -d)
out=$(pwd)/src/schema_generated.rs
sed -e 's/ (deprecated)//' schema/schema.fbs > "$tmp/schema.fbs"
(cd "$tmp" && planus rust -o "$out" schema.fbs)
rm -r "$tmp"
