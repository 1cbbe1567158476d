//! Classifies 20 MNIST test digits stored in flash with a 784-128-10 network whose 101,770
//! parameters are embedded from a weights file, and prints each prediction and the exact
//! logits over semihosting, then the instructions per inference and the memory used.

#![no_std]
#![no_main]

use cortex_m_rt::entry;
use nn_core::network;

network! {
    /// Trained by `cargo run --release --example deploy_models` in the workspace.
    #[weights = "../../tests/fixtures/mnist_784_128_10.safetensors"]
    struct Mnist {
        input: 784,
        fc1: dense(128, relu),
        fc2: dense(10),
    }
}

/// The network, built at compile time: two references per layer into the embedded file.
static NET: Mnist = Mnist::new();

#[entry]
fn main() -> ! {
    mnist_m4::classify_digits("digit", |x| NET.forward(x))
}
