//! int8 post-training quantization of two MNIST classifiers: the 784-128-10 MLP in
//! `tests/fixtures/mnist_784_128_10.safetensors` (made by `deploy_models`) and the small CNN
//! trained in PyTorch in `tests/fixtures/pytorch_cnn.safetensors` (made by
//! `tools/pytorch_fixtures.py`). For each: calibrates every layer's input scale on training
//! images, quantizes the weights per output channel (per filter), compares test accuracy over
//! all 10,000 test images with the float network, and writes the quantized layers as a
//! safetensors file (by default in the system's temporary directory).
//!
//! The committed `tests/fixtures/mnist_784_128_10_q8.safetensors` and
//! `tests/fixtures/pytorch_cnn_q8.safetensors`, which `#[weights = ...]` networks (and the
//! firmware) embed, are these files; `tests/quantized.rs` checks that they still are and that
//! the embedded networks compute what the int8 layers here compute.
//!
//! ```sh
//! cargo run --release --example quantize_mnist
//! cargo run --release --example quantize_mnist -- --out-dir tests/fixtures
//! ```

use clap::Parser;
use nn_core::data::{Mnist, MnistSet};
use nn_core::io::load_safetensors;
use nn_core::layer::Op;
use nn_core::nalgebra::SVector;
use nn_core::network;
use nn_core::quant::{Calibrator, QConv2d, QDense, QuantizedFile};
use std::path::{Path, PathBuf};

network! {
    /// The float MLP.
    pub struct Mnist128 {
        input: 784,
        fc1: dense(128, relu),
        fc2: dense(10),
    }
}

network! {
    /// The float CNN, `tools/pytorch_fixtures.py`'s `Cnn`.
    pub struct TorchCnn {
        input: [1, 28, 28],
        conv1: conv2d(8, 3, relu, pad = 1),
        pool1: max_pool2d(2),
        conv2: conv2d(16, 3, relu, pad = 1),
        pool2: max_pool2d(2),
        flat: flatten,
        fc: dense(10),
    }
}

fn argmax(v: &[f32]) -> usize {
    (0..v.len()).fold(0, |best, i| if v[i] > v[best] { i } else { best })
}

/// Test accuracy of a float and an int8 classifier, and how often they agree.
fn compare(
    test: &MnistSet,
    float: impl Fn(&SVector<f32, 784>) -> SVector<f32, 10>,
    mut int8: impl FnMut(&SVector<f32, 784>) -> SVector<f32, 10>,
) -> (f64, f64, usize) {
    let (mut float_ok, mut int8_ok, mut agree) = (0usize, 0usize, 0usize);
    for (x, &label) in test.pixels().chunks_exact(784).zip(test.labels()) {
        let x = SVector::<f32, 784>::from_column_slice(x);
        let (pf, pq) = (argmax(float(&x).as_slice()), argmax(int8(&x).as_slice()));
        float_ok += usize::from(pf == label as usize);
        int8_ok += usize::from(pq == label as usize);
        agree += usize::from(pf == pq);
    }
    let n = test.labels().len() as f64;
    (float_ok as f64 / n, int8_ok as f64 / n, agree)
}

/// Prints one model's figures and returns its part of the result line.
fn report(
    name: &str,
    (fa, qa, agree): (f64, f64, usize),
    float_file: &Path,
    out: &Path,
) -> Result<String, Box<dyn std::error::Error>> {
    let (float_bytes, q_bytes) = (
        std::fs::metadata(float_file)?.len(),
        std::fs::metadata(out)?.len(),
    );
    println!(
        "{name}: float {:.2}%, int8 {:.2}%, equal predictions {agree}/10000; files: float {float_bytes} bytes, int8 {q_bytes} bytes -> {}",
        100.0 * fa,
        100.0 * qa,
        out.display()
    );
    Ok(format!(
        "float_accuracy={fa:.4} int8_accuracy={qa:.4} drop_points={:.2} size_ratio={:.2}",
        100.0 * (fa - qa),
        float_bytes as f64 / q_bytes as f64
    ))
}

/// Quantizes an MNIST MLP and CNN to int8 and compares them with their float originals; ends
/// with `result: float_accuracy=... int8_accuracy=... drop_points=... size_ratio=...
/// cnn_float_accuracy=... cnn_drop_points=...`.
#[derive(Parser)]
#[command(name = "quantize_mnist", allow_negative_numbers = true)]
struct Args {
    /// The folder the quantized weight files are written to
    #[arg(long, value_name = "DIR", default_value_os_t = std::env::temp_dir())]
    out_dir: PathBuf,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
    let out_dir = Args::parse().out_dir;
    let fixtures = root.join("tests/fixtures");
    let mnist = Mnist::load_normalized(&root.join("data/mnist"))?;
    let calibration = || {
        mnist
            .train
            .pixels()
            .chunks_exact(784)
            .map(SVector::<f32, 784>::from_column_slice)
    };

