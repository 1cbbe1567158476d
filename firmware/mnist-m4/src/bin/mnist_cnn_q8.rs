//! Classifies 20 MNIST test digits stored in flash with the CNN of `mnist_cnn.rs` quantized
//! to int8 (`nn_core::quant`: int8 weights and inputs per layer, int32 sums through the
//! Cortex-M4's `SMLAD`), embedded from its int8 weights file, and prints each prediction and
//! the exact logits over semihosting, then the instructions per inference and the memory used.

#![no_std]
#![no_main]

use cortex_m_rt::entry;
use nn_core::network;

network! {
    /// Quantized by `cargo run --release --example quantize_mnist` in the workspace.
    #[weights = "../../tests/fixtures/pytorch_cnn_q8.safetensors"]
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
    mnist_m4::classify_digits("cnn q8 digit", |x| NET.forward(x))
}
