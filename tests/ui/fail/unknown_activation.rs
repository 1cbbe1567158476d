// `rleu` is a typo of `relu`.
use nn_core::network;

network! {
    struct Mlp {
        input: 784,
        fc1: dense(128, rleu),
        out: dense(10),
    }
}

fn main() {}
