//! The post-training int8 quantization of the workspace's MNIST CNN
//! (`examples/ptq_mnist_cnn`): the committed `.tflite` file, `network!` declaration and
//! weights file (`nn-tinyml/src/mnist_cnn.*`) are what the tool writes today; the int8
//! declaration loses at most 0.5 points of test accuracy against the float network and gives
//! the interpreter's bits on all 10,000 test images; and the firmware's `mnist_cnn_int8`
//! prints the host's outputs (`firmware/mnist-m4/expected-mnist_cnn_int8.txt`, rewritten
//! with `NN_BLESS=1`). The written file is one TFLM reads and computes the same bits on:
//! TFLM's own interpreter's outputs on the firmware's 20 test digits and 100 seeded random
//! inputs (`tests/fixtures/tflm/mnist_cnn_int8.json`, made by tools/tflm_fixtures.py from
//! the committed file) are the interpreter's and the declaration's.

#[allow(dead_code)]
#[path = "../examples/ptq_mnist_cnn/pipeline.rs"]
mod pipeline;
mod support;

use nn_core::quant::quantize_f32;
use nn_tinyml::MnistCnn;
use pipeline::*;
use serde_json::Value;
use std::fmt::Write;
use support::tflm::{fixture_cases, Case};

/// TFLM's outputs on the committed int8 file (tools/tflm_fixtures.py).
const FIXTURE: &str = "tests/fixtures/tflm/mnist_cnn_int8.json";

fn quantize_input(x: &[f32]) -> [i8; 784] {
    let mut q = [0i8; 784];
    quantize_f32(MnistCnn::INPUT_QUANT, x, &mut q).unwrap();
    q
}

fn run(q: &[i8; 784]) -> [i8; 10] {
    let mut y = [0i8; 10];
    MnistCnn::new().run(q, &mut y).unwrap();
    y
}

