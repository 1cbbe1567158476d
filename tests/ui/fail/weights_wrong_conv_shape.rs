// The file's `conv2` has 16 filters; the declaration asks for 32, and so `fc` expects
// 32·7·7 inputs too. Paths are relative to the crate's Cargo.toml, here trybuild's copy of
// it in target/tests/trybuild/nn.
use nn_core::network;

network! {
    #[weights = "../../../../tests/fixtures/pytorch_cnn.safetensors"]
    struct Cnn {
        input: [1, 28, 28],
        conv1: conv2d(8, 3, relu, pad = 1),
        pool1: max_pool2d(2),
        conv2: conv2d(32, 3, relu, pad = 1),
        pool2: max_pool2d(2),
        flat: flatten,
        fc: dense(10),
    }
}

fn main() {}
