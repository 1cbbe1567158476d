// The int8 file's `conv1` has 3x3 filters; the declaration asks for 5x5. Its `conv2` has a
// bias, which the declaration turns off.
use nn_core::network;

network! {
    #[weights = "../../../../tests/fixtures/pytorch_cnn_q8.safetensors"]
    struct Cnn {
        input: [1, 28, 28],
        conv1: conv2d(8, 5, relu, pad = 2),
        pool1: max_pool2d(2),
        conv2: conv2d(16, 3, relu, pad = 1, bias = false),
        pool2: max_pool2d(2),
        flat: flatten,
        fc: dense(10),
    }
}

fn main() {}
