// Two layers named `fc`.
use nn_core::network;

network! {
    struct Mlp {
        input: 784,
        fc: dense(128, relu),
        fc: dense(64, relu),
        out: dense(10),
    }
}

fn main() {}
