//! The post-training quantization of the workspace's MNIST CNN (`tests/fixtures/
//! pytorch_cnn.safetensors`, the float network of the firmware's `mnist_cnn`), shared by
//! `examples/ptq_mnist_cnn` and `tests/ptq_mnist_cnn.rs`: what is read, how it is
//! calibrated, and where the results go.

use nn_core::data::{Mnist, MnistSet, MEAN, STD};
use nn_import::ptq::{calibrate, quantize, FloatChain, PyTorchLayer};
use nn_import::{export, Export};
use std::path::PathBuf;

/// The float network: conv3x3(8, pad 1), ReLU, max-pool 2, conv3x3(16, pad 1), ReLU,
/// max-pool 2, flatten, dense(10).
pub const SPEC: [PyTorchLayer<'static>; 5] = [
    PyTorchLayer::Conv2d {
        name: "conv1",
        pad: 1,
        relu: true,
    },
    PyTorchLayer::MaxPool2d(2),
    PyTorchLayer::Conv2d {
        name: "conv2",
        pad: 1,
        relu: true,
    },
    PyTorchLayer::MaxPool2d(2),
    PyTorchLayer::Dense {
        name: "fc",
        relu: false,
    },
];

/// Calibration: the first 2,000 training images, in batches of 100.
pub const CALIBRATION_IMAGES: usize = 2000;
/// See [`CALIBRATION_IMAGES`].
pub const CALIBRATION_BATCH: usize = 100;

/// The declaration's name and where the tool writes its files (relative to the workspace).
pub const NAME: &str = "MnistCnn";
/// The declaration (`include!`d by nn-tinyml's `lib.rs`).
pub const SOURCE: &str = "nn-tinyml/src/mnist_cnn.rs";
/// Its weights file, and the `#[weights]` path (relative to nn-tinyml's `Cargo.toml`).
pub const WEIGHTS: (&str, &str) = (
    "nn-tinyml/src/mnist_cnn.safetensors",
    "src/mnist_cnn.safetensors",
);
/// The int8 model as a `.tflite` file (TFLite's format: TFLM runs it too).
pub const TFLITE: &str = "models/mnist_cnn_int8.tflite";

/// The workspace's root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A pixel as the firmware standardizes it (`mnist_m4::pixel`): `(p/255 - MEAN) · (1/STD)`.
pub fn pixel(p: f32) -> f32 {
    (p - MEAN) * (1.0 / STD)
}

/// MNIST with standardized pixels; one image is an NHWC `[1, 28, 28, 1]` sample as it is.
pub fn mnist() -> Mnist {
    let mut m = Mnist::load(&root().join("data/mnist")).expect("data/mnist");
    for set in [&mut m.train, &mut m.test] {
        let pixels: Vec<f32> = set.pixels().iter().map(|&p| pixel(p)).collect();
        *set = MnistSet::new(pixels, set.labels().to_vec()).expect("same sizes");
    }
    m
}

/// The float network in TFLite's layout.
pub fn chain() -> FloatChain {
    let bytes = std::fs::read(root().join("tests/fixtures/pytorch_cnn.safetensors"))
        .expect("tests/fixtures/pytorch_cnn.safetensors");
    FloatChain::from_pytorch(&bytes, [1, 28, 28], &SPEC).expect("the CNN's tensors")
}

/// The int8 `.tflite` bytes and their `network!` declaration with its weights file.
pub fn quantized(chain: &FloatChain, train: &MnistSet) -> (Vec<u8>, Export) {
    let pixels = &train.pixels()[..CALIBRATION_IMAGES * 784];
    let ranges = calibrate(chain, pixels.chunks(CALIBRATION_BATCH * 784)).expect("calibration");
    let tflite = quantize(
        chain,
        &ranges,
        "MNIST CNN (tests/fixtures/pytorch_cnn.safetensors), post-training int8",
    )
    .expect("quantization");
    let file = TFLITE.rsplit('/').next().unwrap_or(TFLITE);
    let e = export(&tflite, NAME, WEIGHTS.1, file).expect("export");
    (tflite, e)
}

/// Test accuracy of a classifier of standardized pixels.
pub fn accuracy(test: &MnistSet, mut class: impl FnMut(&[f32]) -> usize) -> f64 {
    let right = test
        .pixels()
        .chunks_exact(784)
        .zip(test.labels())
        .filter(|(x, &l)| class(x) == usize::from(l))
        .count();
    right as f64 / test.len() as f64
}

/// The index of the largest value, the first on ties.
pub fn argmax<T: PartialOrd + Copy>(v: &[T]) -> usize {
    (0..v.len()).fold(0, |best, i| if v[i] > v[best] { i } else { best })
}
