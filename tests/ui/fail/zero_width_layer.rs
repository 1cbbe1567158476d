// A layer with no units.
use nn_core::network;

network! {
    struct Mlp {
        input: 784,
        fc1: dense(0, relu),
        out: dense(10),
    }
}

fn main() {}
