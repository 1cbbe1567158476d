// Five mistakes in one declaration: all are reported at once, in source order, each at its own token.
use nn_core::network;

network! {
    struct Mlp {
        input: 784,
        fc1: dense(128, rleu),
        fc1: dense(64),
        fc3: dense(32 -> 16, tanh),
        out: dense(0, init = glorot),
    }
}

fn main() {}