    // The MLP. Calibration: the largest magnitude reaching each layer, over training images.
    let mlp_file = fixtures.join("mnist_784_128_10.safetensors");
    let mut mlp = Mnist128::<f32>::zeros();
    load_safetensors(&mut mlp, &mlp_file)?;
    let (mut cal1, mut cal2) = (Calibrator::new(), Calibrator::new());
    for x in calibration().take(10_000) {
        let t = mlp.forward_trace(&x);
        cal1.observe(x.as_slice());
        cal2.observe(t.fc1_x.as_slice());
    }
    let (q1, q2) = (
        QDense::quantize(&mlp.fc1, cal1.scale()),
        QDense::quantize(&mlp.fc2, cal2.scale()),
    );
    let mlp_out = out_dir.join("mnist_784_128_10_q8.safetensors");
    QuantizedFile::new()
        .dense("fc1", &q1)
        .dense("fc2", &q2)
        .save(&mlp_out)?;
    println!(
        "mlp input scales: fc1 {:.5} fc2 {:.5}",
        cal1.scale(),
        cal2.scale()
    );
    // The int8 forward as the embedded network computes it, from the layers just quantized.
    let mlp_q8 = |x: &SVector<f32, 784>| {
        let h = q1.forward(x).map(|v| v.max(0.0));
        q2.forward(&h)
    };
    let figures = compare(&mnist.test, |x| mlp.forward(x), mlp_q8);
    let mlp_line = report("mlp", figures, &mlp_file, &mlp_out)?;

    // The CNN: both convolutions and the dense layer; ReLU and pooling stay in f32.
    let cnn_file = fixtures.join("pytorch_cnn.safetensors");
    let mut cnn = TorchCnn::<f32>::zeros();
    load_safetensors(&mut cnn, &cnn_file)?;
    let mut cal = [Calibrator::new(); 3];
    for x in calibration().take(2_000) {
        let t = cnn.forward_trace(&x);
        cal[0].observe(x.as_slice());
        cal[1].observe(t.pool1_x.as_slice());
        cal[2].observe(t.flat_x.as_slice());
    }
    let (c1, c2, fc) = (
        QConv2d::quantize(&cnn.conv1, cal[0].scale()),
        QConv2d::quantize(&cnn.conv2, cal[1].scale()),
        QDense::quantize(&cnn.fc, cal[2].scale()),
    );
    let cnn_out = out_dir.join("pytorch_cnn_q8.safetensors");
    QuantizedFile::new()
        .conv2d("conv1", &c1)
        .conv2d("conv2", &c2)
        .dense("fc", &fc)
        .save(&cnn_out)?;
    // The int8 forward as the embedded network computes it: each layer with parameters in
    // int8, then ReLU and pooling in f32 (`z1`, `z2` on the heap: 25 kB and 12.5 kB).
    let (mut z1, mut z2) = (Box::new(SVector::zeros()), Box::new(SVector::zeros()));
    let cnn_q8 = |x: &SVector<f32, 784>| {
        let (mut a1, mut a2) = (SVector::<f32, 1568>::zeros(), SVector::<f32, 784>::zeros());
        let (z1, z2): (&mut SVector<f32, 6272>, &mut SVector<f32, 3136>) = (&mut z1, &mut z2);
        c1.forward(x, z1);
        z1.apply(|v| *v = v.max(0.0));
        cnn.pool1.op_forward(z1, &mut a1, &mut ());
        c2.forward(&a1, z2);
        z2.apply(|v| *v = v.max(0.0));
        cnn.pool2.op_forward(z2, &mut a2, &mut ());
        fc.forward(&a2)
    };
    let figures = compare(&mnist.test, |x| cnn.forward(x), cnn_q8);
    let cnn_line = report("cnn", figures, &cnn_file, &cnn_out)?;
    let weights = |bytes: usize| (8 * 9 + 16 * 72 + 10 * 784) * bytes;
    println!(
        "cnn weights: float {} bytes, int8 {} bytes",
        weights(4),
        weights(1)
    );

    println!("result: {mlp_line} cnn_{}", cnn_line.replace(' ', " cnn_"));
    Ok(())
}
