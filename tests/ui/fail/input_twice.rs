// `input` given twice, the second time after a layer.
use nn_core::network;

network! {
    struct Mlp {
        input: 784,
        fc1: dense(128, relu),
        input: 128,
        out: dense(10),
    }
}

fn main() {}
