// `dens` is a typo of `dense`.
use nn_core::network;

network! {
    struct Mlp {
        input: 784,
        fc1: dens(128, relu),
        out: dense(10),
    }
}

fn main() {}
