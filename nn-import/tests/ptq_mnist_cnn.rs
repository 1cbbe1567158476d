//! The post-training int8 quantization of the workspace's MNIST CNN
//! (`examples/ptq_mnist_cnn`): the committed `.tflite` file, `network!` declaration and
//! weights file (`nn-tinyml/src/mnist_cnn.*`) are what the tool writes today; the int8
//! declaration loses at most 0.5 points of test accuracy against the float network and gives
//! the interpreter's bits on all 10,000 test images; and the firmware's `mnist_cnn_int8`
//! prints the host's outputs (`firmware/mnist-m4/expected-mnist_cnn_int8.txt`, rewritten
//! with `NN_BLESS=1`).

#[allow(dead_code)]
#[path = "../examples/ptq_mnist_cnn/pipeline.rs"]
mod pipeline;

use nn_core::quant::quantize_f32;
use nn_tinyml::MnistCnn;
use pipeline::*;
use std::fmt::Write;

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
