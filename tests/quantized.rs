//! int8 post-training quantization of the MNIST classifiers (an MLP, and a CNN trained in
//! PyTorch): at most 0.5 points of test accuracy lost, a quarter of the bytes, and the
//! embedded int8 networks compute what `QDense` and `QConv2d` compute.
//!
//! The int8 files come from `cargo run --release --example quantize_mnist -- --out-dir
//! tests/fixtures`.

use nn_core::activation::{Activation, Relu};
use nn_core::data::Mnist;
use nn_core::io::load_safetensors;
use nn_core::layer::Op;
use nn_core::nalgebra::SVector;
use nn_core::network;
use nn_core::quant::{Calibrator, QConv2d, QDense, QuantizedFile};
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

network! {
    /// `tools/pytorch_fixtures.py`'s `Cnn`, trained in PyTorch (one epoch).
    struct TorchCnn {
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
    /// The same declaration over the int8 file `quantize_mnist` writes: `StaticQConv2d` and
    /// `StaticQDense` layers.
    #[weights = "tests/fixtures/pytorch_cnn_q8.safetensors"]
    struct TorchCnnQ8 {
        input: [1, 28, 28],
        conv1: conv2d(8, 3, relu, pad = 1),
        pool1: max_pool2d(2),
        conv2: conv2d(16, 3, relu, pad = 1),
        pool2: max_pool2d(2),
        flat: flatten,
        fc: dense(10),
    }
}

/// One sample through a layer's `Op` interface, into `y`.
fn op_into<L: Op<f32, I, O>, const I: usize, const O: usize>(
    layer: &L,
    x: &SVector<f32, I>,
    y: &mut SVector<f32, O>,
) {
    layer.op_forward(x, y, &mut L::empty_cache());
}

/// One sample through a layer's `Op` interface.
fn op<L: Op<f32, I, O>, const I: usize, const O: usize>(
    layer: &L,
    x: &SVector<f32, I>,
) -> SVector<f32, O> {
    let mut y = SVector::zeros();
    op_into(layer, x, &mut y);
    y
}

/// The float network's inputs to `conv2` and `fc`, and its logits.
fn float_stages(
    net: &TorchCnn<f32>,
    x: &SVector<f32, 784>,
) -> (SVector<f32, 1568>, SVector<f32, 784>, SVector<f32, 10>) {
    let a1: SVector<f32, 1568> = op(&net.pool1, &Relu.apply(&op::<_, 784, 6272>(&net.conv1, x)));
    let a2: SVector<f32, 784> = op(
        &net.pool2,
        &Relu.apply(&op::<_, 1568, 3136>(&net.conv2, &a1)),
    );
    let y = net.fc.forward(&a2);
    (a1, a2, y)
}

/// The int8 CNN: both convolutions and the dense layer quantized, ReLU and pooling in `f32`.
struct QCnn {
    conv1: QConv2d<1, 28, 28, 8, 3, 3, 1, 1, 1, 1, 9>,
    conv2: QConv2d<8, 14, 14, 16, 3, 3, 1, 1, 1, 1, 72>,
    fc: QDense<784, 10>,
}

impl QCnn {
    /// Calibrates each layer's input scale on `calibration` images and quantizes `net`.
    fn new<'a>(net: &TorchCnn<f32>, calibration: impl Iterator<Item = &'a [f32]>) -> Self {
        let (mut c0, mut c1, mut c2) = (Calibrator::new(), Calibrator::new(), Calibrator::new());
        for x in calibration {
            let x = SVector::<f32, 784>::from_column_slice(x);
            let (a1, a2, _) = float_stages(net, &x);
            c0.observe(x.as_slice());
            c1.observe(a1.as_slice());
            c2.observe(a2.as_slice());
        }
        Self {
            conv1: QConv2d::quantize(&net.conv1, c0.scale()),
            conv2: QConv2d::quantize(&net.conv2, c1.scale()),
            fc: QDense::quantize(&net.fc, c2.scale()),
        }
    }

    /// The logits of one image, with no heap (`z1`, `z2` are scratch).
    fn forward(
        &self,
        net: &TorchCnn<f32>,
        x: &SVector<f32, 784>,
        z1: &mut SVector<f32, 6272>,
        z2: &mut SVector<f32, 3136>,
    ) -> SVector<f32, 10> {
        let (mut a1, mut a2) = (SVector::<f32, 1568>::zeros(), SVector::<f32, 784>::zeros());
        self.conv1.forward(x, z1);
        z1.apply(|v| *v = v.max(0.0));
        op_into(&net.pool1, z1, &mut a1);
        self.conv2.forward(&a1, z2);
        z2.apply(|v| *v = v.max(0.0));
        op_into(&net.pool2, z2, &mut a2);
        self.fc.forward(&a2)
    }
}

