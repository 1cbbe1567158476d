// A convolution needs an image, not a flat vector.
use nn_core::network;

network! {
    struct Net {
        input: 784,
        conv: conv2d(8, 3),
    }
}

fn main() {}
