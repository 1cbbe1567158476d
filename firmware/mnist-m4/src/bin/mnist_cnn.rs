//! Classifies 20 MNIST test digits stored in flash with a small CNN trained in PyTorch
//! (two 3x3 convolutions with ReLU and 2x2 max pooling, then one dense layer; 10,306
//! parameters) embedded from its safetensors file, and prints each prediction and the exact
//! logits over semihosting, then the instructions per inference and the memory used.

#![no_std]
#![no_main]

use cortex_m_rt::entry;
use nn_core::network;

network! {
    /// Trained by `tools/pytorch_fixtures.py` in the workspace.
    #[weights = "../../tests/fixtures/pytorch_cnn.safetensors"]
    struct Cnn {
        input: [1, 28, 28],
        conv1: conv2d(8, 3, relu, pad = 1),
        pool1: max_pool2d(2),
        conv2: conv2d(16, 3, relu, pad = 1),
        pool2: max_pool2d(2),
        flat: flatten,
        fc: dense(10),
    }
}

/// The network, built at compile time: references into the embedded file.
static NET: Cnn = Cnn::new();

#[entry]
fn main() -> ! {
    mnist_m4::classify_digits("cnn digit", |x| NET.forward(x))
}