/// The float chain (TFLite's NHWC layout, PyTorch's weights permuted) gives PyTorch's own
/// logits on the first 100 test images (`tests/fixtures/pytorch_cnn_logits.json`).
#[test]
fn float_chain_reproduces_pytorchs_logits() {
    let text =
        std::fs::read_to_string(root().join("tests/fixtures/pytorch_cnn_logits.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let logits = v["logits"].as_array().unwrap();
    assert_eq!(logits.len(), 100);
    let (test, chain) = (mnist().test, chain());
    let mut worst = 0f64;
    for (x, expected) in test.pixels().chunks_exact(784).zip(logits) {
        let y = chain.forward(x).unwrap();
        for (a, b) in y.iter().zip(expected.as_array().unwrap()) {
            worst = worst.max((f64::from(*a) - b.as_f64().unwrap()).abs());
        }
    }
    println!("largest difference from PyTorch's logits: {worst:.2e}");
    assert!(worst < 1e-4, "{worst}");
}

#[test]
fn committed_files_are_what_the_tool_writes() {
    let mnist = mnist();
    let (tflite, e) = quantized(&chain(), &mnist.train);
    let committed = |path: &str| std::fs::read(root().join(path)).unwrap();
    assert!(
        committed(TFLITE) == tflite,
        "{TFLITE} differs: run the example"
    );
    assert!(committed(WEIGHTS.0) == e.weights, "{} differs", WEIGHTS.0);
    assert_eq!(String::from_utf8(committed(SOURCE)).unwrap(), e.source);
}

#[test]
fn int8_loses_at_most_half_a_point() {
    let mnist = mnist();
    let chain = chain();
    let model = nn_import::Model::from_bytes(&std::fs::read(root().join(TFLITE)).unwrap()).unwrap();
    let float = accuracy(&mnist.test, |x| argmax(&chain.forward(x).unwrap()));
    let mut same_as_interpreter = 0;
    let int8 = accuracy(&mnist.test, |x| {
        let q = quantize_input(x);
        let y = run(&q);
        same_as_interpreter += usize::from(model.run(&q).unwrap() == y);
        argmax(&y)
    });
    println!(
        "float_accuracy={float:.4} int8_accuracy={int8:.4} drop_points={:.2}",
        (float - int8) * 100.0
    );
    assert_eq!(
        same_as_interpreter, 10_000,
        "the declaration and the interpreter differ"
    );
    assert!(float > 0.96, "float accuracy {float}");
    assert!(float - int8 <= 0.005, "float {float}, int8 {int8}");
    // The input's parameters are the calibration's: standardized pixels in [-0.42, 2.82].
    assert_eq!(MnistCnn::INPUT_QUANT.zero_point, -95);
}

/// The TFLM fixture's cases (samples, then random inputs), after checking that it was made
/// from the committed `.tflite` file; and how many random cases it has.
fn tflm_cases() -> (Vec<Case>, usize) {
    let text = std::fs::read_to_string(root().join(FIXTURE)).unwrap();
    let fixture: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(fixture["model"], "mnist_cnn_int8");
    let file = sha256_hex(&std::fs::read(root().join(TFLITE)).unwrap());
    assert_eq!(
        fixture["sha256"].as_str(),
        Some(file.as_str()),
        "{FIXTURE} was made from another {TFLITE}: rerun tools/tflm_fixtures.py"
    );
    fixture_cases(&fixture, 784).unwrap()
}

/// The file the tool writes, run by TFLM's own interpreter, and run here by (a) nn-import's
/// interpreter and (b) the `network!` declaration the firmware runs: the same int8 outputs on
/// every case.
#[test]
fn interpreter_and_declaration_equal_tflm() {
    let (cases, random) = tflm_cases();
    let model = nn_import::Model::from_bytes(&std::fs::read(root().join(TFLITE)).unwrap()).unwrap();
    let (mut interpreter, mut declaration) = (0, 0);
    for case in &cases {
        let y = model.run(&case.input).unwrap();
        interpreter += usize::from(y == case.output);
        let z = run(case.input[..].try_into().unwrap());
        declaration += usize::from(z[..] == case.output[..]);
        if y != case.output || z[..] != case.output[..] {
            eprintln!(
                "{}: interpreter {y:?}, declaration {z:?}, TFLM {:?}",
                case.name, case.output
            );
        }
    }
    let n = cases.len();
    println!("mnist_cnn_int8 interpreter={interpreter}/{n} network={declaration}/{n}");
    assert!(
        random >= 100 && n >= random + 20,
        "{n} cases, {random} random"
    );
    assert_eq!(interpreter, n, "the interpreter differs from TFLM");
    assert_eq!(declaration, n, "the declaration differs from TFLM");
}

/// The fixture's samples are the firmware's 20 test digits (the first 20 of the MNIST test
/// set) quantized as the firmware and the tests here do: with the TFLM test above, what
/// `firmware_prints_the_hosts_bits` pins is TFLM's output.
#[test]
fn tflm_samples_are_the_firmwares_digits() {
    let (cases, _) = tflm_cases();
    let digits = std::fs::read(root().join("firmware/mnist-m4/test-digits.bin")).unwrap();
    assert_eq!(digits.len(), 20 * 785);
    for (i, d) in digits.chunks_exact(785).enumerate() {
        let x: Vec<f32> = d[1..]
            .iter()
            .map(|&p| pixel(f32::from(p) / 255.0))
            .collect();
        assert_eq!(cases[i].name, format!("test{i}_label{}", d[0]));
        assert_eq!(
            cases[i].input[..],
            quantize_input(&x)[..],
            "{}",
            cases[i].name
        );
    }
}

#[test]
fn firmware_prints_the_hosts_bits() {
    let digits = std::fs::read(root().join("firmware/mnist-m4/test-digits.bin")).unwrap();
    let (mut text, mut correct) = (String::new(), 0);
    for (i, d) in digits.chunks_exact(785).enumerate() {
        // As the firmware: `mnist_m4::pixel`, then TFLite's QUANTIZE.
        let x: Vec<f32> = d[1..]
            .iter()
            .map(|&p| pixel(f32::from(p) / 255.0))
            .collect();
        let y = run(&quantize_input(&x));
        correct += usize::from(argmax(&y) == usize::from(d[0]));
        let hex: Vec<String> = y.iter().map(|v| format!("{:02x}", *v as u8)).collect();
        writeln!(text, "mnist_cnn_int8 {i}: {}", hex.join(" ")).unwrap();
    }
    assert!(correct >= 19, "{correct}/20 test digits right");
    let path = root().join("firmware/mnist-m4/expected-mnist_cnn_int8.txt");
    if std::env::var_os("NN_BLESS").is_some() {
        std::fs::write(&path, &text).unwrap();
    }
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
}

/// The file's SHA-256 as lowercase hex, as `sha256sum` prints it.
fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