#[test]
fn int8_cnn_loses_at_most_half_a_point_with_a_quarter_of_the_weight_bytes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut net = TorchCnn::<f32>::zeros();
    load_safetensors(
        &mut net,
        root.join("tests/fixtures/pytorch_cnn.safetensors"),
    )
    .unwrap();
    let mnist = Mnist::load_normalized(&root.join("data/mnist")).unwrap();
    let q = QCnn::new(&net, mnist.train.pixels().chunks_exact(784).take(2_000));
    let bytes = QuantizedFile::new()
        .conv2d("conv1", &q.conv1)
        .conv2d("conv2", &q.conv2)
        .dense("fc", &q.fc)
        .to_bytes()
        .unwrap();
    let committed = std::fs::read(root.join("tests/fixtures/pytorch_cnn_q8.safetensors")).unwrap();
    assert!(
        bytes == committed,
        "the committed int8 CNN is not this quantization; rerun `quantize_mnist --out-dir tests/fixtures`"
    );
    let embedded = TorchCnnQ8::new();

    let (mut z1, mut z2) = (Box::new(SVector::zeros()), Box::new(SVector::zeros()));
    let (mut float_ok, mut int8_ok, mut worst) = (0, 0, 0f32);
    let images = mnist.test.pixels().chunks_exact(784);
    for (x, &label) in images.zip(mnist.test.labels()) {
        let x = SVector::<f32, 784>::from_column_slice(x);
        let (_, _, y) = float_stages(&net, &x);
        assert_eq!(y, net.forward(&x));
        let yq = q.forward(&net, &x, &mut z1, &mut z2);
        assert_eq!(embedded.forward(&x), yq, "the embedded int8 CNN differs");
        worst = worst.max((y - yq).amax() / y.amax().max(1.0));
        float_ok += usize::from(argmax(y.as_slice()) == label as usize);
        int8_ok += usize::from(argmax(yq.as_slice()) == label as usize);
    }
    println!("float {float_ok}, int8 {int8_ok} of 10000; worst relative logit error {worst}");
    assert!(float_ok > 9_500, "float {float_ok} of 10000");
    // 0.5 points of 10,000 images are 50 images.
    assert!(
        int8_ok + 50 >= float_ok,
        "float {float_ok}, int8 {int8_ok} of 10000"
    );
    assert!(
        worst < 0.1,
        "int8 logits differ by up to {worst} of the largest"
    );

    let float_bytes = 4 * TorchCnn::<f32>::PARAMETERS;
    let int8_bytes = QConv2d::<1, 28, 28, 8, 3, 3, 1, 1, 1, 1, 9>::BYTES
        + QConv2d::<8, 14, 14, 16, 3, 3, 1, 1, 1, 1, 72>::BYTES
        + QDense::<784, 10>::BYTES;
    let weights = 8 * 9 + 16 * 72 + 784 * 10;
    assert_eq!(TorchCnn::<f32>::PARAMETERS, weights + 8 + 16 + 10);
    println!("float {float_bytes} bytes, int8 {int8_bytes} bytes");
    assert!(
        float_bytes as f64 / int8_bytes as f64 > 3.8,
        "{float_bytes} vs {int8_bytes}"
    );
    assert_eq!(
        std::mem::size_of_val(&*q.conv2.weight) * 4,
        std::mem::size_of_val(&*net.conv2.weight)
    );
}
