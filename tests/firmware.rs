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
    #[weights = "tests/fixtures/sine_1_16_16_1.safetensors"]
    struct Sine {
        input: 1,
        fc1: dense(16, relu),
        fc2: dense(16, relu),
        fc3: dense(1),
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

#[test]
fn mnist_digits_in_flash_are_the_first_test_images_and_classify_as_on_the_host() {
    let digits = std::fs::read(firmware("test-digits.bin")).unwrap();
    assert_eq!(digits.len(), 20 * 785);
    let mnist =
        Mnist::load_normalized(&Path::new(env!("CARGO_MANIFEST_DIR")).join("data/mnist")).unwrap();
    let (net, q8) = (Mnist128::new(), Mnist128Q8::new());
    let (mut text, mut text_q8) = (String::new(), String::new());
    for (i, d) in digits.chunks_exact(785).enumerate() {
        // The firmware standardizes each pixel as the data reader does.
        let x = SVector::<f32, 784>::from_fn(|j, _| {
            (f32::from(d[1 + j]) / 255.0 - nn_core::data::MEAN) * (1.0 / nn_core::data::STD)
        });
        assert_eq!(x.as_slice(), mnist.test.image(i).unwrap(), "image {i}");
        assert_eq!(d[0], mnist.test.labels()[i], "label {i}");
        let y = net.forward(&x);
        let p = (0..10).fold(0, |b, k| if y[k] > y[b] { k } else { b });
        writeln!(
            text,
            "digit {i}: label {} prediction {p} logits {}",
            d[0],
            bits(y.as_slice())
        )
        .unwrap();
        let y = q8.forward(&x);
        let p = (0..10).fold(0, |b, k| if y[k] > y[b] { k } else { b });
        writeln!(
            text_q8,
            "q8 digit {i}: label {} prediction {p} logits {}",
            d[0],
            bits(y.as_slice())
        )
        .unwrap();
    }
    check("expected-mnist.txt", &text);
    check("expected-mnist_q8.txt", &text_q8);
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
