//! The host side of the firmware check: the networks the firmware embeds (from the same
//! weights files) run here on the same inputs, and their outputs, written as the exact bits
//! of every `f32`, must equal `firmware/mnist-m4/expected-*.txt`. `firmware/run-qemu.sh`
//! checks that the firmware under QEMU prints the same lines, so the Cortex-M4F computes
//! the host's bits.
//!
//! After changing a model, `NN_BLESS=1 cargo test --test firmware` rewrites the files.

use nn_core::data::Mnist;
use nn_core::nalgebra::SVector;
use nn_core::network;
use std::fmt::Write;
use std::path::{Path, PathBuf};

network! {
    #[weights = "tests/fixtures/mnist_784_128_10.safetensors"]
    struct Mnist128 {
        input: 784,
        fc1: dense(128, relu),
        fc2: dense(10),
    }
}

network! {
    #[weights = "tests/fixtures/mnist_784_128_10_q8.safetensors"]
    struct Mnist128Q8 {
        input: 784,
        fc1: dense(128, relu),
        fc2: dense(10),
    }
}

network! {
    #[weights = "tests/fixtures/pytorch_cnn.safetensors"]
    struct Cnn {
        input: [1, 28, 28],
        conv1: conv2d(8, 3, relu, pad = 1),
        pool1: max_pool2d(2),
        conv2: conv2d(16, 3, relu, pad = 1),
        pool2: max_pool2d(2),
        flat: flatten,
        fc: dense(10),
    }
}

network! {
    #[weights = "tests/fixtures/pytorch_cnn_q8.safetensors"]
    struct CnnQ8 {
        input: [1, 28, 28],
        conv1: conv2d(8, 3, relu, pad = 1),
        pool1: max_pool2d(2),
        conv2: conv2d(16, 3, relu, pad = 1),
        pool2: max_pool2d(2),
        flat: flatten,
        fc: dense(10),
    }
}

network! {
    #[weights = "tests/fixtures/sine_1_16_16_1.safetensors"]
    struct Sine {
        input: 1,
        fc1: dense(16, relu),
        fc2: dense(16, relu),
        fc3: dense(1),
    }
}

network! {
    #[weights = "tests/fixtures/recurrent_stack_f32.safetensors"]
    struct Recurrent {
        input: [6, 3],
        lstm1: lstm(8),
        lstm2: lstm(6),
        gru1: gru(5),
        rnn1: rnn(4, seq = last),
        head: dense(2),
    }
}

fn firmware(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("firmware/mnist-m4")
        .join(file)
}

fn bits(v: &[f32]) -> String {
    v.iter()
        .map(|v| format!("{:08x}", v.to_bits()))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Compares with the committed file, or rewrites it under `NN_BLESS=1`.
fn check(file: &str, text: &str) {
    let path = firmware(file);
    if std::env::var_os("NN_BLESS").is_some() {
        std::fs::write(&path, text).unwrap();
    }
    let expected = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        text,
        expected,
        "the host's outputs differ from {}",
        path.display()
    );
}

/// One MNIST binary: its line prefix, its expected-output file, and its network.
type Classifier = (
    &'static str,
    &'static str,
    Box<dyn Fn(&SVector<f32, 784>) -> SVector<f32, 10>>,
);

