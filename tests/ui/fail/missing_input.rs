// Layers but no `input`.
use nn_core::network;

network! {
    struct Mlp {
        fc1: dense(128, relu),
        out: dense(10),
    }
}

fn main() {}
