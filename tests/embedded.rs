//! Networks embedded from weights files (`#[weights = "..."]`) predict exactly what the
//! trained networks saved in those files predict.
//!
//! The files are made by `cargo run --release --example deploy_models`.

use nn_core::data::Mnist;
use nn_core::io::load_safetensors;
use nn_core::nalgebra::SVector;
use nn_core::network;
use std::path::Path;

network! {
    /// The trainable classifier the file was saved from.
    struct Mnist128 {
        input: 784,
        fc1: dense(128, relu),
        fc2: dense(10),
    }
}

network! {
    /// The same declaration, its parameters embedded.
    #[weights = "tests/fixtures/mnist_784_128_10.safetensors"]
    struct Mnist128Static {
        input: 784,
        fc1: dense(128, relu),
        drop: dropout(0.2), // the identity at inference: the file has no tensor for it
        fc2: dense(10),
    }
}

network! {
    /// The same parameters behind a shaped input: `flatten` has none and passes through.
    #[weights = "tests/fixtures/mnist_784_128_10.safetensors"]
    struct Mnist128Image {
        input: [1, 28, 28],
        flat: flatten,
        fc1: dense(128, relu),
        fc2: dense(10),
    }
}

network! {
    struct Sine {
        input: 1,
        fc1: dense(16, relu),
        fc2: dense(16, relu),
        fc3: dense(1),
    }
}

network! {
    #[weights = "tests/fixtures/sine_1_16_16_1.safetensors"]
    struct SineStatic {
        input: 1,
        fc1: dense(16, relu),
        fc2: dense(16, relu),
        fc3: dense(1),
    }
}

/// Available in `const` and `static` items: the network is built at compile time.
static MNIST: Mnist128Static = Mnist128Static::new();

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn argmax(v: &[f32]) -> usize {
    (0..v.len()).fold(0, |best, i| if v[i] > v[best] { i } else { best })
}

#[test]
fn mnist_predictions_are_identical_on_all_test_images() {
    let mut trained = Mnist128::<f32>::zeros();
    load_safetensors(&mut trained, fixture("mnist_784_128_10.safetensors")).unwrap();
    // The embedded parameters are the file's, bit for bit.
    assert_eq!(MNIST.fc1.weight(), *trained.fc1.weight);
    assert_eq!(*MNIST.fc2.bias, *trained.fc2.bias);

    let mnist =
        Mnist::load_normalized(&Path::new(env!("CARGO_MANIFEST_DIR")).join("data/mnist")).unwrap();
    let (pixels, labels) = (mnist.test.pixels(), mnist.test.labels());
    let (mut same, mut correct, mut max_diff) = (0, 0, 0f32);
    for (x, &label) in pixels.chunks_exact(784).zip(labels) {
        let x = SVector::<f32, 784>::from_column_slice(x);
        let (a, b) = (MNIST.forward(&x), trained.forward(&x));
        max_diff = max_diff.max((a - b).amax());
        same += usize::from(argmax(a.as_slice()) == argmax(b.as_slice()));
        correct += usize::from(argmax(a.as_slice()) == label as usize);
    }
    assert_eq!(labels.len(), 10_000);
    assert_eq!(
        same,
        10_000,
        "predictions differ on {} images",
        10_000 - same
    );
    assert!(max_diff < 1e-4, "logits differ by up to {max_diff}");
    let x = SVector::<f32, 784>::from_column_slice(&pixels[..784]);
    assert_eq!(Mnist128Image::new().forward(&x), MNIST.forward(&x));
    // The file's network is a trained one (97.4% when it was saved).
    assert!(correct > 9_600, "{correct}/10000 correct");
}

#[test]
fn sine_outputs_match_the_trained_network() {
    let mut trained = Sine::<f32>::zeros();
    load_safetensors(&mut trained, fixture("sine_1_16_16_1.safetensors")).unwrap();
    let net = SineStatic::new();
    for i in 0..=100 {
        let x = SVector::from([i as f32 * std::f32::consts::TAU / 100.0]);
        let (a, b) = (net.forward(&x)[0], trained.forward(&x)[0]);
        assert!((a - b).abs() < 1e-6, "x = {}: {a} vs {b}", x[0]);
        assert!(
            (a - x[0].sin()).abs() < 0.1,
            "x = {}: {a} vs sin = {}",
            x[0],
            x[0].sin()
        );
    }
    assert_eq!(SineStatic::PARAMETERS, 16 + 16 + 16 * 16 + 16 + 16 + 1);
    assert_eq!((SineStatic::INPUTS, SineStatic::OUTPUTS), (1, 1));
}

#[test]
fn the_embedded_network_is_copy_and_small() {
    // Two references per dense layer; the parameters stay in the embedded bytes.
    assert_eq!(
        std::mem::size_of::<Mnist128Static>(),
        4 * std::mem::size_of::<usize>()
    );
    let copy = MNIST;
    assert!(std::ptr::eq(copy.fc1.weight_t, MNIST.fc1.weight_t));
}
