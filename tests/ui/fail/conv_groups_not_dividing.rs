// Two groups cannot share three input channels.
use nn_core::network;

network! {
    struct Net {
        input: [3, 8, 8],
        conv: conv2d(8, 3, pad = 1, groups = 2),
    }
}

fn main() {}
