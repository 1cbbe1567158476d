// The activation is positional, not `activation = ...`.
use nn_core::network;

network! {
    struct Mlp {
        input: 784,
        fc1: dense(128, activation = relu),
        out: dense(10),
    }
}

fn main() {}
