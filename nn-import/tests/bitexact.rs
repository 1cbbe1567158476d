//! Our interpreter against TFLM's own (the `tflite-micro` package), bit for bit, on the three
//! TinyML models: the shipped samples and 100 seeded random inputs each (plus, for `sine`,
//! all 256 possible inputs). Fixtures: tests/fixtures/tflm/*.json, made by
//! tools/tflm_fixtures.py.

use nn_import::Model;
use serde_json::Value;
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The fixture script's random input: splitmix64 from the seed, the top byte of each output
/// as an int8.
fn random_input(seed: u64, n: usize) -> Vec<i8> {
    let mut state = seed;
    (0..n)
        .map(|_| {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            (z >> 56) as u8 as i8
        })
        .collect()
}

fn fnv1a64(values: &[i8]) -> String {
    let mut h: u64 = 0xCBF2_9CE4_8422_2325;
    for &v in values {
        h = (h ^ u64::from(v as u8)).wrapping_mul(0x100_0000_01B3);
    }
    format!("{h:016x}")
}

fn ints(v: &Value) -> Vec<i8> {
    v.as_array()
        .expect("an array")
        .iter()
        .map(|x| i8::try_from(x.as_i64().expect("an integer")).expect("an int8"))
        .collect()
}

/// Runs every case of one model's fixture; returns (equal, total, random cases).
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
    let mut cases: Vec<(String, Vec<i8>, Vec<i8>)> = Vec::new();
    for c in fixture["samples"].as_array().unwrap() {
        cases.push((
            c["name"].as_str().unwrap().into(),
            ints(&c["input"]),
            ints(&c["output"]),
        ));
    }
    let random = fixture["random"].as_array().unwrap();
    for c in random {
        let seed = c["seed"].as_u64().unwrap();
        let x = random_input(seed, n);
        // A drifting generator is a test bug, not a kernel mismatch: say so.
        assert_eq!(
            fnv1a64(&x),
            c["input_fnv1a64"].as_str().unwrap(),
            "{name}: input of seed {seed}"
        );
        cases.push((format!("seed {seed}"), x, ints(&c["output"])));
    }
    let mut equal = 0;
    for (case, x, expected) in &cases {
        let y = model.run(x).unwrap();
        if &y == expected {
            equal += 1;
        } else {
            eprintln!("{name} {case}: ours {y:?}, TFLM {expected:?}");
        }
    }
    println!("{name}={equal}/{}", cases.len());
    (equal, cases.len(), random.len())
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

/// The one- and two-operator models of models/ops (written by `examples/op_models.rs`):
/// MAX_POOL_2D, SAME average pooling, ADD, QUANTIZE, DEQUANTIZE, RELU6 and RELU_N1_TO_1,
/// VALID and dilated convolutions, per-tensor filter scales, depth multiplier 2, batched
/// per-channel FULLY_CONNECTED, SOFTMAX with beta 0.7.
#[test]
fn operator_models_equal_tflm() {
    let mut names: Vec<String> = std::fs::read_dir(root().join("tests/fixtures/tflm/ops"))
        .unwrap()
        .map(|e| {
            e.unwrap()
                .path()
                .file_stem()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    assert_eq!(names.len(), 8, "{names:?}");
    for name in &names {
        let (p, n, random) = check_files(name, "models/ops", "tests/fixtures/tflm/ops");
        assert!(random >= 100);
        assert_eq!(p, n, "{name}");
    }
}
