// `kaiming` is not a name `network!` knows.
use nn_core::network;

network! {
    struct Mlp {
        input: 784,
        fc1: dense(128, relu, init = kaiming),
        out: dense(10),
    }
}

fn main() {}