#[test]
fn mnist_digits_in_flash_are_the_first_test_images_and_classify_as_on_the_host() {
    let digits = std::fs::read(firmware("test-digits.bin")).unwrap();
    assert_eq!(digits.len(), 20 * 785);
    let mnist =
        Mnist::load_normalized(&Path::new(env!("CARGO_MANIFEST_DIR")).join("data/mnist")).unwrap();
    let binaries: [Classifier; 4] = [
        (
            "digit",
            "expected-mnist.txt",
            Box::new(|x| Mnist128::new().forward(x)),
        ),
        (
            "q8 digit",
            "expected-mnist_q8.txt",
            Box::new(|x| Mnist128Q8::new().forward(x)),
        ),
        (
            "cnn digit",
            "expected-mnist_cnn.txt",
            Box::new(|x| Cnn::new().forward(x)),
        ),
        (
            "cnn q8 digit",
            "expected-mnist_cnn_q8.txt",
            Box::new(|x| CnnQ8::new().forward(x)),
        ),
    ];
    let mut texts = [const { String::new() }; 4];
    for (i, d) in digits.chunks_exact(785).enumerate() {
        // The firmware standardizes each pixel as the data reader does.
        let x = SVector::<f32, 784>::from_fn(|j, _| {
            (f32::from(d[1 + j]) / 255.0 - nn_core::data::MEAN) * (1.0 / nn_core::data::STD)
        });
        assert_eq!(x.as_slice(), mnist.test.image(i).unwrap(), "image {i}");
        assert_eq!(d[0], mnist.test.labels()[i], "label {i}");
        for ((prefix, _, forward), text) in binaries.iter().zip(&mut texts) {
            let y = forward(&x);
            let p = (0..10).fold(0, |b, k| if y[k] > y[b] { k } else { b });
            writeln!(
                text,
                "{prefix} {i}: label {} prediction {p} logits {}",
                d[0],
                bits(y.as_slice())
            )
            .unwrap();
        }
    }
    for ((_, file, _), text) in binaries.iter().zip(&texts) {
        check(file, text);
    }
}

#[test]
fn sine_outputs_are_the_hosts() {
    let net = Sine::new();
    let mut text = String::new();
    for i in 0..8 {
        let x = i as f32 * 0.75;
        let y = net.forward(&SVector::from([x]));
        writeln!(
            text,
            "sine {i}: x {} f(x) {}",
            bits(&[x]),
            bits(y.as_slice())
        )
        .unwrap();
    }
    check("expected-sine.txt", &text);
}

#[test]
fn recurrent_outputs_are_the_hosts() {
    let net = Recurrent::new();
    let (mut text, mut outputs) = (String::new(), Vec::new());
    for s in 0..8 {
        // The firmware's sequences: integer arithmetic and one division (IEEE, rounded alike on every target).
        let x = SVector::<f32, 18>::from_fn(|j, _| ((18 * s + j) * 37 % 41) as f32 / 20.0 - 1.0);
        let y = net.forward(&x);
        writeln!(text, "recurrent {s}: y {}", bits(y.as_slice())).unwrap();
        outputs.push(y);
    }
    // The sequences lead to different outputs, so the lines check the whole recurrence.
    let spread = outputs
        .iter()
        .map(|y| (y - outputs[0]).amax())
        .fold(0.0, f32::max);
    assert!(spread > 1e-3, "outputs within {spread} of each other");
    check("expected-recurrent.txt", &text);
}

#[path = "../firmware/mnist-m4/src/kernel_layers.rs"]
#[allow(dead_code)]
mod kernel_layers;

/// The `tflite_kernels` firmware's lines: the same layers and data on the host, whose
/// kernels (no `arm-dsp` here) must give the same bits as the board's SXTB16/SMLAD loops.
#[test]
fn tflite_kernel_layers_hash_as_on_the_host() {
    use kernel_layers::{fnv1a64, run, Layer, Params, Rng, LAYERS, MAX_INPUT, MAX_OUTPUT};
    let mut text = String::new();
    for (i, layer) in LAYERS.iter().enumerate() {
        let mut rng = Rng(0x5eed_0000 + i as u32);
        let mut input = vec![0i8; MAX_INPUT];
        rng.fill(&mut input[..Layer::len(layer.input)]);
        let params = Params::new(layer, &mut rng);
        let (mut a, mut b) = (vec![0i8; MAX_OUTPUT], vec![0i8; MAX_OUTPUT]);
        run(layer, &params, &input, &mut a, true);
        run(layer, &params, &input, &mut b, false);
        let n = Layer::len(layer.output);
        assert_eq!(a[..n], b[..n], "{}", layer.name);
        // Outputs mostly inside the int8 range, not stuck at the clamp.
        let clamped = b[..n].iter().filter(|&&v| v == -128 || v == 127).count();
        assert!(clamped * 2 < n, "{}: {clamped} of {n} clamped", layer.name);
        writeln!(
            text,
            "layer {}: output_fnv1a64={:016x} dsp_equals_reference=yes",
            layer.name,
            fnv1a64(&b[..n])
        )
        .unwrap();
    }
    check("expected-tflite_kernels.txt", &text);
}
