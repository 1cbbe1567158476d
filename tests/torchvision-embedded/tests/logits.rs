//! The full ResNet-18 embedded with `#[weights(out_dir = ...)]` reproduces torchvision's
//! logits (`tools/torchvision_logits.py`, the fixture `tests/torchvision.rs` checks the
//! runtime loader against) within 1e-4.

#[path = "../../support/torchvision_fixture.rs"]
mod torchvision_fixture;
#[path = "../../support/torchvision_seed.rs"]
#[allow(dead_code)]
mod torchvision_seed;

use nn_core::nalgebra::SVector;
use torchvision_embedded::EmbeddedResNet18;
use torchvision_fixture::{fixture, worst};
use torchvision_seed::{input, INPUT_SEEDS};

const IN: usize = 3 * 224 * 224;

#[test]
fn embedded_resnet18_matches_torchvision() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/torchvision");
    let (_, expected) = fixture(&dir, "resnet18");
    // The embedded forward keeps its activations in stack buffers: a thread with room.
    let logits = std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(|| {
            let net = EmbeddedResNet18::new();
            INPUT_SEEDS
                .iter()
                .map(|&s| {
                    let x = Box::new(SVector::<f32, IN>::from_column_slice(&input(s, IN)));
                    net.forward(&x).as_slice().to_vec()
                })
                .collect::<Vec<Vec<f32>>>()
        })
        .expect("thread")
        .join()
        .expect("no panic");
    let worst = worst(&logits, &expected);
    let scale = expected.iter().flatten().fold(0f64, |m, v| m.max(v.abs()));
    assert!(scale > 1e-2, "logits vanish: {scale:e}");
    assert!(
        worst < 1e-4,
        "logits differ from torchvision's by up to {worst:e} (largest {scale:e})"
    );
}
