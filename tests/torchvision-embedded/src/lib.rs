//! torchvision's ResNet-18 embedded with `#[weights]` from the seeded weights of
//! `tests/torchvision.rs` (seed 18): 45 MB, too large to commit, so `build.rs` writes the
//! file into `OUT_DIR` and the declaration names it with
//! `#[weights(out_dir = "resnet18.safetensors")]`. `tests/logits.rs` compares its logits
//! with torchvision's (`tests/fixtures/torchvision/resnet18.json`).

#[macro_use]
#[path = "../../../examples/support/resnet18.rs"]
mod resnet18;

resnet18! {
    /// torchvision's `resnet18()` with the weights `build.rs` drew from seed 18, embedded
    /// at compile time (no heap, no copy of the parameters).
    #[weights(out_dir = "resnet18.safetensors")]
    pub struct EmbeddedResNet18 { input: [3, 224, 224], widths: [64, 128, 256, 512], classes: 1000 }
}
