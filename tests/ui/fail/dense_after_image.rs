// A dense layer needs a flat vector; the image must be flattened first.
use nn_core::network;

network! {
    struct Net {
        input: [1, 28, 28],
        out: dense(10),
    }
}

fn main() {}
