// A 5x5 kernel does not fit a 4x4 image without padding.
use nn_core::network;

network! {
    struct Net {
        input: [1, 4, 4],
        conv: conv2d(8, 5),
    }
}

fn main() {}
