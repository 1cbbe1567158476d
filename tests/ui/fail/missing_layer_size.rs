// A layer without its output size.
use nn_core::network;

network! {
    struct Mlp {
        input: 784,
        fc1: dense(),
        out: dense(10),
    }
}

fn main() {}
