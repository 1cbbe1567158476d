//! A network trained in PyTorch, embedded from its safetensors `state_dict`, reproduces
//! PyTorch's logits on 100 MNIST test images.
//!
//! The fixtures come from `python3 tools/pytorch_fixtures.py` (PyTorch on the CPU); the
//! logits there are computed in `f64` from the file's `f32` weights.

use nn_core::data::Mnist;
use nn_core::nalgebra::SVector;
use nn_core::network;
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
