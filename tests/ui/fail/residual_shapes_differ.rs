// A residual add of the 1x28x28 input and an 8x28x28 convolution: a 1x1 projection is needed.
use nn_core::network;

network! {
    struct Net {
        input: [1, 28, 28],
        conv: conv2d(8, 3, relu, pad = 1),
        sum: add(conv, input, relu),
    }
}

fn main() {}
