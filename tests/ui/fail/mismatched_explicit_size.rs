// `fc2` restates its input size as 100, but `fc1` produces 128.
use nn_core::network;

network! {
    struct Mlp {
        input: 784,
        fc1: dense(128, relu),
        fc2: dense(100 -> 64, relu),
        out: dense(10),
    }
}

fn main() {}
