// A slope of 1.5 is outside [0, 1).
use nn_core::network;

network! {
    struct Mlp {
        input: 784,
        fc1: dense(128, leaky_relu(1.5)),
        out: dense(10),
    }
}

fn main() {}
