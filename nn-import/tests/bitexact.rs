//! Our interpreter against TFLM's own (the `tflite-micro` package), bit for bit, on the three
//! TinyML models: the shipped samples and 100 seeded random inputs each (plus, for `sine`,
//! all 256 possible inputs); on the small operator models of models/ops; and on those of
//! models/ops_float_io, whose input and output are float32, output bits against TFLM's.
//! Fixtures: tests/fixtures/tflm/, made by tools/tflm_fixtures.py.

use nn_import::Model;
use serde_json::Value;
use std::path::PathBuf;

mod support;
use support::tflm::{fixture_cases, float_fixture_cases};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Runs every case of one TinyML model's fixture; returns (equal, total, random cases).
fn check(name: &str) -> (usize, usize, usize) {
    check_files(name, "models/tinyml", "tests/fixtures/tflm")
}

/// Runs every case of the fixture `{fixtures}/{name}.json` on `{models}/{name}.tflite`.
fn check_files(name: &str, models: &str, fixtures: &str) -> (usize, usize, usize) {
    let bytes = std::fs::read(root().join(format!("{models}/{name}.tflite"))).unwrap();
    let text = std::fs::read_to_string(root().join(format!("{fixtures}/{name}.json"))).unwrap();
    let fixture: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(fixture["model"], name);
    let model = Model::from_bytes(&bytes).unwrap();
    let n = model.input().len().unwrap();
    // A drifting input generator is a test bug, not a kernel mismatch: it fails here.
    let (cases, random) = fixture_cases(&fixture, n).unwrap();
    let mut equal = 0;
    for case in &cases {
        let y = model.run(&case.input).unwrap();
        if y == case.output {
            equal += 1;
        } else {
            eprintln!("{name} {}: ours {y:?}, TFLM {:?}", case.name, case.output);
        }
    }
    println!("{name}={equal}/{}", cases.len());
    (equal, cases.len(), random)
}

#[test]
fn sine_equals_tflm() {
    let (p, n, random) = check("sine");
    assert!(random >= 100 && n >= 256 + 100);
    assert_eq!(p, n);
}

#[test]
fn speech_equals_tflm() {
    let (p, n, random) = check("speech");
    assert!(random >= 100 && n >= 102);
    assert_eq!(p, n);
}

#[test]
fn person_detect_equals_tflm() {
    let (p, n, random) = check("person_detect");
    assert!(random >= 100 && n >= 102);
    assert_eq!(p, n);
}

/// The names (file stems) of the fixtures in `dir` (relative to the crate), sorted.
fn fixture_stems(dir: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(root().join(dir))
        .unwrap()
        .map(|e| {
            let path = e.unwrap().path();
            path.file_stem().unwrap().to_string_lossy().into_owned()
        })
        .collect();
    names.sort();
    names
}

/// The one- and two-operator models of models/ops (written by `examples/op_models.rs`):
/// MAX_POOL_2D, SAME average pooling, ADD, QUANTIZE, DEQUANTIZE, RELU6 and RELU_N1_TO_1, grouped,
/// VALID and dilated convolutions, per-tensor filter scales, depth multiplier 2, batched
/// per-channel FULLY_CONNECTED, SOFTMAX with beta 0.7, the float32 kernels (float_chain) and
/// an ADD of two activations (residual_add), one of a node three layers back
/// (residual_mid) and broadcasting int8 and float32 ADDs (add_broadcast).
#[test]
fn operator_models_equal_tflm() {
    let names = fixture_stems("tests/fixtures/tflm/ops");
    assert_eq!(names.len(), 13, "{names:?}");
    for name in &names {
        let (p, n, random) = check_files(name, "models/ops", "tests/fixtures/tflm/ops");
        assert!(random >= 100);
        assert_eq!(p, n, "{name}");
    }
}

/// The models of models/ops_float_io, whose input and output are float32, through
/// `Model::run_f32`, each output compared with TFLM's by its bits: float32 I/O around int8
/// layers (mixed_io) and a network float32 from end to end, no int8 tensor anywhere
/// (float_net: CONV_2D, DEPTHWISE_CONV_2D, both pools, RESHAPE, FULLY_CONNECTED, a
/// broadcasting ADD, SOFTMAX).
#[test]
fn float_io_models_equal_tflm() {
    let names = fixture_stems("tests/fixtures/tflm/ops_float_io");
    assert_eq!(names, ["float_net", "mixed_io"]);
    for name in &names {
        let path = root().join(format!("models/ops_float_io/{name}.tflite"));
        let model = Model::from_bytes(&std::fs::read(path).unwrap()).unwrap();
        let fixture = format!("tests/fixtures/tflm/ops_float_io/{name}.json");
        let text = std::fs::read_to_string(root().join(fixture)).unwrap();
        let fixture: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(fixture["model"], name.as_str());
        let n = model.input().len().unwrap();
        let (cases, random) = float_fixture_cases(&fixture, n).unwrap();
        assert!(random >= 100);
        let mut equal = 0;
        for case in &cases {
            let y: Vec<u32> = model
                .run_f32(&case.input)
                .unwrap()
                .iter()
                .map(|v| v.to_bits())
                .collect();
            if y == case.output_bits {
                equal += 1;
            } else {
                eprintln!(
                    "{name} {}: ours {y:?}, TFLM {:?}",
                    case.name, case.output_bits
                );
            }
        }
        println!("{name}={equal}/{}", cases.len());
        assert_eq!(equal, cases.len(), "{name}");
    }
}
