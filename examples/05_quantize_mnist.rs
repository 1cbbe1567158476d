//! int8 post-training quantization of the 784-128-10 MNIST classifier in
//! `tests/fixtures/mnist_784_128_10.safetensors` (made by `deploy_models`): calibrates each
//! layer's input scale on 10,000 training images, quantizes the weights per output channel,
//! compares test accuracy over all 10,000 test images with the float network, and writes the
//! quantized layers as a safetensors file (by default in the system's temporary directory).
//! The committed `tests/fixtures/mnist_784_128_10_q8.safetensors`, which a
//! `#[weights = ...]` network (and the firmware) embeds, is this file; `tests/quantized.rs`
//! checks that it still is.
//!
//! ```sh
//! cargo run --release --example quantize_mnist
//! cargo run --release --example quantize_mnist -- --out tests/fixtures/mnist_784_128_10_q8.safetensors
//! ```

use nn_core::activation::{Activation, Relu};
use nn_core::data::Mnist;
use nn_core::io::load_safetensors;
use nn_core::nalgebra::SVector;
use nn_core::network;
use nn_core::quant::{Calibrator, QDense, QuantizedFile};
use std::path::PathBuf;

network! {
    /// The float classifier.
    pub struct Mnist128 {
        input: 784,
        fc1: dense(128, relu),
        fc2: dense(10),
    }
}

fn argmax(v: &[f32]) -> usize {
    (0..v.len()).fold(0, |best, i| if v[i] > v[best] { i } else { best })
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut out = std::env::temp_dir().join("mnist_784_128_10_q8.safetensors");
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        match flag.as_str() {
            "--out" => out = PathBuf::from(args.next().ok_or("`--out` needs a file")?),
            other => return Err(format!("unknown flag `{other}`; expected --out FILE").into()),
        }
    }
    let float_file = root.join("tests/fixtures/mnist_784_128_10.safetensors");
    let mut net = Mnist128::<f32>::zeros();
    load_safetensors(&mut net, &float_file)?;
    let mnist = Mnist::load_normalized(&root.join("data/mnist"))?;

    // Calibration: the largest magnitude reaching each layer, over training images.
    let (mut cal1, mut cal2) = (Calibrator::new(), Calibrator::new());
    for x in mnist.train.pixels().chunks_exact(784).take(10_000) {
        let x = SVector::<f32, 784>::from_column_slice(x);
        cal1.observe(x.as_slice());
        cal2.observe(Relu.apply(&net.fc1.forward(&x)).as_slice());
    }
    let q1 = QDense::quantize(&net.fc1, cal1.scale());
    let q2 = QDense::quantize(&net.fc2, cal2.scale());

    let (mut float_ok, mut int8_ok, mut agree) = (0usize, 0usize, 0usize);
    let (pixels, labels) = (mnist.test.pixels(), mnist.test.labels());
    for (x, &label) in pixels.chunks_exact(784).zip(labels) {
        let x = SVector::<f32, 784>::from_column_slice(x);
        let yf = net.forward(&x);
        let yq = q2.forward(&Relu.apply(&q1.forward(&x)));
        let (pf, pq) = (argmax(yf.as_slice()), argmax(yq.as_slice()));
        float_ok += usize::from(pf == label as usize);
        int8_ok += usize::from(pq == label as usize);
        agree += usize::from(pf == pq);
    }
    let n = labels.len() as f64;
    let (fa, qa) = (float_ok as f64 / n, int8_ok as f64 / n);
    QuantizedFile::new()
        .dense("fc1", &q1)
        .dense("fc2", &q2)
        .save(&out)?;
    let (float_bytes, q_bytes) = (
        std::fs::metadata(&float_file)?.len(),
        std::fs::metadata(&out)?.len(),
    );
    println!(
        "input scales: fc1 {:.5} fc2 {:.5}",
        cal1.scale(),
        cal2.scale()
    );
    println!(
        "predictions equal to the float network's: {agree}/{}",
        labels.len()
    );
    println!(
        "files: float {float_bytes} bytes, int8 {q_bytes} bytes -> {}",
        out.display()
    );
    println!(
        "result: float_accuracy={fa:.4} int8_accuracy={qa:.4} drop_points={:.2} size_ratio={:.2}",
        100.0 * (fa - qa),
        float_bytes as f64 / q_bytes as f64
    );
    Ok(())
}
