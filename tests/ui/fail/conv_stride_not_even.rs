// (28 - 3)/2 + 1 = 13.5: the last row and column would be dropped silently.
use nn_core::network;

network! {
    struct Net {
        input: [1, 28, 28],
        conv: conv2d(8, 3, stride = 2),
    }
}

fn main() {}
