//! Classifies 20 MNIST test digits stored in flash with the 784-128-10 network of
//! `mnist.rs` quantized to int8 (`nn_core::quant`: int8 weights and inputs, int32 sums),
//! embedded from its int8 weights file, and prints each prediction and the exact logits
//! over semihosting, then the instructions per inference and the memory used.

#![no_std]
#![no_main]

use cortex_m_rt::entry;
use nn_core::network;

network! {
    /// Quantized by `cargo run --release --example quantize_mnist` in the workspace.
    #[weights = "../../tests/fixtures/mnist_784_128_10_q8.safetensors"]
    struct Mnist {
        input: 784,
        fc1: dense(128, relu),
        fc2: dense(10),
    }
}

/// The network, built at compile time: four references per layer into the embedded file.
static NET: Mnist = Mnist::new();

#[entry]
fn main() -> ! {
    mnist_m4::classify_digits("q8 digit", |x| NET.forward(x))
}
