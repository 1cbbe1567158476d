//! The host side of the `tinyml_*` firmware binaries (firmware/mnist-m4): the same
//! `network!` declarations (crate nn-tinyml) run here on the same inputs, and their outputs,
//! as hexadecimal bytes, must equal `firmware/mnist-m4/expected-tinyml_*.txt`, which
//! `firmware/run-qemu.sh` compares with what the Cortex-M4F prints. The sample inputs the
//! firmware embeds (`tinyml-*.bin`) are the fixtures' samples, and their outputs TFLM's.
//!
//! `tinyml_float_chain` runs `models/ops/float_chain.tflite`'s declaration (float32 kernels
//! between int8 ends) on the inputs of its fixture's seeds 0 to 7, TFLM's outputs.
//!
//! After changing a model, `NN_BLESS=1 cargo test -p nn-import --test firmware_tinyml`
//! rewrites the files.

use nn_tinyml::{FloatChain, PersonDetect, Sine, Speech};
use serde_json::Value;
use std::fmt::Write;
use std::path::PathBuf;

mod support;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Compares `bytes` with the committed firmware file, or rewrites it under `NN_BLESS=1`.
fn check(file: &str, bytes: &[u8]) {
    let path = root().join("firmware/mnist-m4").join(file);
    if std::env::var_os("NN_BLESS").is_some() {
        std::fs::write(&path, bytes).unwrap();
    }
    let committed = std::fs::read(&path).unwrap();
    assert!(
        committed == bytes,
        "the host's {} differs from {}",
        file,
        path.display()
    );
}

fn hex(y: &[i8]) -> String {
    y.iter()
        .map(|v| format!("{:02x}", *v as u8))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The fixture's samples: (name, input, TFLM's output).
fn samples(model: &str) -> Vec<(String, Vec<i8>, Vec<i8>)> {
    let text =
        std::fs::read_to_string(root().join(format!("tests/fixtures/tflm/{model}.json"))).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    let ints = |v: &Value| -> Vec<i8> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_i64().unwrap() as i8)
            .collect()
    };
    v["samples"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap().to_string(),
                ints(&s["input"]),
                ints(&s["output"]),
            )
        })
        .collect()
}

/// Runs the samples of `model`, checks TFLM's outputs, writes the input file and the
/// expected lines.
fn samples_check<const IN: usize, const OUT: usize>(
    model: &str,
    run: impl Fn(&[i8; IN], &mut [i8; OUT]),
) {
    let mut text = String::new();
    let mut inputs = Vec::new();
    for (name, x, tflm) in samples(model) {
        let mut y = [0i8; OUT];
        run(x[..].try_into().unwrap(), &mut y);
        assert_eq!(y[..], tflm[..], "{model} {name}: TFLM's output");
        writeln!(text, "tinyml_{model} {name}: {}", hex(&y)).unwrap();
        inputs.extend(x.iter().map(|&v| v as u8));
    }
    check(&format!("tinyml-{model}.bin"), &inputs);
    check(&format!("expected-tinyml_{model}.txt"), text.as_bytes());
}

#[test]
fn speech_firmware_prints_the_hosts_bits() {
    samples_check("speech", |x, y| Speech::new().run(x, y).unwrap());
}

#[test]
fn person_detect_firmware_prints_the_hosts_bits() {
    samples_check("person_detect", |x, y| {
        PersonDetect::new().run(x, y).unwrap()
    });
}

#[test]
fn sine_firmware_prints_the_hosts_bits() {
    let tflm = samples("sine");
    let mut text = String::new();
    for i in 0..8 {
        let x = (-128 + 32 * i) as i8;
        let mut y = [0i8; 1];
        Sine::new().run(&[x], &mut y).unwrap();
        let name = format!("x={x}");
        let expected = tflm.iter().find(|c| c.0 == name).unwrap();
        assert_eq!(y[..], expected.2[..], "sine {name}: TFLM's output");
        writeln!(text, "tinyml_sine {name}: {}", hex(&y)).unwrap();
    }
    check("expected-tinyml_sine.txt", text.as_bytes());
}

#[test]
fn float_chain_firmware_prints_the_hosts_bits() {
    let text =
        std::fs::read_to_string(root().join("tests/fixtures/tflm/ops/float_chain.json")).unwrap();
    let fixture: Value = serde_json::from_str(&text).unwrap();
    // The random cases, regenerated from their seeds (each checked against its hash).
    let (cases, _) = support::tflm::fixture_cases(&fixture, FloatChain::INPUT_LEN).unwrap();
    let mut text = String::new();
    for seed in 0..8 {
        let name = format!("seed {seed}");
        let case = cases.iter().find(|c| c.name == name).unwrap();
        let mut y = [0i8; FloatChain::OUTPUT_LEN];
        FloatChain::new()
            .run(case.input[..].try_into().unwrap(), &mut y)
            .unwrap();
        assert_eq!(y[..], case.output[..], "float_chain {name}: TFLM's output");
        writeln!(text, "tinyml_float_chain {name}: {}", hex(&y)).unwrap();
    }
    check("expected-tinyml_float_chain.txt", text.as_bytes());
}
