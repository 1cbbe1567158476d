// A 2x2 window with stride 2 over 7x7 leaves the last row and column out.
use nn_core::network;

network! {
    struct Net {
        input: [4, 7, 7],
        pool: max_pool2d(2),
    }
}

fn main() {}
