//! torchvision's ResNet-18 embedded with `#[weights]` from the seeded weights of
//! `tests/torchvision.rs` (seed 18): 45 MB, too large to commit, so `build.rs` writes the
//! file into `OUT_DIR` and the declaration names it with
//! `#[weights(out_dir = "resnet18.safetensors")]`. `tests/logits.rs` compares its logits
//! with torchvision's (`tests/fixtures/torchvision/resnet18.json`).

use nn_core::network;

network! {
    /// The residual blocks of torchvision's `resnet18`.
    block Basic(planes, stride = 1, down = false) {
        conv1: conv2d(planes, 3, stride = stride, pad = 1, bias = false, floor = true),
        bn1: batch_norm(relu),
        conv2: conv2d(planes, 3, pad = 1, bias = false),
        bn2: batch_norm,
        downsample.0: conv2d(planes, 1, stride = stride, bias = false, floor = true)(input) if down,
        downsample.1: batch_norm if down,
        add: add(bn2, downsample.1, relu),
    }
    /// torchvision's `resnet18()` with the weights `build.rs` drew from seed 18, embedded
    /// at compile time (no heap, no copy of the parameters).
    #[weights(out_dir = "resnet18.safetensors")]
    pub struct EmbeddedResNet18 {
        input: [3, 224, 224],
        conv1: conv2d(64, 7, stride = 2, pad = 3, bias = false, floor = true),
        bn1: batch_norm(relu),
        maxpool: max_pool2d(3, stride = 2, pad = 1, floor = true),
        layer1.0: Basic(64),
        layer1.1: Basic(64),
        layer2.0: Basic(128, stride = 2, down = true),
        layer2.1: Basic(128),
        layer3.0: Basic(256, stride = 2, down = true),
        layer3.1: Basic(256),
        layer4.0: Basic(512, stride = 2, down = true),
        layer4.1: Basic(512),
        avgpool: global_avg_pool,
        fc: dense(1000),
    }
}
