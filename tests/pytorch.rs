//! Networks trained in PyTorch (an MLP and a CNN), embedded from their safetensors
//! `state_dict` or loaded from it, reproduce PyTorch's logits on 100 MNIST test images.
//!
//! The fixtures come from `python3 tools/pytorch_fixtures.py` (PyTorch on the CPU); the
//! logits there are computed in `f64` from the file's `f32` weights.

use nn_core::data::Mnist;
use nn_core::nalgebra::SVector;
use nn_core::network;
use nn_core::Parameters;
use std::path::Path;

network! {
    /// `tools/pytorch_fixtures.py`'s `Mlp`: three `torch.nn.Linear`, ReLU between them.
    #[weights = "tests/fixtures/pytorch_mlp.safetensors"]
    struct TorchMlp {
        input: 784,
        fc1: dense(64, relu),
        fc2: dense(32, relu),
        fc3: dense(10),
    }
}

#[test]
fn reproduces_pytorch_logits_within_1e_5() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text =
        std::fs::read_to_string(root.join("tests/fixtures/pytorch_mlp_logits.json")).unwrap();
    let fixture: serde_json::Value = serde_json::from_str(&text).unwrap();
    let logits = fixture["logits"].as_array().unwrap();
    let labels = fixture["labels"].as_array().unwrap();
    assert_eq!(logits.len(), 100);
    let mnist = Mnist::load_normalized(&root.join("data/mnist")).unwrap();
    let net = TorchMlp::new();
    let (mut worst, mut correct) = (0f64, 0);
    for (i, expected) in logits.iter().enumerate() {
        assert_eq!(labels[i].as_u64(), Some(u64::from(mnist.test.labels()[i])));
        let x = SVector::<f32, 784>::from_column_slice(mnist.test.image(i).unwrap());
        let y = net.forward(&x);
        let expected: Vec<f64> = expected
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        assert_eq!(expected.len(), 10);
        for (a, b) in y.iter().zip(&expected) {
            worst = worst.max((f64::from(*a) - b).abs());
        }
        let p = (0..10).fold(0, |b, k| if y[k] > y[b] { k } else { b });
        correct += usize::from(p as u64 == labels[i].as_u64().unwrap());
    }
    assert!(
        worst < 1e-5,
        "logits differ from PyTorch's by up to {worst:e}"
    );
    assert!(correct >= 90, "{correct}/100 correct");
}

network! {
    /// `tools/pytorch_fixtures.py`'s `Cnn`: two `Conv2d(3x3, padding 1)` + ReLU + 2x2 max
    /// pooling stages, flattened in (C, H, W) order into one `Linear`.
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

/// The fixture's logits (as `f64`) and labels.
fn fixture(name: &str) -> (Vec<Vec<f64>>, Vec<u8>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join("tests/fixtures").join(name)).unwrap();
    let fixture: serde_json::Value = serde_json::from_str(&text).unwrap();
    let logits = fixture["logits"].as_array().unwrap();
    let rows = logits
        .iter()
        .map(|row| {
            let row = row.as_array().unwrap();
            row.iter().map(|v| v.as_f64().unwrap()).collect()
        })
        .collect();
    let labels = fixture["labels"].as_array().unwrap();
    let labels = labels.iter().map(|v| v.as_u64().unwrap() as u8).collect();
    (rows, labels)
}

/// The largest difference between `forward`'s logits and the fixture's, over its images,
/// and how many of the images `forward` classifies right.
fn worst_difference(forward: impl Fn(&[f32]) -> Vec<f64>) -> (f64, usize) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (logits, labels) = fixture("pytorch_cnn_logits.json");
    assert_eq!(logits.len(), 100);
    let mnist = Mnist::load_normalized(&root.join("data/mnist")).unwrap();
    let (mut worst, mut correct) = (0f64, 0);
    for (i, expected) in logits.iter().enumerate() {
        assert_eq!(labels[i], mnist.test.labels()[i]);
        let y = forward(mnist.test.image(i).unwrap());
        assert_eq!((y.len(), expected.len()), (10, 10));
        for (a, b) in y.iter().zip(expected) {
            worst = worst.max((a - b).abs());
        }
        let p = (0..10).fold(0, |b, k| if y[k] > y[b] { k } else { b });
        correct += usize::from(p == usize::from(labels[i]));
    }
    (worst, correct)
}

#[test]
fn cnn_loaded_from_pytorch_safetensors_reproduces_its_logits() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut net = TorchCnn::<f32>::zeros();
    nn_core::io::load_safetensors(
        &mut net,
        root.join("tests/fixtures/pytorch_cnn.safetensors"),
    )
    .unwrap();
    // In f32, through the blocked (AVX) convolution kernels: f32 rounding in another order
    // than PyTorch's, over sums of up to 784 products.
    let (worst, correct) = worst_difference(|x| {
        let y = net.forward(&SVector::<f32, 784>::from_column_slice(x));
        y.iter().map(|&v| f64::from(v)).collect()
    });
    assert!(
        worst < 2e-5,
        "f32 logits differ from PyTorch's by up to {worst:e}"
    );
    assert!(correct >= 90, "{correct}/100 correct");
    // The same parameters in f64 compute the fixture's f64 logits up to f64 rounding.
    let mut net64 = TorchCnn::<f64>::zeros();
    for i in 0..net.tensor_count() {
        let (from, to) = (net.tensor(i).unwrap(), net64.tensor_mut(i).unwrap());
        to.iter_mut()
            .zip(from)
            .for_each(|(t, &f)| *t = f64::from(f));
    }
    let (worst64, _) = worst_difference(|x| {
        let x = SVector::<f64, 784>::from_iterator(x.iter().map(|&v| f64::from(v)));
        net64.forward(&x).iter().copied().collect()
    });
    println!("f32: {worst:e}, f64: {worst64:e}, {correct}/100 correct");
    assert!(
        worst64 < 1e-9,
        "f64 logits differ from PyTorch's by up to {worst64:e}"
    );
}

network! {
    /// The same CNN embedded from the file: `static` weights, viewed in place.
    #[weights = "tests/fixtures/pytorch_cnn.safetensors"]
    struct TorchCnnEmbedded {
        input: [1, 28, 28],
        conv1: conv2d(8, 3, relu, pad = 1),
        pool1: max_pool2d(2),
        conv2: conv2d(16, 3, relu, pad = 1),
        pool2: max_pool2d(2),
        flat: flatten,
        fc: dense(10),
    }
}

#[test]
fn embedded_cnn_reproduces_pytorch_logits_within_1e_5() {
    static NET: TorchCnnEmbedded = TorchCnnEmbedded::new();
    assert_eq!(TorchCnnEmbedded::PARAMETERS, TorchCnn::<f32>::PARAMETERS);
    let (worst, correct) = worst_difference(|x| {
        let y = NET.forward(&SVector::<f32, 784>::from_column_slice(x));
        y.iter().map(|&v| f64::from(v)).collect()
    });
    println!("embedded f32: {worst:e}, {correct}/100 correct");
    assert!(
        worst < 1e-5,
        "logits differ from PyTorch's by up to {worst:e}"
    );
    assert!(correct >= 90, "{correct}/100 correct");
}
