//! int8 post-training quantization of the MNIST classifier: at most 0.5 points of test
//! accuracy lost, a quarter of the bytes, and the embedded int8 network computes what
//! `QDense` computes.
//!
//! The int8 file comes from `cargo run --release --example quantize_mnist`.

use nn_core::activation::{Activation, Relu};
use nn_core::data::Mnist;
use nn_core::io::load_safetensors;
use nn_core::nalgebra::SVector;
use nn_core::network;
use nn_core::quant::{Calibrator, QDense, QuantizedFile};
use std::path::Path;

network! {
    struct Mnist128 {
        input: 784,
        fc1: dense(128, relu),
        fc2: dense(10),
    }
}

network! {
    /// The same declaration over the int8 file: `fc1` and `fc2` become `StaticQDense`.
    #[weights = "tests/fixtures/mnist_784_128_10_q8.safetensors"]
    struct Mnist128Q8 {
        input: 784,
        fc1: dense(128, relu),
        fc2: dense(10),
    }
}

fn argmax(v: &[f32]) -> usize {
    (0..v.len()).fold(0, |best, i| if v[i] > v[best] { i } else { best })
}

#[test]
fn int8_loses_at_most_half_a_point_and_the_embedded_file_is_the_quantized_network() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut net = Mnist128::<f32>::zeros();
    load_safetensors(
        &mut net,
        root.join("tests/fixtures/mnist_784_128_10.safetensors"),
    )
    .unwrap();
    let mnist = Mnist::load_normalized(&root.join("data/mnist")).unwrap();

    // Calibrate and quantize as the example does: the committed file must be the result.
    let (mut cal1, mut cal2) = (Calibrator::new(), Calibrator::new());
    for x in mnist.train.pixels().chunks_exact(784).take(10_000) {
        let x = SVector::<f32, 784>::from_column_slice(x);
        cal1.observe(x.as_slice());
        cal2.observe(Relu.apply(&net.fc1.forward(&x)).as_slice());
    }
    let (q1, q2) = (
        QDense::quantize(&net.fc1, cal1.scale()),
        QDense::quantize(&net.fc2, cal2.scale()),
    );
    let bytes = QuantizedFile::new()
        .dense("fc1", &q1)
        .dense("fc2", &q2)
        .to_bytes()
        .unwrap();
    let committed =
        std::fs::read(root.join("tests/fixtures/mnist_784_128_10_q8.safetensors")).unwrap();
    assert!(
        bytes == committed,
        "the committed int8 file is not this quantization; rerun the example"
    );

    let embedded = Mnist128Q8::new();
    let (mut float_ok, mut int8_ok) = (0, 0);
    for (x, &label) in mnist
        .test
        .pixels()
        .chunks_exact(784)
        .zip(mnist.test.labels())
    {
        let x = SVector::<f32, 784>::from_column_slice(x);
        let yq = q2.forward(&Relu.apply(&q1.forward(&x)));
        assert_eq!(embedded.forward(&x), yq);
        float_ok += usize::from(argmax(net.forward(&x).as_slice()) == label as usize);
        int8_ok += usize::from(argmax(yq.as_slice()) == label as usize);
    }
    // 0.5 points of 10,000 images are 50 images.
    assert!(
        int8_ok + 50 >= float_ok,
        "float {float_ok}, int8 {int8_ok} of 10000"
    );
    assert!(float_ok > 9_600);

    // A quarter of the bytes (plus a scale per channel and per layer).
    let float_bytes = 4 * Mnist128::<f32>::PARAMETERS;
    assert!(
        committed.len() * 39 < float_bytes * 10,
        "{} vs {float_bytes}",
        committed.len()
    );
}
